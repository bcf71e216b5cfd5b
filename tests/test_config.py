"""feeds.yaml loading: defaults, value forms, and one-line errors that name file, line and key."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from ingest import __version__
from ingest.config import (
    Config,
    ConfigError,
    FeedConfig,
    load_config,
    parse_duration,
    parse_size,
)


def write(tmp_path: Path, text: str, name: str = "feeds.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error(path: Path | str, line: int | None, key: str, *fragments: str) -> str:
    """Load `path`, expecting a ConfigError at `line` and `key`; returns the message."""
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    where = str(path) if line is None else f"{path}:{line}"
    prefix = ": ".join(p for p in (where, key) if p) + ": "
    assert message.startswith(prefix), message
    for fragment in fragments:
        assert fragment in message, message
    return message


# ---------------------------------------------------------------- what loads


def test_defaults_applied(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds:\n  - https://example.com/feed.xml\n")
    config = load_config(path)
    assert isinstance(config, Config)
    assert config.path == path and config.path.is_absolute()
    assert config.database == tmp_path / "ingest.db"
    assert config.max_connections == 16 and config.max_per_host == 2
    assert config.user_agent.startswith(f"ingest/{__version__}")
    assert config.feeds == (
        FeedConfig(
            url="https://example.com/feed.xml",
            name="example.com",
            interval=1800.0,
            full_text=True,
            allow_private=False,
            tags=(),
            timeout=20.0,
            connect_timeout=10.0,
            max_bytes=10 * 1024 * 1024,
            max_redirects=5,
            max_entries=100,
            parse_timeout=30.0,
        ),
    )


def test_url_string_item_is_stripped_and_named_by_host(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds:\n  - '  http://News.Example.org:8080/rss?x=1  '\n")
    (feed,) = load_config(path).feeds
    assert feed.url == "http://News.Example.org:8080/rss?x=1"
    assert feed.name == "news.example.org"


def test_mapping_items_override_defaults_and_merge_tags(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
defaults:
  interval: 15m
  full_text: false
  tags: [news, world]
  max_bytes: 2MB
  max_entries: 20
feeds:
  - https://a.example/feed
  - url: https://b.example/feed
    name: "  B News  "
    interval: 1h30m
    full_text: true
    allow_private: true
    tags: [world, politics, politics]
    timeout: 45s
    connect_timeout: 2500ms
    max_bytes: 512KB
    max_redirects: 0
    max_entries: 5
    extract_timeout: 1m
    max_elements: 2000
  - url: https://c.example/feed
    tags: local
""",
    )
    a, b, c = load_config(path).feeds
    assert (a.interval, a.full_text, a.tags, a.max_bytes, a.max_entries) == (
        900.0, False, ("news", "world"), 2 * 1024 * 1024, 20,
    )
    assert b == FeedConfig(
        url="https://b.example/feed",
        name="B News",
        interval=5400.0,
        full_text=True,
        allow_private=True,
        tags=("news", "world", "politics"),
        timeout=45.0,
        connect_timeout=2.5,
        max_bytes=512 * 1024,
        max_redirects=0,
        max_entries=5,
        parse_timeout=60.0,  # read from its old name, extract_timeout
        max_elements=2000,
    )
    assert c.tags == ("news", "world", "local") and c.interval == 900.0


def test_top_level_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "max_connections: 4\nmax_per_host: 1\nuser_agent: '  MyBot/1.0  '\nfeeds: []\n",
    )
    config = load_config(path)
    assert (config.max_connections, config.max_per_host, config.user_agent) == (4, 1, "MyBot/1.0")
    assert config.feeds == ()  # an empty list is allowed: the daemon idles until feeds are added


