"""`ingest --once` as a person at a terminal sees it: a live progress display on stderr, one log line per
feed and the warnings, the per-article lines only at debug; and nothing of that when nobody watches.
The terminal is a real pty the command writes to."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
import threading
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from conftest import ingest_command, run_ingest
from support.localsite import LocalSite, page_html, page_index

PAGES_PER_FEED = 4
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


@dataclass
class Watched:
    returncode: int
    stdout: str  # a pipe: the summary
    terminal: str  # what the pty showed, escape sequences removed


def _rss(title: str, links: list[str]) -> str:
    items = "".join(f"<item><title>{escape(title)} {n}</title><link>{escape(u)}</link></item>"
                    for n, u in enumerate(links))  # fmt: skip
    channel = f"<channel><title>{escape(title)}</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


@pytest.fixture
def config(site: LocalSite, fixtures: Path, tmp_path: Path) -> Path:
    ids = sorted(page_index(fixtures))[: 2 * PAGES_PER_FEED]
    links = [site.add(f"/a/{n}.html", page_html(fixtures, pid)) for n, pid in enumerate(ids)]
    site.add("/one.xml", _rss("One", links[:PAGES_PER_FEED]), "application/rss+xml")
    site.add("/two.xml", _rss("Two", links[PAGES_PER_FEED:]), "application/rss+xml")
    site.add("/broken.xml", "<html><body>Moved</body></html>", "text/html")
    path = tmp_path / "feeds.yaml"
    feeds = [("one", "/one.xml"), ("two", "/two.xml"), ("broken", "/broken.xml")]
    listed = "".join(f"  - url: {site.url(p)}\n    name: {n}\n" for n, p in feeds)
    path.write_text(f"min_host_gap: 0s\nfeeds:\n{listed}")
    return path


def watch(*args: str, cwd: Path, columns: int = 160) -> Watched:
    """Run `ingest` with stderr on a pty `columns` wide and stdout on a pipe; read the pty as it goes
    (a full pty would block the command)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")} | {"TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([*ingest_command(), *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=follower, stdin=subprocess.DEVNULL, text=True)  # fmt: skip
    os.close(follower)
    shown = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the command closed its end
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        stdout, _ = proc.communicate(timeout=180)
    finally:
        proc.kill()
        reader.join(timeout=10)
        os.close(leader)
    return Watched(proc.returncode, stdout, ANSI.sub("", shown.decode("utf-8", "replace")))


def test_a_terminal_shows_live_progress_and_one_line_per_feed(config: Path, tmp_path: Path) -> None:
    done = watch("--once", "--config", str(config), "--db", str(tmp_path / "t.db"), cwd=tmp_path)

    assert done.returncode == 1, done.terminal  # the broken feed failed
    stored = 2 * PAGES_PER_FEED
    assert f"ingest: 2 feeds ok, 1 failed; {stored} articles new" in done.stdout
    # The display's last state is left on screen: every feed, every page, and the counts of the summary.
    final = re.search(r"3/3 feeds · (\d+)/(\d+) pages · (\d+) stored · 0 failed · 1 feed failed · "
                      r"[\d.]+ pages/s · done in \d+:\d\d", done.terminal)  # fmt: skip
    assert final, done.terminal[-2000:]
    assert final.group(1) == final.group(2) == str(stored) and final.group(3) == str(stored)
    assert "━" in done.terminal  # the bar
    # People's log lines, not JSON: one per feed polled, and the broken feed's warning.
    assert done.terminal.count("feed_polled") == 2
    assert "feed_failed" in done.terminal or "feed_malformed" in done.terminal
    assert "article_stored" not in done.terminal
    assert not any(line.lstrip().startswith("{") for line in done.terminal.splitlines())


def test_at_debug_level_a_terminal_shows_every_article(config: Path, tmp_path: Path) -> None:
    done = watch("--once", "--log-level", "debug", "--config", str(config), "--db", str(tmp_path / "t.db"),
                 cwd=tmp_path)  # fmt: skip

    assert done.terminal.count("article_stored") == 2 * PAGES_PER_FEED, done.terminal[-2000:]


def test_without_a_terminal_nothing_changes(config: Path, tmp_path: Path) -> None:
    done = run_ingest("--once", "--config", str(config), "--db", str(tmp_path / "t.db"), cwd=tmp_path)

    assert done.returncode == 1
    assert "pages/s" not in done.stderr and "\x1b[" not in done.stderr
    events = [json.loads(line)["event"] for line in done.stderr.splitlines()]  # every line is JSON
    assert events.count("article_stored") == 2 * PAGES_PER_FEED
    assert f"ingest: 2 feeds ok, 1 failed; {2 * PAGES_PER_FEED} articles new" in done.stdout


def test_time_left_counts_the_feeds_not_yet_read_as_average_ones() -> None:
    from ingest.cli.progress import status
    from ingest.run.tally import Tally

    tally = Tally(feeds=4, started=100.0)
    tally.listed("a", 6)
    tally.feed_done("b", ok=True)  # unchanged: nothing new
    assert tally.seconds_left(101.0) is None  # no rate yet
    for n in range(3):
        tally.page_done(stored=n != 2, failed=n == 2)
    assert tally.seconds_left(103.0) is None  # three pages are mostly the start-up
    tally.page_done(stored=True, failed=False)
    tally.page_done(stored=True, failed=False)
    # Two feeds read held 6 pages, so four are expected to hold 12: 7 left at 1 page a second.
    assert tally.seconds_left(105.0) == pytest.approx(7.0)
    said = "1/4 feeds · 5/6 pages · 4 stored · 1 failed · 1.0 pages/s · 0:07 left"
    assert status(tally, 105.0) == said
