"""Webhooks through the real daemon and loopback receivers: signed deliveries of the events a receiver
wants, a receiver that fails and recovers, one that hangs while the daemon is killed (nothing is lost:
the next daemon delivers with the same id), the address guard, and `ingest webhooks`."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import signal
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from test_daemon import Daemon, wait_for
from test_daemon import start_daemon as start_daemon  # a fixture, used by name
from test_once import NO_GAP, _rss

from conftest import run_ingest
from support.localsite import LocalSite, page_html

SECRET = "a shared secret"


@dataclass
class Receiver:
    """A webhook receiver on its own loopback address: what it got, and how it answers next."""

    site: LocalSite
    got: list[tuple[dict, dict[str, str], bytes]] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # "fail", "hang"; then 200s

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.got.append((json.loads(body), dict(request.headers), body))
        answer = self.answers.pop(0) if self.answers else "ok"
        if answer == "hang":
            await asyncio.sleep(3600)
        return web.Response(status=500 if answer == "fail" else 204)

    @property
    def url(self) -> str:
        return self.site.url("/hook")

    def ids(self) -> list[str]:
        return [headers["webhook-id"] for _, headers, _ in self.got]


def verify(headers: dict[str, str], body: bytes, secret: str = SECRET) -> bool:
    """What a receiver does, in the few lines the README shows."""
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(f"v1,{expected}", given) for given in headers["webhook-signature"].split())


def _web(site: LocalSite, fixtures: Path, tmp_path: Path, hook: str, extra: str = "") -> Path:
    pages = [site.add(f"/p/{n}.html", page_html(fixtures, pid)) for n, pid in
             enumerate(["readability-bbc-1", "readability-guardian-1"])]  # fmt: skip
    site.add("/feed.xml", _rss([(f"story {n}", url) for n, url in enumerate(pages)]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"{NO_GAP}feeds:\n  - url: {site.url('/feed.xml')}\n    name: Harbour\n    tags: [local]\n"
        f"webhooks:\n  - url: {hook}\n    secret_env: HOOK_SECRET\n    allow_private: true\n"
        f"    timeout: 1s\n{extra}"
    )
    return config


def _events(db: Path) -> list[tuple[int, str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT id, kind, subject FROM events ORDER BY id").fetchall()
    except sqlite3.OperationalError:  # not migrated yet
        return []
    finally:
        conn.close()


def _receiver(host: str) -> Receiver:
    site = LocalSite(host).start()
    receiver = Receiver(site)
    site.handle("/hook", receiver.handle)
    return receiver


def test_the_daemon_delivers_signed_events_to_a_receiver_that_fails_times_out_and_recovers(
    site: LocalSite, fixtures: Path, tmp_path: Path, start_daemon: Callable[..., Daemon], monkeypatch
) -> None:
    receiver = _receiver("127.0.0.3")
    try:
        receiver.answers = ["fail", "hang"]  # a 500, then no answer within the webhook's timeout (1 s)
        config = _web(site, fixtures, tmp_path, receiver.url)
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        daemon = start_daemon(config)
        db = tmp_path / "ingest.db"
        # Two articles and their stories: four events at least, once the records are written.
        wait_for(lambda: len([e for e in _events(db) if e[1] != "story.updated"]) >= 4, 60, "the events")
        wait_for(lambda: len(set(receiver.ids())) >= len(_events(db)), 60, "every event delivered")
        failures = [e["error"] for e in daemon.events("webhook_failed")]  # tried again 10 s, then 20 s later
        assert len(failures) == 2 and failures[0].endswith("HTTP 500")
        assert "no complete response" in failures[1]
        assert daemon.stop() == 0
    finally:
        receiver.site.stop()

    ids = receiver.ids()
    assert ids[0] == ids[1] == ids[2]  # the retries carry the id of the delivery that failed
    assert sorted(set(ids), key=lambda i: int(i[4:])) == [f"evt_{n}" for n, _, _ in _events(db)]
    for payload, headers, body in receiver.got:
        assert verify(headers, body), headers
        assert payload["id"] == headers["webhook-id"] and payload["type"] in ("article.new", "story.new",
                                                                             "story.updated")  # fmt: skip
    kinds = {payload["type"]: payload["data"] for payload, _, _ in receiver.got}
    assert kinds["article.new"]["tags"] == ["local"] and kinds["article.new"]["story_id"]
    assert kinds["story.new"]["title"] and kinds["story.new"]["articles"]

    status = run_ingest("webhooks", "--config", str(config), "--json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    (row,) = [json.loads(line) for line in status.stdout.splitlines()]
    assert (row["url"], row["state"], row["pending"], row["dropped"]) == (receiver.url, "ok", 0, 0)
    assert row["delivered"] == len(set(ids)) and "no complete response within 1s" in row["last_error"]


def test_a_delivery_cut_by_sigkill_is_made_by_the_next_daemon_with_the_same_id(
    site: LocalSite, fixtures: Path, tmp_path: Path, start_daemon: Callable[..., Daemon], monkeypatch
) -> None:
    receiver = _receiver("127.0.0.3")
    try:
        receiver.answers = ["hang"]
        config = _web(site, fixtures, tmp_path, receiver.url, "    events: [article.new]\n")
        config.write_text(config.read_text().replace("timeout: 1s", "timeout: 30s"))
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        daemon = start_daemon(config)
        wait_for(lambda: receiver.got, 60, "the first delivery to start")
        daemon.proc.send_signal(signal.SIGKILL)  # while the receiver has not answered
        daemon.proc.wait(10)
        first = receiver.ids()[0]

        again = start_daemon(config)
        wait_for(lambda: len(set(receiver.ids())) >= 2, 60, "both articles delivered")
        assert again.stop() == 0
    finally:
        receiver.site.stop()
    assert receiver.ids()[:2] == [first, first]  # at least once: the cut delivery again, same id
    assert {p["type"] for p, _, _ in receiver.got} == {"article.new"}  # what it asked for, only


def test_a_private_receiver_needs_allow_private_and_a_missing_secret_stops_the_start(
    site: LocalSite, fixtures: Path, tmp_path: Path, monkeypatch
) -> None:
    receiver = _receiver("127.0.0.3")
    try:
        config = _web(site, fixtures, tmp_path, receiver.url)
        missing = run_ingest("--once", "--config", str(config), cwd=tmp_path)
        assert missing.returncode == 2
        assert "HOOK_SECRET" in missing.stderr and "webhooks[0].secret_env" in missing.stderr

        config.write_text(config.read_text().replace("    allow_private: true\n", ""))
        done = run_ingest("--once", "--config", str(config), cwd=tmp_path, env={"HOOK_SECRET": SECRET})
        assert done.returncode == 0, done.stderr[-2000:]
        assert receiver.got == []  # refused by the address guard, never sent
        refused = [json.loads(line) for line in done.stderr.splitlines() if "webhook_failed" in line]
        assert refused and "set allow_private: true on this webhook" in refused[0]["error"]
        status = run_ingest("webhooks", "--config", str(config), cwd=tmp_path)
        assert status.returncode == 1 and "failing" in status.stdout  # a failing webhook fails the check
    finally:
        receiver.site.stop()



def test_signatures_backoff_and_giving_up() -> None:
    from datetime import UTC, datetime, timedelta

    from ingest.model import Event, WebhookState
    from ingest.outputs import webhook

    event = Event(7, "story.new", "abc", "2026-12-05T10:00:00.000Z")
    now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    post = webhook.delivery(event, {"id": "abc"}, SECRET, now)
    assert verify(post.headers, post.body) and not verify(post.headers, post.body + b" ")
    assert post.headers["webhook-id"] == "evt_7"
    assert post.headers["webhook-timestamp"] == str(int(now.timestamp()))
    # A Standard Webhooks secret: its base64 part is the key.
    raw = b"\x01\x02 key"
    prefixed = webhook.delivery(event, {}, "whsec_" + base64.b64encode(raw).decode(), now)
    assert verify(prefixed.headers, prefixed.body, raw.decode())

    state = WebhookState("http://h/", after=6)
    waits = []
    for attempt in range(10):
        at = now + timedelta(minutes=attempt)
        state = webhook.failed(state, event, "HTTP 500", at)
        waits.append(datetime.fromisoformat(state.next_try) - at)
    assert waits[:3] == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40)]
    assert max(waits) == timedelta(hours=1) and state.after == 6  # still waiting on event 7
    late = now + timedelta(days=1)
    gone = webhook.failed(state, event, "HTTP 500", late)
    assert (gone.after, gone.dropped, gone.attempts, gone.next_try) == (7, 1, 0, None)