def test_daemon_settings(tmp_path: Path) -> None:
    text = "min_host_gap: 0s\nshutdown_grace: 5s\nlisten: '[::1]:9108'\nfeeds: []\n"
    config = load_config(write(tmp_path, text))
    assert (config.min_host_gap, config.shutdown_grace, config.listen) == (0.0, 5.0, ("::1", 9108))
    defaults = load_config(write(tmp_path, "feeds: []\n"))
    assert (defaults.min_host_gap, defaults.shutdown_grace, defaults.listen) == (1.0, 20.0, None)


@pytest.mark.parametrize(("written", "seconds"), [("true", math.inf), ("false", 0.0), ("2w", 14 * 86400.0)])
def test_keep_html_is_a_duration_or_for_ever_or_never(tmp_path: Path, written: str, seconds: float) -> None:
    assert load_config(write(tmp_path, f"keep_html: {written}\nfeeds: []\n")).keep_html == seconds
    assert load_config(write(tmp_path, "feeds: []\n")).keep_html == 30 * 86400.0


@pytest.mark.parametrize("value", ["yes please", "5m", "400d"])
def test_bad_keep_html(tmp_path: Path, value: str) -> None:
    error(write(tmp_path, f"keep_html: {value}\nfeeds: []\n"), 1, "keep_html", "how long to keep pages")


@pytest.mark.parametrize("value", ["9108", "127.0.0.1:", "127.0.0.1:99999", ":9108", "[::1]"])
def test_bad_listen_address(tmp_path: Path, value: str) -> None:
    error(write(tmp_path, f"listen: '{value}'\nfeeds: []\n"), 1, "listen", "host:port")


def test_empty_defaults_block_is_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, "defaults:\n#  interval: 5m\nfeeds: [https://a.example/]\n")
    assert load_config(path).feeds[0].interval == 1800.0


def test_database_relative_to_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "etc").mkdir()
    path = write(tmp_path, "database: data/news.db\nfeeds: []\n", "etc/feeds.yaml")
    monkeypatch.chdir(tmp_path)  # relative to the file, not to where we run
    assert load_config("etc/feeds.yaml").database == tmp_path / "etc" / "data" / "news.db"
    assert load_config("etc/feeds.yaml").path == path


def test_database_default_and_absolute(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "feeds: []\n")).database == tmp_path / "ingest.db"
    target = tmp_path / "elsewhere" / "x.db"
    path = write(tmp_path, f"database: {target}\nfeeds: []\n", "abs.yaml")
    assert load_config(path).database == target


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("90s", 90.0), ("15m", 900.0), ("2.5s", 2.5), ("0s", 0.0),
        ("2h", 7200.0), ("1d", 86400.0), ("1w", 604800.0), ("500ms", 0.5), ("1h30m", 5400.0),
        ("1h 30m 15s", 5415.0), (" 2H ", 7200.0), ("1.5h", 5400.0),
    ],
)
def test_parse_duration(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    ["", "abc", "15 minutes", "-5s", "5y", "h", "1.5.5s", "1e3s", True, None, [],
     math.nan, math.inf, -1, "9" * 400 + "d"],
)
def test_parse_duration_rejects(value: object) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (30, "30: give a unit, e.g. 30s or 30m"), ("30", "30: give a unit, e.g. 30s or 30m"),
        (" 2.5 ", "2.5: give a unit, e.g. 2.5s or 2.5m"), (1.5, "1.5: give a unit, e.g. 1.5s or 1.5m"),
        (0, "0: give a unit, e.g. 0s or 0m"), (10**400, "give a unit, e.g. 30s or 30m"),
    ],
)
def test_parse_duration_wants_a_unit(value: object, message: str) -> None:
    """A bare number was read as seconds, which surprised whoever meant minutes: now it shows the fix."""
    with pytest.raises(ValueError) as info:
        parse_duration(value)
    assert str(info.value).endswith(message)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("0B", 0), ("1024b", 1024), ("100B", 100), ("100 B", 100),
        ("512KB", 512 * 1024), ("512k", 512 * 1024),
        ("10MB", 10 * 1024**2), ("10mb", 10 * 1024**2), ("1.5 MB", int(1.5 * 1024**2)),
        ("2GiB", 2 * 1024**3), ("3 MiB", 3 * 1024**2), ("1g", 1024**3),
    ],
)
def test_parse_size(value: object, size: int) -> None:
    assert parse_size(value) == size


