"""The daemon as systemd runs it: a real `ingest` process, a notify socket, signals, a loopback site."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from conftest import ingest_command, run_ingest
from support.localsite import LocalSite, fixture_feed, page_html

NO_GAP = "min_host_gap: 0s\n"  # one loopback address plays every site


@dataclass
class Notifications:
    """A NOTIFY_SOCKET of our own: every datagram the daemon sends, with when it arrived."""

    sock: socket.socket
    address: str
    received: list[tuple[float, str]] = field(default_factory=list)

    def states(self, prefix: str) -> list[tuple[float, str]]:
        return [(at, line) for at, message in self.received for line in message.split("\n") if line.startswith(prefix)]

    def listen(self) -> None:
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            self.received.append((time.monotonic(), data.decode()))


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[Notifications]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    address = str(tmp_path / "notify.sock")
    sock.bind(address)
    notes = Notifications(sock, address)
    thread = threading.Thread(target=notes.listen, daemon=True)
    thread.start()
    yield notes
    sock.close()
    thread.join(2)


class Daemon:
    """A running `ingest` daemon with its output in a file, as systemd would start it."""

    def __init__(self, config: Path, notify: Notifications | None, *extra: str, watchdog_usec: int = 1_000_000) -> None:
        self.log_path = config.parent / "daemon.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("INGEST_", "NOTIFY_", "WATCHDOG_"))}
        if notify is not None:
            env |= {"NOTIFY_SOCKET": notify.address, "WATCHDOG_USEC": str(watchdog_usec)}
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [*ingest_command(), "--config", str(config), *extra],
            cwd=config.parent,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def events(self, name: str | None = None) -> list[dict]:
        lines = self.log_path.read_text().splitlines()
        events = [json.loads(line) for line in lines if line.startswith("{")]
        return [e for e in events if name is None or e["event"] == name]

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()


@pytest.fixture
def start_daemon() -> Iterator[Callable[..., Daemon]]:
    started: list[Daemon] = []

    def start(config: Path, notify: Notifications | None = None, *extra: str, **kwargs: int) -> Daemon:
        daemon = Daemon(config, notify, *extra, **kwargs)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:  # whatever a test left running
        daemon.kill()


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def gaps(times: list[float]) -> list[float]:
    return [round(b - a, 2) for a, b in zip(times, times[1:], strict=False)]


def _rss(title: str, links: list[str] = ()) -> str:
    items = "".join(f"<item><title>{i}</title><link>{u}</link></item>" for i, u in enumerate(links))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'


def test_polls_keep_their_interval_and_systemd_hears_ready_watchdog_and_stopping(
    site: LocalSite, fixtures: Path, notify_socket: Notifications, tmp_path: Path, start_daemon
) -> None:
    page = site.add("/a.html", page_html(fixtures, "readability-bbc-1"))
    site.add("/feed.xml", _rss("A", [page]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/feed.xml')}\n    interval: 2s\n")

    daemon = start_daemon(config, notify_socket)
    wait_for(lambda: len(site.hits("/feed.xml")) >= 5, 20, "five polls")
    code = daemon.stop()

    assert code == 0
    polls = [r.at for r in site.hits("/feed.xml")]
    # 2 s, plus up to 10 % jitter, plus the time a poll takes here.
    assert all(1.9 <= gap <= 2.8 for gap in gaps(polls)), gaps(polls)
    assert [r.headers.get("If-None-Match") is not None for r in site.hits("/feed.xml")][1:] == [True] * (len(polls) - 1)
    assert len(site.hits("/a.html")) == 1  # the article was fetched once, then known

    ready = notify_socket.states("READY=1")
    stopping = notify_socket.states("STOPPING=1")
    watchdog = [at for at, _ in notify_socket.states("WATCHDOG=1")]
    assert len(ready) == 1 and len(stopping) == 1
    assert ready[0][0] < polls[-1] < stopping[0][0]
    assert len(watchdog) >= 2 * (stopping[0][0] - ready[0][0]) - 2  # every WATCHDOG_USEC / 2 = 0.5 s
    assert max(gaps(watchdog)) < 1.0  # never a whole watchdog period without a ping
    assert any("articles stored" in line for _, line in notify_socket.states("STATUS="))
    assert daemon.events("daemon_stopped")


def test_sighup_adds_and_removes_feeds_and_survives_a_broken_file(
    site: LocalSite, notify_socket: Notifications, tmp_path: Path, start_daemon
) -> None:
    site.add("/a.xml", _rss("A"), "application/rss+xml")
    site.add("/b.xml", _rss("B"), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/a.xml')}\n    interval: 1s\n")
    daemon = start_daemon(config, notify_socket)
    wait_for(lambda: len(site.hits("/a.xml")) >= 2, 15, "feed A polled")

    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/b.xml')}\n    interval: 1s\n")
    daemon.signal(signal.SIGHUP)
    reloaded = time.monotonic()
    wait_for(lambda: site.hits("/b.xml"), 5, "feed B polled after SIGHUP")
    assert site.hits("/b.xml")[0].at - reloaded < 3
    time.sleep(2.5)
    assert not [r for r in site.hits("/a.xml") if r.at > reloaded + 0.5]  # A is gone from the schedule

    config.write_text("feeds:\n  - url: [this is not\n")
    daemon.signal(signal.SIGHUP)
    broken_at = time.monotonic()
    wait_for(lambda: daemon.events("reload_failed"), 5, "the failed reload to be logged")
    failure = daemon.events("reload_failed")[0]
    assert str(config) in failure["error"] and failure["level"] == "error"
    wait_for(lambda: [r for r in site.hits("/b.xml") if r.at > broken_at + 0.1], 5, "B still polled")
    assert daemon.proc.poll() is None

    config.write_text(f"{NO_GAP}feeds: []\n")  # valid YAML, nothing to poll: refused as at start
    daemon.signal(signal.SIGHUP)
    emptied_at = time.monotonic()
    wait_for(lambda: len(daemon.events("reload_failed")) == 2, 5, "the empty list refused")
    assert "no feeds to poll" in daemon.events("reload_failed")[1]["error"]
    wait_for(lambda: [r for r in site.hits("/b.xml") if r.at > emptied_at + 0.1], 5, "B still polled")

    assert daemon.stop() == 0


def test_a_failing_feed_backs_off_honours_retry_after_and_recovers(
    site: LocalSite, tmp_path: Path, start_daemon
) -> None:
    answers = [(200, {}), (503, {"Retry-After": "3"}), (500, {}), (200, {}), (200, {})]

    async def flaky(request: web.Request) -> web.Response:
        status, headers = answers.pop(0) if answers else (200, {})
        if status != 200:
            return web.Response(status=status, headers=headers)
        return web.Response(text=_rss("flaky"), content_type="application/rss+xml")

    site.handle("/flaky.xml", flaky)
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/flaky.xml')}\n    interval: 1s\n")

    daemon = start_daemon(config)
    wait_for(lambda: len(site.hits("/flaky.xml")) >= 5, 25, "five polls")
    assert daemon.stop() == 0

    # Measured where requests arrive, so each bound allows a little for the client's own delays.
    ok, retry_after, backoff, recovered = gaps([r.at for r in site.hits("/flaky.xml")])[:4]
    assert 0.9 <= ok <= 1.6
    assert 2.9 <= retry_after <= 3.6  # Retry-After: 3 beats a first backoff of 2 s
    assert 3.9 <= backoff <= 4.8  # a second failure in a row: 1 s x 2^2
    assert 0.9 <= recovered <= 1.6  # back to the interval after a success
    failures = [e for e in daemon.events("feed_failed")]
    assert [e["status"] for e in failures] == [503, 500] and [e["failures"] for e in failures] == [1, 2]
    with sqlite3.connect(tmp_path / "ingest.db") as db:
        assert db.execute("SELECT failures, last_error FROM feeds").fetchone() == (0, None)


def _stop_during_a_page_request(
    site: LocalSite, tmp_path: Path, start_daemon, page: Callable, settings: str = ""
) -> tuple[Daemon, float]:
    """Start the daemon on a one-article feed, SIGTERM it while `page` answers; (daemon, stop seconds)."""
    site.handle("/page.html", page)
    site.add("/feed.xml", _rss("one", [site.url("/page.html")]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}{settings}feeds:\n  - url: {site.url('/feed.xml')}\n    timeout: 1m\n")
    daemon = start_daemon(config)
    wait_for(lambda: site.hits("/page.html"), 10, "the page request")
    started = time.monotonic()
    assert daemon.stop() == 0
    return daemon, time.monotonic() - started


def test_sigterm_lets_in_flight_articles_finish_within_the_grace(
    site: LocalSite, fixtures: Path, tmp_path: Path, start_daemon
) -> None:
    html = page_html(fixtures, "readability-ars-1")

    async def slow_page(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(body=html, content_type="text/html")

    _, stopping = _stop_during_a_page_request(site, tmp_path, start_daemon, slow_page)

    assert stopping < 10
    with sqlite3.connect(tmp_path / "ingest.db") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (1,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_sigterm_cancels_what_outlasts_the_grace(site: LocalSite, tmp_path: Path, start_daemon) -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(60)
        return web.Response(text="late")

    daemon, stopping = _stop_during_a_page_request(site, tmp_path, start_daemon, endless, "shutdown_grace: 1s\n")

    assert stopping < 5
    assert daemon.events("polls_cancelled")
    with sqlite3.connect(tmp_path / "ingest.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM entry_failures").fetchone() == (0,)  # not a failure


def test_a_restart_polls_overdue_feeds_soon_and_others_when_due(
    site: LocalSite, tmp_path: Path, start_daemon
) -> None:
    site.add("/hourly.xml", _rss("hourly"), "application/rss+xml")
    site.add("/overdue.xml", _rss("overdue"), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"{NO_GAP}feeds:\n  - url: {site.url('/hourly.xml')}\n    interval: 1h\n"
        f"  - url: {site.url('/overdue.xml')}\n    interval: 1h\n"
    )
    first = start_daemon(config)
    wait_for(lambda: site.hits("/hourly.xml") and site.hits("/overdue.xml"), 10, "the first polls")
    assert first.stop() == 0
    with sqlite3.connect(tmp_path / "ingest.db") as db:  # as if an hour had passed for one feed
        db.execute("UPDATE feeds SET next_poll = '2000-01-01T00:00:00Z' WHERE url LIKE '%overdue%'")

    second = start_daemon(config)
    wait_for(lambda: len(site.hits("/overdue.xml")) == 2, 10, "the overdue feed")
    time.sleep(1)
    assert second.stop() == 0
    assert len(site.hits("/hourly.xml")) == 1  # not due for an hour: the restart did not poll it


def test_listener_serves_health_and_metrics(site: LocalSite, tmp_path: Path, start_daemon) -> None:
    site.add("/feed.xml", _rss("A"), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/feed.xml')}\n    interval: 1h\n")
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    daemon = start_daemon(config, None, "--listen", f"127.0.0.1:{port}")
    wait_for(lambda: daemon.events("feed_polled"), 10, "a poll")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as health:
        assert health.status == 200
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as page:
        metrics = page.read().decode()
    assert daemon.stop() == 0

    assert 'ingest_polls_total{outcome="ok"} 1.0' in metrics
    assert "ingest_feeds 1.0" in metrics and "ingest_failing_feeds 0.0" in metrics
    assert 'ingest_fetch_duration_seconds_count{kind="feed"} 1.0' in metrics
    assert "ingest_queue_depth 0.0" in metrics


def test_once_due_polls_only_feeds_whose_time_has_come(site: LocalSite, tmp_path: Path) -> None:
    site.add("/feed.xml", _rss("A"), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/feed.xml')}\n    interval: 1h\n")

    assert run_ingest("--once", "--due", "--config", str(config), cwd=tmp_path).returncode == 0
    assert run_ingest("--once", "--due", "--config", str(config), cwd=tmp_path).returncode == 0
    assert len(site.hits("/feed.xml")) == 1  # the second run found nothing due
    assert run_ingest("--once", "--config", str(config), cwd=tmp_path).returncode == 0
    assert len(site.hits("/feed.xml")) == 2  # without --due, every feed


def test_gone_feeds_are_marked_and_still_checked(site: LocalSite, fixtures: Path, tmp_path: Path) -> None:
    site.add("/gone.xml", b"", status=410, conditional=False)
    body, ctype = fixture_feed(fixtures, "rssparser-heraldsun.rss")
    site.add("/ok.rss", body, ctype)
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"{NO_GAP}feeds:\n  - url: {site.url('/gone.xml')}\n    name: gone\n    interval: 1h\n"
        f"  - url: {site.url('/ok.rss')}\n    full_text: false\n"
    )

    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)

    assert done.returncode == 1
    assert "failed: gone (" in done.stdout and "gone" in done.stdout.split("failed: gone")[1]
    with sqlite3.connect(tmp_path / "ingest.db") as db:
        gone_since, status, next_poll = db.execute(
            "SELECT gone_since, last_status, next_poll FROM feeds WHERE url LIKE '%gone%'"
        ).fetchone()
    assert gone_since and status == 410 and next_poll > gone_since  # kept, with its next check


def test_sd_notify_reaches_an_abstract_socket(site: LocalSite, tmp_path: Path, start_daemon) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"ingest-test-{os.getpid()}-{time.monotonic_ns()}"
    sock.bind("\0" + name)
    sock.settimeout(15)
    site.add("/feed.xml", _rss("A"), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/feed.xml')}\n    interval: 1h\n")
    try:
        notes = Notifications(sock, "@" + name)
        daemon = start_daemon(config, notes)
        assert "READY=1" in sock.recv(4096).decode().split("\n")
        assert daemon.stop() == 0
    finally:
        sock.close()
