"""The fleet's coordination methods on SQLite: leases on feeds, claims on entries, host reservations.

One SQLite file has one writer at a time, so each method is a single statement (or a transaction that
writes first) and is atomic against any other connection to the file: two Store objects contend as
two daemons would. Times are whole microseconds since the epoch (records.micros), so lease ends and
host reservations add and compare exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from sqlite_utils import Database

from ingest.model import FeedState
from ingest.store.records import instant, micros, moment
from ingest.store.sqlite_errors import writes


class SQLiteFleet:
    """Mixed into SQLiteStore: one process writes a SQLite file, so the assigner role is always its."""

    shared: ClassVar[bool] = False
    db: Database
    path: Path

    @writes
    def claim_feed(
        self, url: str, *, owner: str, now: datetime, lease: float, due: bool = True
    ) -> FeedState | None:
        """Atomically lease a (due) feed that no other owner holds to `owner` until now + `lease`."""
        values = {"url": url, "owner": owner, "due": moment(now), "now": micros(now),
                  "until": micros(now + timedelta(seconds=lease))}  # fmt: skip
        when = "AND (next_poll IS NULL OR next_poll <= :due)" if due else ""
        claimed = self.db.execute(
            f"""UPDATE feeds SET lease_owner = :owner, lease_until = :until
                WHERE url = :url {when}
                    AND (lease_until IS NULL OR lease_until <= :now OR lease_owner = :owner)""",
            values,
        )
        if not claimed.rowcount:
            # A feed no sync has written yet: its first claimer makes its row, named as a bare URL is.
            claimed = self.db.execute(
                """INSERT INTO feeds (url, name, lease_owner, lease_until) VALUES (:url, :name, :owner, :until)
                   ON CONFLICT(url) DO NOTHING""",
                values | {"name": urlsplit(url).hostname or url},
            )
        return self.feed_state(url) if claimed.rowcount else None  # one writer: nothing changed it since

    @writes
    def renew_feeds(self, urls: Iterable[str], *, owner: str, now: datetime, lease: float) -> None:
        """Extend to now + `lease` the leases `owner` still holds on these feeds."""
        urls = list(urls)
        if urls:
            self.db.execute(
                f"UPDATE feeds SET lease_until = ? WHERE lease_owner = ? AND url IN ({', '.join('?' * len(urls))})",
                [micros(now + timedelta(seconds=lease)), owner, *urls],
            )

    @writes
    def renew_entries(self, keys: Iterable[str], *, owner: str, now: datetime, lease: float) -> None:
        """Extend to now + `lease` the claims `owner` still holds on these entries."""
        keys = list(keys)
        if keys:
            self.db.execute(
                f"UPDATE entry_claims SET until = ? WHERE owner = ? AND key IN ({', '.join('?' * len(keys))})",
                [micros(now + timedelta(seconds=lease)), owner, *keys],
            )

    @writes
    def release_feed(self, url: str, *, owner: str) -> None:
        self.db.execute(
            "UPDATE feeds SET lease_owner = NULL, lease_until = NULL WHERE url = ? AND lease_owner = ?",
            [url, owner],
        )

    @writes
    def claim_entry(self, key: str, *, owner: str, now: datetime, lease: float) -> bool:
        """Claim an entry for `owner`: new, expired or already its own (renewed) claims succeed."""
        # The upsert changes no row when another owner's claim is still running: rowcount says which.
        claimed = self.db.execute(
            """INSERT INTO entry_claims (key, owner, until) VALUES (:key, :owner, :until)
               ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, until = excluded.until
               WHERE entry_claims.owner = excluded.owner OR entry_claims.until <= :now""",
            {"key": key, "owner": owner, "now": micros(now), "until": micros(now + timedelta(seconds=lease))},
        )
        return claimed.rowcount == 1

    @writes
    def release_entry(self, key: str, *, owner: str) -> None:
        self.db.execute("DELETE FROM entry_claims WHERE key = ? AND owner = ?", [key, owner])

    @writes
    def reserve_host(self, host: str, *, now: datetime, gap: float) -> datetime:
        """The start reserved for the next request to `host`; the one after waits `gap` more."""
        gap_us = micros(now + timedelta(seconds=gap)) - micros(now)
        # RETURNING keeps the statement's transaction open in sqlite-utils, so it gets one of its own;
        # the statement writes first, so a second writer waits for the lock rather than deadlocking.
        with self.db.atomic():
            (start,) = self.db.execute(
                """INSERT INTO hosts (host, next_allowed) VALUES (:host, :now + :gap)
                   ON CONFLICT(host) DO UPDATE SET next_allowed = max(next_allowed, :now) + :gap
                   RETURNING next_allowed - :gap""",
                {"host": host, "now": micros(now), "gap": gap_us},
            ).fetchone()
        return instant(start)

    def hold_assigner(self) -> bool:
        return True

    def release_assigner(self) -> None:
        return None