@pytest.mark.parametrize(
    "value", ["", "abc", "10TB", "MB", "-1KB", "1.5B", -1, True, None, "9" * 400 + "GB"]
)
def test_parse_size_rejects(value: object) -> None:
    with pytest.raises(ValueError, match="not a size"):
        parse_size(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (10, "10: give a unit, e.g. 10KB or 10MB"), ("10", "10: give a unit, e.g. 10KB or 10MB"),
        ("1.5", "1.5: give a unit, e.g. 1.5KB or 1.5MB"), (0, "0: give a unit, e.g. 0KB or 0MB"),
    ],
)
def test_parse_size_wants_a_unit(value: object, message: str) -> None:
    """`max_bytes: 10` was 10 bytes, which nobody meant: a size needs its unit (100B for bytes)."""
    with pytest.raises(ValueError) as info:
        parse_size(value)
    assert str(info.value) == message


def test_yaml_one_one_booleans_are_booleans(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds:\n  - url: https://a.example/\n    full_text: no\n")
    assert load_config(path).feeds[0].full_text is False


# ---------------------------------------------------------------- the file itself


def test_missing_file(tmp_path: Path) -> None:
    error(tmp_path / "nope.yaml", None, "", "no such file")


def test_directory(tmp_path: Path) -> None:
    error(tmp_path, None, "", "directory")


def test_path_through_a_file(tmp_path: Path) -> None:
    # An OSError other than "not found": works as root too, where chmod 000 stops nobody.
    error(write(tmp_path, "feeds: []\n") / "x.yaml", None, "", "cannot read")


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_bytes(b"\xef\xbb\xbffeeds: [https://a.example/]\n")
    assert load_config(path).feeds[0].url == "https://a.example/"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    error(write(tmp_path, text), None, "", "empty")


def test_huge_file(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds:\n" + "  - https://a.example/\n" * 60_000)
    error(path, None, "", "larger than")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_bytes(b"feeds:\n  - https://caf\xe9.example/\n")
    error(path, 2, "", "UTF-8")


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = "feeds:\n  - https://a.example/\n  - url: [unclosed\n\nmax_per_host: 2\n"
    path = write(tmp_path, text)
    error(path, 5, "", "YAML syntax error")


def test_yaml_bad_indentation(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds:\n  - url: https://a.example/\n   name: x\n")
    error(path, 3, "", "YAML syntax error")


def test_control_character(tmp_path: Path) -> None:
    error(write(tmp_path, "feeds: []\n# \x07\n"), 2, "", "not allowed")


def test_alias_bomb_refused_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    path = write(tmp_path, "\n".join(lines) + "\nfeeds: []\n")
    start = time.monotonic()
    error(path, 2, "", "aliases")
    assert time.monotonic() - start < 1.0


def test_deep_nesting_refused(tmp_path: Path) -> None:
    error(write(tmp_path, "feeds: " + "[" * 5000 + "]" * 5000 + "\n"), 1, "", "nested")


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(
        tmp_path,
        f"feeds:\n  - url: !!python/object/apply:os.system ['touch {marker}']\n",
    )
    error(path, 2, "feeds[0].url", "python/object")
    assert not marker.exists()


# ---------------------------------------------------------------- the layout


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    error(write(tmp_path, "- https://a.example/\n"), 1, "", "expected a mapping", "list")


def test_missing_feeds(tmp_path: Path) -> None:
    error(write(tmp_path, "\nmax_per_host: 2\n"), 2, "feeds", "required key is missing")


@pytest.mark.parametrize("value", ["", "https://a.example/", "{url: https://a.example/}"])
def test_feeds_not_a_list(tmp_path: Path, value: str) -> None:
    error(write(tmp_path, f"database: x.db\nfeeds: {value}\n"), 2, "feeds", "expected a list")


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("feeds: []\nmax_conections: 3\n", 2, "max_conections"),
        ("defaults:\n  url: https://a.example/\nfeeds: []\n", 2, "defaults.url"),
        ("defaults:\n  interval: 5m\n  bogus: 1\nfeeds: []\n", 3, "defaults.bogus"),
        (
            "feeds:\n  - https://a.example/\n  - url: https://b.example/\n    intervl: 5m\n",
            4,
            "feeds[1].intervl",
        ),
    ],
)
def test_unknown_key(tmp_path: Path, text: str, line: int, key: str) -> None:
    error(write(tmp_path, text), line, key, "unknown key")


def test_unknown_key_suggests_the_near_one(tmp_path: Path) -> None:
    message = error(write(tmp_path, "feeds: []\nmax_conections: 3\n"), 2, "max_conections")
    assert "did you mean 'max_connections'" in message


def test_key_given_twice(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds: []\nmax_per_host: 2\nmax_per_host: 3\n")
    error(path, 3, "max_per_host", "given twice", "line 2")


@pytest.mark.parametrize(
    "url",
    ["ftp://a.example/feed", "a.example/feed", "https://", "http:///path", "https://a b.example/",
     "https://a.example/x y", "'https://a.example:99999/'", "'http://[::1/'",
     "https://user:pw@a.example/", "''", "javascript:alert(1)", "null", "[x]"],
)
def test_bad_url(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, f"feeds:\n  - https://ok.example/\n  - url: {url}\n")
    error(path, 3, "feeds[1].url")


def test_bad_url_string_item(tmp_path: Path) -> None:
    error(write(tmp_path, "feeds:\n\n  - ftp://a.example/\n"), 3, "feeds[0]", "http(s)")


def test_missing_url(tmp_path: Path) -> None:
    error(write(tmp_path, "feeds:\n  - name: x\n    interval: 5m\n"), 2, "feeds[0].url", "missing")


@pytest.mark.parametrize("item", ["42", "null", "[https://a.example/]", "true"])
def test_feed_item_of_wrong_type(tmp_path: Path, item: str) -> None:
    error(write(tmp_path, f"feeds:\n  - {item}\n"), 2, "feeds[0]", "expected a URL or a mapping")


def test_duplicate_feed_urls_name_both_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "feeds:\n  - https://a.example/feed\n  - https://b.example/\n"
        "  - url: HTTPS://A.example/feed\n",
    )
    error(path, 4, "feeds[2]", "duplicate of feeds[0]", "line 2")


@pytest.mark.parametrize(
    ("setting", "key", "fragment"),
    [
        ("interval: soon", "interval", "not a duration"),
        ("interval: 500ms", "interval", "between 1s"),
        ("interval: 400d", "interval", "365d"),
        ("timeout: 0s", "timeout", "between"),
        ("interval: 30", "interval", "30: give a unit, e.g. 30s or 30m"),
        ("connect_timeout: [1]", "connect_timeout", "single value"),
        ("extract_timeout: -3s", "extract_timeout", "not a duration"),
        ("parse_timeout: -3s", "parse_timeout", "not a duration"),
        ("full_text: 'yes'", "full_text", "expected true or false"),
        ("allow_private: 1", "allow_private", "expected true or false"),
        ("max_bytes: 10TB", "max_bytes", "not a size"),
        ("max_bytes: 0B", "max_bytes", "at least 1 byte"),
        ("max_bytes: 10", "max_bytes", "10: give a unit, e.g. 10KB or 10MB"),
        ("max_redirects: true", "max_redirects", "whole number"),
        ("max_redirects: -1", "max_redirects", "at least 0"),
        ("max_entries: '5'", "max_entries", "whole number"),
        ("max_entries: 2.5", "max_entries", "whole number"),
        ("max_elements: 0", "max_elements", "at least 1"),
        ("max_entries: 0", "max_entries", "at least 1"),
        ("tags: {a: 1}", "tags", "list of strings"),
        ("name: ''", "name", "empty"),
        ("name: [x]", "name", "single value"),
    ],
)
def test_bad_feed_setting(tmp_path: Path, setting: str, key: str, fragment: str) -> None:
    text = f"feeds:\n  - https://ok.example/\n  - url: https://a.example/\n    {setting}\n"
    path = write(tmp_path, text)
    error(path, 4, f"feeds[1].{key}", fragment)


def test_a_setting_under_its_old_and_new_name_is_an_error(tmp_path: Path) -> None:
    text = "feeds:\n  - url: https://a.example/\n    parse_timeout: 5s\n    extract_timeout: 9s\n"
    error(write(tmp_path, text), 4, "feeds[0].extract_timeout", "old name of parse_timeout")


def test_the_old_name_of_a_setting_still_reads(tmp_path: Path) -> None:
    text = "defaults:\n  extract_timeout: 7s\nfeeds:\n  - https://a.example/\n"
    (feed,) = load_config(write(tmp_path, text)).feeds
    assert feed.parse_timeout == 7.0


def test_bad_default_setting_is_reported_once_under_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "defaults:\n  max_bytes: lots\nfeeds:\n  - https://a.example/\n")
    error(path, 2, "defaults.max_bytes", "not a size")


