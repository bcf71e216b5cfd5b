"""Managing the feed list through the real command (issue 17): `ingest feeds add` for a feed's address or a
site's (its declared feeds, else the usual paths), `remove`, `import` of a real OPML file and `export`,
all against real servers on loopback; feeds.yaml keeps its comments and layout; and a poll of a page that
declares a feed names that feed in its error."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path

import listparser
import pytest
from test_help import test_help_describes_the_command_with_examples_and_exit_codes as check_help
from test_once import NO_GAP, _rss

from conftest import ingest_command, run_ingest
from ingest.config import load_config
from support.localsite import LocalSite, page_html

JSON_FEED = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Local JSON", "items": []})


def _home(feeds: str = "") -> str:
    return f"<!doctype html><html><head><title>Harbour</title>{feeds}</head><body><p>News.</p></body></html>"


DECLARING = _home(
    '<link rel="alternate" type="application/rss+xml" title="Harbour RSS" href="/feed.xml">'
    '<link rel="alternate" type="application/feed+json" href="feed.json">'
)
# A feeds.yaml as people keep theirs: comments, sections, blank lines and spacing of its own.
KEPT = """\
# My feeds.   (spacing and comments are mine)
database:   ingest.db
defaults: ~

feeds:
  # --- World ------------------------------------------
  - url: https://feeds.example.org/world.xml   # the main one
    name: World
    tags: [ world,  news ]

  # --- Later ------------------------------------------
  - https://feeds.example.org/later.xml
# the end of the list

