"""Webhooks from a fleet: two daemons on one PostgreSQL send each event once between them (the one that
places articles sends), and when that one is killed the other takes the role over and goes on from where
the database says it stopped, with the read API of either serving what both stored."""

from __future__ import annotations

import json
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

from test_daemon import Daemon, wait_for
from test_daemon import start_daemon as start_daemon  # a fixture, used by name
from test_once import _rss
from test_webhooks import SECRET, _receiver, _web, verify

from conftest import run_ingest
from support.localsite import LocalSite, page_html


def _delivered(config: Path, url: str) -> int:
    """Events delivered, as `ingest webhooks` tells; -1 while some are still pending, or while the daemons
    have not made the database yet (the command then fails, saying so)."""
    done = run_ingest("webhooks", "--config", str(config), "--db", url, "--json", cwd=config.parent)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    if not rows:
        assert "no ingest tables here" in done.stderr, done.stderr
        return -1
    (row,) = rows
    return row.get("delivered", 0) if not row.get("pending") else -1


def test_two_daemons_deliver_every_event_once_and_survive_the_sender_being_killed(
    site: LocalSite, fixtures: Path, tmp_path: Path, postgres_url: str,
    start_daemon: Callable[..., Daemon], monkeypatch,
) -> None:  # fmt: skip
    receiver = _receiver("127.0.0.3")
    try:
        for name in ("a", "b"):  # a folder each, for each daemon's log
            (tmp_path / name).mkdir()
        first = _web(site, fixtures, tmp_path / "a", receiver.url)
        # Polled every 2 s; a killed daemon's claims lapse after 5 s (a minute by default).
        text = first.read_text().replace("name: Harbour\n", "name: Harbour\n    interval: 2s\n")
        first.write_text("lease: 5s\n" + text)
        second = shutil.copy(first, tmp_path / "b" / "feeds.yaml")
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        daemons = {name: start_daemon(Path(config), None, "--db", postgres_url)
                   for name, config in (("a", first), ("b", second))}  # fmt: skip
        wait_for(lambda: _delivered(first, postgres_url) >= 4, 60, "the first articles' events")
        assert len(receiver.ids()) == len(set(receiver.ids()))  # one sender: no event twice
        senders = [name for name, d in daemons.items() if d.events("assigner_started")]
        assert len(senders) == 1

        # The sender dies; a new article arrives; the other daemon places it and sends its events.
        delivered = _delivered(first, postgres_url)
        daemons[senders[0]].proc.send_signal(signal.SIGKILL)
        daemons[senders[0]].proc.wait(10)
        page = site.add("/p/9.html", page_html(fixtures, "readability-ars-1"))
        listed = [(f"story {n}", site.url(f"/p/{n}.html")) for n in range(2)] + [("story 9", page)]
        site.add("/feed.xml", _rss(listed), "application/rss+xml")
        wait_for(lambda: _delivered(first, postgres_url) >= delivered + 2, 90, "the new article's events")
        survivor = next(d for name, d in daemons.items() if name != senders[0])
        assert survivor.events("assigner_started")
        assert survivor.stop() == 0
    finally:
        receiver.site.stop()
    assert all(verify(headers, body) for _, headers, body in receiver.got)
    news = [p["data"]["url"] for p, _, _ in receiver.got if p["type"] == "article.new"]
    assert sorted(set(news)) == sorted([site.url("/p/0.html"), site.url("/p/1.html"), page])