def test_defaults_not_a_mapping(tmp_path: Path) -> None:
    error(write(tmp_path, "defaults: [1]\nfeeds: []\n"), 1, "defaults", "expected a mapping")


def test_bad_tag_element(tmp_path: Path) -> None:
    text = "feeds:\n  - url: https://a.example/\n    tags:\n      - ok\n      - 2024\n"
    path = write(tmp_path, text)
    error(path, 5, "feeds[0].tags[1]", "expected a string")


@pytest.mark.parametrize(
    ("setting", "key", "fragment"),
    [
        ("database: ''", "database", "empty"),
        ("database: 3", "database", "expected a string"),
        ("max_connections: 0", "max_connections", "at least 1"),
        ("max_per_host: two", "max_per_host", "whole number"),
        ('user_agent: "bot\\r\\nX-Evil: 1"', "user_agent", "control characters"),
    ],
)
def test_bad_top_level_setting(tmp_path: Path, setting: str, key: str, fragment: str) -> None:
    error(write(tmp_path, f"feeds: []\n{setting}\n"), 2, key, fragment)


def test_relative_path_is_shown_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "feeds:\n  - url: https://a.example/\n    interval: never\n")
    monkeypatch.chdir(tmp_path)
    error("feeds.yaml", 3, "feeds[0].interval")


