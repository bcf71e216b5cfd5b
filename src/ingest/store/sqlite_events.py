"""SQLiteStore's outbox: the events its writes record, read in order by the webhooks' sender, and each
webhook's place in them. One writer at a time, so ids commit in order."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlite_utils import Database

from ingest.model import Event, WebhookState
from ingest.store.records import WEBHOOK_COLUMNS
from ingest.store.sqlite_errors import writes


def emit(db: Database | Any, kind: str, subject: str, at: str) -> None:
    """Record an event, inside the caller's transaction."""
    db.execute("INSERT INTO events (kind, subject, at) VALUES (?, ?, ?)", [kind, subject, at])


class SQLiteEvents:
    """SQLiteStore's events and webhook states, on its database."""

    db: Database

    def last_event_id(self) -> int:
        return self.db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]

    def events_after(self, after: int, limit: int) -> list[Event]:
        rows = self.db.execute(
            "SELECT id, kind, subject, at FROM events WHERE id > ? ORDER BY id LIMIT ?", [after, limit]
        ).fetchall()
        return [Event(*row) for row in rows]

    @writes
    def prune_events(self, before: str) -> int:
        return self.db.execute("DELETE FROM events WHERE at < ?", [before]).rowcount

    def webhook_states(self) -> dict[str, WebhookState]:
        rows = self.db.query(f"SELECT {', '.join(WEBHOOK_COLUMNS)} FROM webhooks ORDER BY url")
        return {row["url"]: WebhookState(**row) for row in rows}

    @writes
    def start_webhook(self, url: str) -> WebhookState:
        self.db.execute(
            "INSERT INTO webhooks (url, after) VALUES (?, (SELECT coalesce(max(id), 0) FROM events)) "
            "ON CONFLICT(url) DO NOTHING",
            [url],
        )
        return self.webhook_states()[url]

    @writes
    def save_webhook_state(self, state: WebhookState) -> None:
        row = dataclasses.asdict(state)
        assignments = ", ".join(f"{name} = :{name}" for name in WEBHOOK_COLUMNS if name != "url")
        self.db.execute(f"UPDATE webhooks SET {assignments} WHERE url = :url", row)
