"""Every malformed feeds.yaml, through the real `ingest` command: exit 2 and one line naming the file,
the line and the key; never a traceback, never a database."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from conftest import ingest_command, run_ingest
from support.longimport import restricted, start

FEED = "  - url: https://a.example/\n"


class Bad(NamedTuple):
    """A malformed file and what its one-line error must say."""

    content: str | bytes
    line: int | None
    key: str
    fragment: str


def _bomb() -> str:
    """'Billion laughs' in YAML anchors: nine aliases per level, eleven levels."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\nfeeds: []\n"


def _setting(setting: str) -> str:
    """A file whose second feed has `setting` on line 4."""
    return f"feeds:\n  - https://ok.example/\n{FEED}    {setting}\n"


# One case per line, a table to read down.
# fmt: off
CASES: dict[str, Bad] = {
    # -- YAML itself
    "unclosed bracket": Bad("feeds:\n  - url: [unclosed\n\nmax_per_host: 2\n", 4, "", "YAML syntax error"),
    "tab indent": Bad("feeds:\n\t- https://a.example/\n", 2, "", "'\\t'"),
    "tab inside a mapping": Bad(f"feeds:\n{FEED}\tname: x\n", 3, "", "YAML syntax error"),
    "bad indentation": Bad(f"feeds:\n{FEED}   name: x\n", 3, "", "YAML syntax error"),
    "two documents": Bad("feeds: []\n---\nfeeds: []\n", 2, "", "another document"),
    "unknown escape": Bad('feeds:\n  - "https://a.example/\\q"\n', 2, "", "escape"),
    "NUL byte": Bad("feeds: []\n\x00\n", 2, "", "U+0000"),
    "YAML 2.0 directive": Bad("%YAML 2.0\n---\nfeeds: []\n", 1, "", "version"),
    "CRLF line ends": Bad("feeds:\r\n  - url: https://a.example/\r\n    intervl: 5m\r\n", 3, "feeds[0].intervl", "interval"),
    "not UTF-8": Bad(b"feeds:\n  - https://caf\xe9.example/\n", 2, "", "not UTF-8"),
    "UTF-16": Bad("feeds: []\n".encode("utf-16"), 1, "", "not UTF-8"),
    "alias bomb": Bad(_bomb(), 2, "", "aliases"),
    "undefined alias": Bad("feeds: *nowhere\n", 1, "", "aliases"),
    "merge key with alias": Bad(f"defaults: &d {{interval: 5m}}\nfeeds:\n  - <<: *d\n{FEED}", 3, "", "aliases"),
    "deep flow nesting": Bad("feeds: " + "[" * 5000 + "]" * 5000 + "\n", 1, "", "nested more than"),
    "deep block nesting": Bad("feeds:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 200)), 32, "", "nested"),
    # -- tags: nothing but plain values is ever constructed
    "python object tag": Bad("feeds:\n  - url: !!python/object/apply:os.system ['true']\n", 2, "feeds[0].url", "python/object"),
    "python tag at the top": Bad("!!python/object/apply:os.system ['true']\n", 1, "", "python/object"),
    "python name tag": Bad("feeds: !!python/name:os.system\n", 1, "feeds", "python/name"),
    "TAG directive": Bad("%TAG ! tag:yaml.org,2002:python/\n---\nfeeds: !object:os.system []\n", 3, "feeds", "python/object"),
    "custom tag": Bad("feeds: !mine []\n", 1, "feeds", "!mine"),
    "binary URL": Bad("feeds:\n  - url: !!binary aGVsbG8=\n", 2, "feeds[0].url", "bytes"),
    "set instead of list": Bad("feeds: !!set {a, b}\n", 1, "feeds", "set"),
    "bad explicit timestamp": Bad(_setting("interval: !!timestamp nope"), 4, "feeds[1].interval", "not a valid timestamp"),
    "bad explicit bool": Bad(_setting("full_text: !!bool maybe"), 4, "feeds[1].full_text", "not a valid bool"),
    "bad explicit float": Bad(_setting("interval: !!float soon"), 4, "feeds[1].interval", "not a valid float"),
    # -- the layout
    "a list at the top": Bad("- https://a.example/\n", 1, "", "expected a mapping"),
    "a string at the top": Bad("hello\n", 1, "", "expected a mapping"),
    "no feeds key": Bad("\nmax_per_host: 2\n", 2, "feeds", "required key is missing"),
    "feeds is a mapping": Bad("feeds: {url: https://a.example/}\n", 1, "feeds", "expected a list"),
    "feeds is empty": Bad("database: x.db\nfeeds:\n", 2, "feeds", "expected a list"),
    "a mapping as a key": Bad("? {a: 1}\n: 2\nfeeds: []\n", 1, "", "plain names"),
    "unknown top key": Bad("feeds: []\nmax_conections: 3\n", 2, "max_conections", "did you mean 'max_connections'"),
    "unknown defaults key": Bad("defaults:\n  bogus: 1\nfeeds: []\n", 2, "defaults.bogus", "unknown key"),
    "unknown feed key": Bad(f"feeds:\n{FEED}    intervl: 5m\n", 3, "feeds[0].intervl", "unknown key"),
    "merge key without alias": Bad("feeds:\n  - <<: {interval: 5m}\n    url: x\n", 2, "feeds[0].<<", "unknown key"),
    "key given twice": Bad("feeds: []\nmax_per_host: 2\nmax_per_host: 3\n", 3, "max_per_host", "line 2"),
    "defaults is a list": Bad("defaults: [1]\nfeeds: []\n", 1, "defaults", "expected a mapping"),
    "body in defaults": Bad("defaults:\n  body: article\nfeeds: []\n", 2, "defaults.body", "unknown key"),
    "feed is a number": Bad("feeds:\n  - 42\n", 2, "feeds[0]", "expected a URL or a mapping"),
    "feed is a list": Bad("feeds:\n  - [https://a.example/]\n", 2, "feeds[0]", "expected a URL or a mapping"),
    "feed without url": Bad("feeds:\n  - name: x\n", 2, "feeds[0].url", "missing"),
    "duplicate feed urls": Bad("feeds:\n  - https://a.example/x\n  - https://b.example/\n  - HTTPS://A.example/x\n", 4, "feeds[2]", "duplicate of feeds[0] on line 2"),
    # -- URLs
    "empty url": Bad("feeds:\n  - url:\n", 2, "feeds[0].url", "got nothing"),
    "ftp url": Bad("feeds:\n  - ftp://a.example/feed\n", 2, "feeds[0]", "http(s)"),
    "url without host": Bad("feeds:\n  - url: http:///path\n", 2, "feeds[0].url", "no host"),
    "url with a space": Bad("feeds:\n  - url: https://a b.example/\n", 2, "feeds[0].url", "spaces"),
    "url with a bad port": Bad("feeds:\n  - url: 'https://a.example:99999/'\n", 2, "feeds[0].url", "not a URL"),
    "url with credentials": Bad("feeds:\n  - https://user:pw@a.example/\n", 2, "feeds[0]", "credentials"),
    "url with a lone surrogate": Bad('feeds:\n  - "https://a.example/\\ud800"\n', 2, "feeds[0]", "surrogate"),
    # -- values of every feed setting
    "interval not a duration": Bad(_setting("interval: soon"), 4, "feeds[1].interval", "not a duration"),
    "interval too short": Bad(_setting("interval: 500ms"), 4, "feeds[1].interval", "between 1s"),
    "interval too long": Bad(_setting("interval: 400d"), 4, "feeds[1].interval", "365d"),
    "interval NaN": Bad(_setting("interval: .nan"), 4, "feeds[1].interval", "finite"),
    "interval a date": Bad(_setting("interval: 2001-12-14"), 4, "feeds[1].interval", "not a duration"),
    "timeout zero": Bad(_setting("timeout: 0s"), 4, "feeds[1].timeout", "between"),
    "interval without a unit": Bad(_setting("interval: 30"), 4, "feeds[1].interval", "interval: 30: give a unit, e.g. 30s or 30m"),
    "quoted interval without a unit": Bad(_setting("interval: '90'"), 4, "feeds[1].interval", "90: give a unit, e.g. 90s or 90m"),
    "timeout without a unit": Bad(_setting("timeout: 2.5"), 4, "feeds[1].timeout", "2.5: give a unit, e.g. 2.5s or 2.5m"),
    "connect_timeout a list": Bad(_setting("connect_timeout: [1]"), 4, "feeds[1].connect_timeout", "single value"),
    "extract_timeout negative": Bad(_setting("extract_timeout: -3s"), 4, "feeds[1].extract_timeout", "not a duration"),
    "full_text a string": Bad(_setting("full_text: 'yes'"), 4, "feeds[1].full_text", "true or false"),
    "allow_private a number": Bad(_setting("allow_private: 1"), 4, "feeds[1].allow_private", "true or false"),
    "max_bytes terabytes": Bad(_setting("max_bytes: 10TB"), 4, "feeds[1].max_bytes", "not a size"),
    "max_bytes zero": Bad(_setting("max_bytes: 0B"), 4, "feeds[1].max_bytes", "at least 1 byte"),
    "max_bytes a fraction": Bad(_setting("max_bytes: 1.5B"), 4, "feeds[1].max_bytes", "not a size"),
    "max_bytes without a unit": Bad(_setting("max_bytes: 10"), 4, "feeds[1].max_bytes", "max_bytes: 10: give a unit, e.g. 10KB or 10MB"),
    "max_redirects negative": Bad(_setting("max_redirects: -1"), 4, "feeds[1].max_redirects", "at least 0"),
    "max_redirects a bool": Bad(_setting("max_redirects: true"), 4, "feeds[1].max_redirects", "whole number"),
    "max_entries a string": Bad(_setting("max_entries: '5'"), 4, "feeds[1].max_entries", "whole number"),
    "max_entries 5000 digits": Bad(_setting("max_entries: " + "9" * 5000), 4, "feeds[1].max_entries", "not a valid int"),
    "tags a mapping": Bad(_setting("tags: {a: 1}"), 4, "feeds[1].tags", "list of strings"),
    "tags nested": Bad(_setting("tags: [[a]]"), 4, "feeds[1].tags[0]", "single value"),
    "tag is nothing": Bad(_setting("tags: [~]"), 4, "feeds[1].tags[0]", "got nothing"),
    "name empty": Bad(_setting("name: ''"), 4, "feeds[1].name", "empty"),
    "remove not a selector": Bad(_setting("remove: 'div,'"), 4, "feeds[1].remove", "not a CSS selector"),
    "remove empty": Bad(_setting("remove:"), 4, "feeds[1].remove", "got nothing"),
    "remove nested too deep": Bad(_setting("remove: '" + "div " * 20000 + "'"), 4, "feeds[1].remove", "nested too deeply"),
    "body unquoted #": Bad(_setting("body: #story"), 4, "feeds[1].body", 'quote one that starts with "#"'),
    "body a list": Bad(_setting("body: [main, article]"), 4, "feeds[1].body", "single value"),
    "body pseudo-element": Bad(_setting("body: 'p::first-line'"), 4, "feeds[1].body", "Pseudo-elements"),
    "default without a unit": Bad("defaults:\n  interval: 30\nfeeds: []\n", 2, "defaults.interval", "30: give a unit, e.g. 30s"),
    "bad default": Bad("defaults:\n  max_bytes: lots\nfeeds:\n  - https://a.example/\n", 2, "defaults.max_bytes", "not a size"),
    # -- top-level settings
    "database empty": Bad("database: ''\nfeeds: []\n", 1, "database", "empty"),
    "database a number": Bad("database: 3\nfeeds: []\n", 1, "database", "expected a string"),
    "database with NUL": Bad('database: "a\\0b"\nfeeds: []\n', 1, "database", "control characters"),
    "database with a surrogate": Bad('database: "a\\udc80.db"\nfeeds: []\n', 1, "database", "surrogate"),
    "max_connections zero": Bad("feeds: []\nmax_connections: 0\n", 2, "max_connections", "at least 1"),
    "max_per_host a word": Bad("feeds: []\nmax_per_host: two\n", 2, "max_per_host", "whole number"),
    "user_agent with CRLF": Bad('feeds: []\nuser_agent: "bot\\r\\nX-Evil: 1"\n', 2, "user_agent", "control characters"),
    "user_agent a list": Bad("feeds: []\nuser_agent: [a]\n", 2, "user_agent", "single value"),
    "min_host_gap negative": Bad("feeds: []\nmin_host_gap: -1s\n", 2, "min_host_gap", "not a duration"),
    "min_host_gap without a unit": Bad("feeds: []\nmin_host_gap: 0\n", 2, "min_host_gap", "0: give a unit, e.g. 0s or 0m"),
    "lease without a unit": Bad("feeds: []\nlease: 60\n", 2, "lease", "60: give a unit, e.g. 60s or 60m"),
    "summarizer timeout without a unit": Bad("feeds: []\nsummarizer: {base_url: 'http://127.0.0.1:1/v1', model: m, timeout: 60}\n", 2, "summarizer.timeout", "60: give a unit"),
    "shutdown_grace a word": Bad("feeds: []\nshutdown_grace: soon\n", 2, "shutdown_grace", "not a duration"),
    "listen without port": Bad("feeds: []\nlisten: '127.0.0.1:'\n", 2, "listen", "host:port"),
    "listen a number": Bad("feeds: []\nlisten: 9108\n", 2, "listen", "host:port"),
    # -- the file as a whole
    "empty file": Bad("", None, "", "empty"),
    "only a comment": Bad("# nothing yet\n", None, "", "empty"),
    "larger than 1 MB": Bad("feeds:\n" + "  - https://a.example/\n" * 60_000, None, "", "larger than"),
}
# fmt: on


def _write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")


def assert_one_line_error(
    done: subprocess.CompletedProcess[str], path: Path, line: int | None, key: str
) -> str:
    """Exit 2, nothing on stdout, and exactly one line on stderr: 'ingest: FILE[:LINE]: [KEY: ]...'."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    where = f"{path}" if line is None else f"{path}:{line}"
    prefix = ": ".join(part for part in ("ingest", where, key) if part) + ": "
    assert lines[0].startswith(prefix), lines[0]
    return lines[0]


@pytest.mark.parametrize("case", list(CASES))
def test_a_malformed_file_is_one_line_and_exit_2(case: str, tmp_path: Path) -> None:
    bad = CASES[case]
    config = tmp_path / "feeds.yaml"
    _write(config, bad.content)

    done = run_ingest("--once", "--config", str(config), cwd=tmp_path, timeout=60)

    message = assert_one_line_error(done, config, bad.line, bad.key)
    assert bad.fragment in message, message
    assert not (tmp_path / "ingest.db").exists()


@pytest.mark.parametrize("command", [[], ["export"], ["--once", "--due"]])
def test_every_command_that_reads_the_file_reports_it_alike(command: list[str], tmp_path: Path) -> None:
    """The daemon, `export` (without --db) and `--once --due` load the same file the same way."""
    config = tmp_path / "feeds.yaml"
    _write(config, CASES["bad explicit timestamp"].content)

    done = run_ingest(*command, "--config", str(config), cwd=tmp_path, timeout=60)

    assert_one_line_error(done, config, 4, "feeds[1].interval")


def test_a_directory_instead_of_a_file(tmp_path: Path) -> None:
    config = tmp_path / "feeds.yaml"
    config.mkdir()
    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert "is a directory" in assert_one_line_error(done, config, None, "")


def test_a_missing_file_named_by_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "feeds.yaml"
    done = run_ingest("--once", cwd=tmp_path, env={"INGEST_CONFIG": str(config)})
    assert "no such file" in assert_one_line_error(done, config, None, "")


def test_an_unreadable_file(tmp_path: Path) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text(f"feeds:\n{FEED}")
    config.chmod(0)
    try:  # under root, `restricted` drops the capabilities that would read it anyway
        proc = start([*ingest_command(), "--once", "--config", str(config)], tmp_path, preexec_fn=restricted)
        out, err = proc.communicate(timeout=60)
    finally:
        config.chmod(0o600)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert "Permission denied" in assert_one_line_error(done, config, None, "")