shutdown_grace: 20s   # after the list
"""


def _feeds_yaml(tmp_path: Path, text: str = "feeds:\n  - url: https://feeds.example.org/world.xml\n") -> Path:
    config = tmp_path / "feeds.yaml"
    config.write_text(text)
    return config


def _ingest(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_ingest(*args, "--config", str(config), cwd=config.parent)


def _serve_harbour(site: LocalSite) -> None:
    site.add("/", DECLARING)
    site.add("/feed.xml", _rss([]), "application/rss+xml")
    site.add("/feed.json", JSON_FEED, "application/feed+json")


def _added(config: Path) -> list[tuple[str, str, tuple[str, ...], bool]]:
    """The feeds after the first, as (url, name, tags, allow_private)."""
    return [(f.url, f.name, f.tags, f.allow_private) for f in load_config(config).feeds[1:]]


# -- feeds add ------------------------------------------------------------------------------------


def test_a_homepage_declaring_two_feeds_gives_the_first_with_yes_and_both_with_all(
    site: LocalSite, tmp_path: Path
) -> None:
    _serve_harbour(site)
    first = _feeds_yaml(tmp_path)
    done = _ingest(first, "feeds", "add", site.url("/"), "--yes", "--allow-private")

    assert done.returncode == 0, done.stderr
    assert "1. Local RSS" in done.stdout and site.url("/feed.xml") in done.stdout
    assert "2. Local JSON" in done.stdout and site.url("/feed.json") in done.stdout
    assert "systemctl reload ingest" in done.stdout and "kill -HUP" in done.stdout
    assert _added(first) == [(site.url("/feed.xml"), "Local RSS", (), True)]
    assert site.hits("/feed") == []  # the page said where its feeds are: no guessing

    (tmp_path / "all").mkdir()
    every = _feeds_yaml(tmp_path / "all")
    done = _ingest(every, "feeds", "add", site.url("/"), "--all", "--allow-private", "--tag", "local")

    assert done.returncode == 0, done.stderr
    assert _added(every) == [
        (site.url("/feed.xml"), "Local RSS", ("local",), True),
        (site.url("/feed.json"), "Local JSON", ("local",), True),
    ]


def test_a_feed_url_is_added_as_it_is_with_its_name_interval_and_tags(
    site: LocalSite, tmp_path: Path
) -> None:
    site.add("/feed.xml", _rss([]), "application/rss+xml")
    config = _feeds_yaml(tmp_path)
    done = _ingest(config, "feeds", "add", site.url("/feed.xml"), "--name", "Harbour: news", "--interval",
                   "15m", "--tag", "world", "--tag", "local", "--allow-private")  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "found" not in done.stdout  # nothing to choose
    (feed,) = load_config(config).feeds[1:]
    assert (feed.url, feed.name, feed.interval) == (site.url("/feed.xml"), "Harbour: news", 900)
    assert feed.tags == ("world", "local")
    assert feed.allow_private
    # in the layout of the entry before it, keys in the order they are written there
    entry = f"  - url: {site.url('/feed.xml')}\n    name: 'Harbour: news'\n    interval: 15m\n"
    assert config.read_text().endswith(entry + "    tags: [world, local]\n    allow_private: true\n")


def test_a_page_declaring_nothing_is_searched_at_the_usual_paths(site: LocalSite, tmp_path: Path) -> None:
    site.add("/", _home())
    site.add("/feed", _rss([]), "application/rss+xml")
    config = _feeds_yaml(tmp_path)
    done = _ingest(config, "feeds", "add", site.url("/"), "--yes", "--allow-private")

    assert done.returncode == 0, done.stderr
    assert [url for url, *_ in _added(config)] == [site.url("/feed")]
    assert len(site.requests) <= 1 + 8  # the page, and MAX_CANDIDATES at most


def test_a_page_with_no_feed_is_refused_saying_where_it_looked(site: LocalSite, tmp_path: Path) -> None:
    site.add("/", _home())
    config = _feeds_yaml(tmp_path)
    before = config.read_bytes()
    done = _ingest(config, "feeds", "add", site.url("/"), "--yes", "--allow-private")

    assert done.returncode == 1
    assert site.url("/") in done.stderr and "declares no feed" in done.stderr
    assert "/feed, /rss.xml, /index.xml" in done.stderr and "give the feed's own address" in done.stderr
    assert config.read_bytes() == before


def test_without_a_terminal_a_choice_is_not_made_for_the_user(site: LocalSite, tmp_path: Path) -> None:
    _serve_harbour(site)
    config = _feeds_yaml(tmp_path)
    before = config.read_bytes()
    done = _ingest(config, "feeds", "add", site.url("/"), "--allow-private")

    assert done.returncode == 2
    assert site.url("/feed.xml") in done.stdout and site.url("/feed.json") in done.stdout
    assert "--yes" in done.stderr and "--all" in done.stderr
    assert config.read_bytes() == before


def test_on_a_terminal_the_user_picks_by_number(site: LocalSite, tmp_path: Path) -> None:
    _serve_harbour(site)
    config = _feeds_yaml(tmp_path)
    leader, follower = pty.openpty()
    try:
        os.write(leader, b"2\n")  # typed ahead: the terminal holds it until the prompt reads it
        env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
        done = subprocess.run([*ingest_command(), "feeds", "add", site.url("/"), "--allow-private",
                               "--config", str(config)], stdin=follower, capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=60)  # fmt: skip
    finally:
        os.close(leader)
        os.close(follower)

    assert done.returncode == 0, done.stderr
    assert "add which? 1-2" in done.stdout
    assert [url for url, *_ in _added(config)] == [site.url("/feed.json")]


def test_the_address_guard_holds_unless_allowed(site: LocalSite, tmp_path: Path) -> None:
    site.add("/feed.xml", _rss([]), "application/rss+xml")
    config = _feeds_yaml(tmp_path)
    done = _ingest(config, "feeds", "add", site.url("/feed.xml"))

    assert done.returncode == 1 and "--allow-private" in done.stderr
    assert site.requests == []


# -- feeds.yaml kept as it was ----------------------------------------------------------------------


def test_comments_and_layout_are_kept_and_remove_gives_the_file_back(site: LocalSite, tmp_path: Path) -> None:
    site.add("/feed.xml", _rss([]), "application/rss+xml")
    config = _feeds_yaml(tmp_path, KEPT)
    done = _ingest(config, "feeds", "add", site.url("/feed.xml"), "--tag", "local", "--allow-private")

    assert done.returncode == 0, done.stderr
    new = (f"  - url: {site.url('/feed.xml')}\n    name: Local RSS\n"
           "    tags: [local]\n    allow_private: true\n")  # fmt: skip
    after = config.read_text()
    # at the end of the list, before what follows it; every other byte as it was
    assert after == KEPT.replace("# the end of the list\n", new + "# the end of the list\n")

    removed = _ingest(config, "feeds", "remove", site.url("/feed.xml"))
    assert removed.returncode == 0, removed.stderr
    assert config.read_text() == KEPT

    assert _ingest(config, "feeds", "remove", "World").returncode == 0
    assert config.read_text() == KEPT.replace(
        "  - url: https://feeds.example.org/world.xml   # the main one\n    name: World\n"
        "    tags: [ world,  news ]\n", ""
    )  # fmt: skip


def test_an_edit_that_does_not_validate_is_not_written(site: LocalSite, tmp_path: Path) -> None:
    site.add("/feed.xml", _rss([]), "application/rss+xml")
    config = _feeds_yaml(tmp_path, KEPT)
    done = _ingest(config, "feeds", "add", site.url("/feed.xml"), "--interval", "30", "--allow-private")

    assert done.returncode == 2
    assert "interval: 30: give a unit" in done.stderr and "is unchanged" in done.stderr
    assert str(config) in done.stderr
    assert config.read_text() == KEPT
    assert [p.name for p in tmp_path.iterdir()] == ["feeds.yaml"]  # no temporary file left


def test_a_feed_already_subscribed_is_refused_before_fetching(site: LocalSite, tmp_path: Path) -> None:
    config = _feeds_yaml(tmp_path, KEPT)
    # another spelling of the same feed: host case, a tracking parameter, a fragment
    done = _ingest(config, "feeds", "add", "https://FEEDS.example.org/world.xml?utm_source=x#top")

    assert done.returncode == 2
    assert "already" in done.stderr and "'World'" in done.stderr
    assert config.read_text() == KEPT


def test_a_removed_feed_keeps_its_articles_and_shows_as_removed(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    page = site.add("/story.html", page_html(fixtures, "readability-ars-1"))
    site.add("/feed.xml", _rss([("a story", page)]), "application/rss+xml")
    site.add("/quiet.xml", _rss([]), "application/rss+xml")
    config = _feeds_yaml(tmp_path, f"{NO_GAP}feeds:\n  - url: {site.url('/feed.xml')}\n    name: Harbour\n"
                                   f"  - {site.url('/quiet.xml')}\n")  # fmt: skip
    assert _ingest(config, "--once").returncode == 0

    done = _ingest(config, "feeds", "remove", "Harbour")

    assert done.returncode == 0, done.stderr
    assert "stay in the database" in done.stdout
    assert config.read_text() == f"{NO_GAP}feeds:\n  - {site.url('/quiet.xml')}\n"
    rows = [json.loads(line) for line in _ingest(config, "feeds", "--json").stdout.splitlines()]
    harbour = next(row for row in rows if row["url"] == site.url("/feed.xml"))
    assert (harbour["state"], harbour["articles"]) == ("removed", 1)


def test_removing_a_feed_not_in_the_file_says_so(tmp_path: Path) -> None:
    config = _feeds_yaml(tmp_path, KEPT)
    done = _ingest(config, "feeds", "remove", "Nowhere")

    assert done.returncode == 2 and "no feed named or at 'Nowhere'" in done.stderr
    assert config.read_text() == KEPT


# -- OPML -----------------------------------------------------------------------------------------

# rsparser-Subs.opml: 207 feeds, 138 of them in one of four folders; http://feed.katiefloyd.com is listed
# twice, once with a trailing slash.
OPML = "rsparser-Subs.opml"


def test_a_real_opml_file_is_imported_with_its_folders_as_tags(fixtures: Path, tmp_path: Path) -> None:
    # one feed of the file subscribed already
    subscribed = KEPT.replace("https://feeds.example.org/later.xml", "http://jvns.ca/atom.xml")
    config = _feeds_yaml(tmp_path, subscribed)
    before = config.read_text()
    opml = fixtures / "feeds" / OPML

    dry = _ingest(config, "feeds", "import", str(opml), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    summary = "205 feeds, skipped 1 (already subscribed), 1 duplicates in the file"
    assert dry.stdout.splitlines()[-1] == f"ingest: would import {summary}"
    assert "add   http://daringfireball.net/feeds/main  Daring Fireball" in dry.stdout
    assert config.read_text() == before

    done = _ingest(config, "feeds", "import", str(opml))
    assert done.returncode == 0, done.stderr
    assert f"ingest: imported {summary}" in done.stdout
    feeds = load_config(config).feeds
    assert len(feeds) == 2 + 205 and config.read_text().startswith(before.split("# the end of the list")[0])
    folders = ("Programming", "Macintosh", "Weblogs", "Writers")
    tagged = {tag: sum(tag in f.tags for f in feeds) for tag in folders}
    assert tagged == {"Programming": 33, "Macintosh": 5, "Weblogs": 97, "Writers": 3}
    quoted = next(f for f in feeds if f.url == "http://blog.thoughtbrain.com/feed/")
    assert quoted.name == "Feed: Thoughtbrain Bloggers"  # a name YAML must quote

    again = _ingest(config, "feeds", "import", str(opml))
    assert "imported 0 feeds, skipped 207 (already subscribed)" in again.stdout


@pytest.mark.parametrize("content", [b"", b"<html><body>not a list</body></html>", b"\x00\xff\xfe junk"])
def test_a_file_that_is_not_opml_is_refused_and_nothing_changes(content: bytes, tmp_path: Path) -> None:
    config = _feeds_yaml(tmp_path, KEPT)
    bad = tmp_path / "subs.opml"
    bad.write_bytes(content)
    done = _ingest(config, "feeds", "import", str(bad))

    assert done.returncode == 2
    assert f"{bad}: not an OPML document" in done.stderr
    assert config.read_text() == KEPT


def test_export_gives_opml_that_imports_back_as_the_same_feeds(tmp_path: Path) -> None:
    config = _feeds_yaml(tmp_path, """\
