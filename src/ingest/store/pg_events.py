"""PostgresStore's outbox: the events its writes record, read in commit order by the webhooks' sender,
and each webhook's place in them."""

from __future__ import annotations

import dataclasses
from typing import Any

from ingest.model import Event, WebhookState
from ingest.store.pg_session import PgSession
from ingest.store.records import WEBHOOK_COLUMNS


def emit(conn: Any, kind: str, subject: str, at: str) -> None:
    """Record an event, inside the caller's transaction."""
    conn.execute("INSERT INTO events (kind, subject, at) VALUES (%s, %s, %s)", [kind, subject, at])


class PostgresEvents(PgSession):
    """PostgresStore's events and webhook states, on its session."""

    def last_event_id(self) -> int:
        return int(self._one("SELECT coalesce(max(id), 0) AS id FROM events")["id"])

    def events_after(self, after: int, limit: int) -> list[Event]:
        # A sequence hands out ids in the order transactions ask, not the order they commit: a reader
        # that took id 7 while id 6's transaction was still open would skip 6 for good. So only the
        # events of transactions older than every transaction still running are read.
        rows = self._rows(
            """SELECT id, kind, subject, at FROM events
               WHERE id > %s AND xid < pg_snapshot_xmin(pg_current_snapshot())
               ORDER BY id LIMIT %s""",
            [after, limit],
        )
        return [Event(row["id"], row["kind"], row["subject"], row["at"]) for row in rows]

    def prune_events(self, before: str) -> int:
        with self._session() as conn:
            return conn.execute("DELETE FROM events WHERE at < %s", [before]).rowcount

    def webhook_states(self) -> dict[str, WebhookState]:
        rows = self._rows(f"SELECT {', '.join(WEBHOOK_COLUMNS)} FROM webhooks ORDER BY url")
        return {row["url"]: WebhookState(**row) for row in rows}

    def start_webhook(self, url: str) -> WebhookState:
        self._run(
            "INSERT INTO webhooks (url, after) VALUES (%s, (SELECT coalesce(max(id), 0) FROM events)) "
            "ON CONFLICT (url) DO NOTHING",
            [url],
        )
        return self.webhook_states()[url]

    def save_webhook_state(self, state: WebhookState) -> None:
        assignments = ", ".join(f"{name} = %({name})s" for name in WEBHOOK_COLUMNS if name != "url")
        self._run(f"UPDATE webhooks SET {assignments} WHERE url = %(url)s", dataclasses.asdict(state))