# ---------------------------------------------------------------- per-feed selectors


def test_remove_and_body_selectors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
defaults:
  remove: .newsletter-cta
feeds:
  - https://a.example/feed
  - url: https://b.example/feed
    remove:
      - .promo-box
      - "aside.related, div[data-ad] > p"
      - .promo-box
    body: "#story"
  - url: https://c.example/feed
    remove: '  article .byline:not(.main)  '
    body: main .article-body
""",
    )
    a, b, c = load_config(path).feeds
    assert (a.remove, a.body) == ((".newsletter-cta",), None)
    assert b.remove == (".newsletter-cta", ".promo-box", "aside.related, div[data-ad] > p")
    assert b.body == "#story"
    assert (c.remove, c.body) == ((".newsletter-cta", "article .byline:not(.main)"), "main .article-body")


def test_selectors_default_to_none(tmp_path: Path) -> None:
    (feed,) = load_config(write(tmp_path, "feeds:\n  - url: https://a.example/\n    remove: []\n")).feeds
    assert (feed.remove, feed.body) == ((), None)


@pytest.mark.parametrize(
    ("setting", "line", "key", "fragment"),
    [
        ("remove: 'div,'", 4, "remove", "not a CSS selector: 'div,'"),
        ("remove: '..x'", 4, "remove", "Expected ident"),
        ("remove: 'p::first-line'", 4, "remove", "Pseudo-elements are not supported"),
        ("remove: 'svg|a'", 4, "remove", "not a CSS selector"),  # a namespace lxml cannot resolve
        ("remove:\n      - .ok\n      - 'a[href'", 6, "remove[1]", "not a CSS selector"),
        ("remove:\n      - .ok\n      - 3", 6, "remove[1]", "expected a string, got a number"),
        ("remove: {a: 1}", 4, "remove", "expected a list of CSS selectors"),
        ("remove: ''", 4, "remove", "must not be empty"),
        ("body: '#'", 4, "body", "not a CSS selector"),
        ("body: [main, article]", 4, "body", "expected a single value"),
        ("body: 42", 4, "body", "expected a string"),
        ("body: #story", 4, "body", 'quote one that starts with "#"'),
    ],
)
def test_bad_selector(tmp_path: Path, setting: str, line: int, key: str, fragment: str) -> None:
    text = f"feeds:\n  - https://ok.example/\n  - url: https://a.example/\n    {setting}\n"
    error(write(tmp_path, text), line, f"feeds[1].{key}", fragment)


def test_body_is_per_feed_not_a_default(tmp_path: Path) -> None:
    path = write(tmp_path, "defaults:\n  body: article\nfeeds: []\n")
    error(path, 2, "defaults.body", "unknown key")


def test_bad_default_selector(tmp_path: Path) -> None:
    error(write(tmp_path, "defaults:\n  remove: ['>']\nfeeds: []\n"), 2, "defaults.remove[0]", "CSS selector")


def _shape(node: object) -> object:
    """A composed node as plain data: tag, line and value, recursively (what the loader reads of it)."""
    from yaml.nodes import MappingNode, SequenceNode

    if isinstance(node, MappingNode):
        value: object = [(_shape(k), _shape(v)) for k, v in node.value]
    elif isinstance(node, SequenceNode):
        value = [_shape(item) for item in node.value]
    else:
        value = node.value  # type: ignore[attr-defined]
    return (node.tag, node.start_mark.line, value)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    [
        (Path(__file__).resolve().parent.parent / "feeds.yaml").read_text(),  # the shipped one
        "feeds:\n  - https://a.example/\n  - url: https://b.example/\n    tags: [x, 'y', \"z\"]\n    interval: 15m\n",
        "defaults:\n  remove: ['.ad', \"#x\"]\nfeeds: []\nlisten: '[::1]:9108'\n# a comment\n",
        "feeds:\n  - url: https://a.example/\n    name: |\n      two\n      lines\n    max_bytes: 10MB\n",
        "feeds: !!seq\n  - !!str 42\n  - 2025-01-02\n  - ~\n",
    ],
)
def test_the_fast_composer_reads_what_the_checked_one_reads(text: str) -> None:
    from ingest.config.nodes import _SLOW, _compose_checked, _compose_fast

    fast = _compose_fast(text)
    assert fast is not _SLOW  # plain, safe files take the fast path
    assert _shape(fast) == _shape(_compose_checked(text, "feeds.yaml"))


@pytest.mark.parametrize(
    "text",
    ["a: &x [1]\nb: *x\n", "a: " + "[" * 40 + "]" * 40 + "\n", "a: \x07\n", "a: [\n", "--- 1\n--- 2\n"],
)
def test_aliases_deep_nesting_bad_characters_and_errors_take_the_checked_path(text: str) -> None:
    from ingest.config.nodes import _SLOW, _compose_fast

    assert _compose_fast(text) is _SLOW