feeds:
  - url: https://a.example.org/feed.xml
    name: "Tom & Jerry's \\"news\\""
    tags: [world, china]
  - url: https://b.example.org/atom.xml
    name: B
    tags: [world]
  - https://c.example.org/feed.json
""")  # fmt: skip
    out = tmp_path / "subs.opml"
    done = _ingest(config, "feeds", "export", "-o", str(out))
    assert done.returncode == 0, done.stderr

    parsed = listparser.parse(out.read_bytes())
    assert parsed.version == "opml2"
    seen = {(f.url, f.title, tuple(f.tags)) for f in parsed.feeds}
    assert seen == {
        ("https://a.example.org/feed.xml", "Tom & Jerry's \"news\"", ("world", "china")),
        ("https://b.example.org/atom.xml", "B", ("world",)),
        ("https://c.example.org/feed.json", "c.example.org", ()),
    }

    (tmp_path / "empty").mkdir()
    empty = _feeds_yaml(tmp_path / "empty", "feeds: []\n")
    assert _ingest(empty, "feeds", "import", str(out)).returncode == 0
    feeds = {(f.url, f.name, f.tags) for f in load_config(empty).feeds}
    assert feeds == {(f.url, f.name, f.tags) for f in load_config(config).feeds}


# -- the poll of a page ---------------------------------------------------------------------------


def test_a_poll_of_a_page_that_declares_a_feed_names_that_feed(site: LocalSite, tmp_path: Path) -> None:
    site.add("/", _home('<link rel="alternate" type="application/atom+xml" href="/atom.xml">'))
    config = _feeds_yaml(tmp_path, f"{NO_GAP}feeds:\n  - {site.url('/')}\n")
    done = _ingest(config, "--once")

    assert done.returncode == 1
    (row,) = [json.loads(line) for line in _ingest(config, "feeds", "--json").stdout.splitlines()]
    expected = f"not a feed: an HTML page, which declares the feed {site.url('/atom.xml')}: use that URL"
    assert expected in row["last_error"]


# -- help -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["show", "add", "remove", "import", "export"])
def test_each_action_has_its_own_help(action: str, tmp_path: Path) -> None:
    check_help(f"feeds {action}", tmp_path)
