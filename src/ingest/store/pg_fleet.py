"""The fleet's coordination methods on PostgreSQL: leases on feeds, claims on entries, host reservations
and the one assigner, for several daemons sharing a database.

Each method is one statement (two where a feed has no row yet), atomic by itself in autocommit, and
none waits on a lock another daemon may hold for long: a claim skips a feed row someone is claiming,
and the assigner role is a session-level advisory lock tried, never awaited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import ClassVar
from urllib.parse import urlsplit

from ingest.model import FeedState
from ingest.store.pg_session import PgSession
from ingest.store.records import FEED_COLUMNS, feed_of, moment

# pg_try_advisory_lock's key for the assigner role: "ingest" in ASCII, then 2 (pg_schema.MIGRATION_LOCK
# is 1). pg_locks shows a bigint key as its high and low 32 bits (classid, objid) with objsubid 1.
ASSIGNER_LOCK = 0x696E6765_7374_0002
# Held shared by every transaction that stores an article, and exclusively while the assigner reads what
# waits to be placed: identity values are handed out in one order and committed in another, and the
# assigner must read a prefix of the order of storing, as one daemon would place them.
STORING_LOCK = 0x696E6765_7374_0003
_FEED = ", ".join(FEED_COLUMNS)
_HELD = """locktype = 'advisory' AND pid = pg_backend_pid() AND granted
           AND classid = %(high)s::oid AND objid = %(low)s::oid AND objsubid = 1"""
_ASSIGNER = {"key": ASSIGNER_LOCK, "high": ASSIGNER_LOCK >> 32, "low": ASSIGNER_LOCK & 0xFFFFFFFF}


class PostgresFleet(PgSession):
    """PostgresStore's fleet methods, on its session."""

    shared: ClassVar[bool] = True

    def claim_feed(
        self, url: str, *, owner: str, now: datetime, lease: float, due: bool = True
    ) -> FeedState | None:
        """Atomically lease a (due) feed that no other owner holds to `owner` until now + `lease`."""
        values = {"url": url, "owner": owner, "due": moment(now), "now": now, "until": now + timedelta(seconds=lease)}
        when = "AND (next_poll IS NULL OR next_poll <= %(due)s)" if due else ""
        # SKIP LOCKED: a feed row another daemon is claiming right now is not free, and not waited for.
        claimed = self._one(
            f"""UPDATE feeds SET lease_owner = %(owner)s, lease_until = %(until)s
                WHERE url = (SELECT url FROM feeds WHERE url = %(url)s {when}
                                 AND (lease_until IS NULL OR lease_until <= %(now)s OR lease_owner = %(owner)s)
                             FOR UPDATE SKIP LOCKED)
                RETURNING {_FEED}""",
            values,
        )
        if claimed is None:
            # A feed no sync has written yet: its first claimer makes its row, named as a bare URL is.
            claimed = self._one(
                f"""INSERT INTO feeds (url, name, lease_owner, lease_until)
                    VALUES (%(url)s, %(name)s, %(owner)s, %(until)s)
                    ON CONFLICT (url) DO NOTHING RETURNING {_FEED}""",
                values | {"name": urlsplit(url).hostname or url},
            )
        return feed_of(claimed) if claimed is not None else None

    def renew_feeds(self, urls: Iterable[str], *, owner: str, now: datetime, lease: float) -> None:
        """Extend to now + `lease` the leases `owner` still holds on these feeds."""
        self._run(
            """UPDATE feeds SET lease_until = %(until)s
               WHERE lease_owner = %(owner)s AND url = ANY(%(urls)s::text[])""",
            {"urls": list(urls), "owner": owner, "until": now + timedelta(seconds=lease)},
        )

    def renew_entries(self, keys: Iterable[str], *, owner: str, now: datetime, lease: float) -> None:
        """Extend to now + `lease` the claims `owner` still holds on these entries."""
        self._run(
            "UPDATE entry_claims SET until = %(until)s WHERE owner = %(owner)s AND key = ANY(%(keys)s::text[])",
            {"keys": list(keys), "owner": owner, "until": now + timedelta(seconds=lease)},
        )

    def release_feed(self, url: str, *, owner: str) -> None:
        self._run(
            """UPDATE feeds SET lease_owner = NULL, lease_until = NULL
               WHERE url = %(url)s AND lease_owner = %(owner)s""",
            {"url": url, "owner": owner},
        )

    def claim_entry(self, key: str, *, owner: str, now: datetime, lease: float) -> bool:
        """Claim an entry for `owner`: new, expired or already its own (renewed) claims succeed."""
        # The upsert returns no row when another owner's claim is still running.
        claimed = self._one(
            """INSERT INTO entry_claims (key, owner, until) VALUES (%(key)s, %(owner)s, %(until)s)
               ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, until = excluded.until
               WHERE entry_claims.owner = excluded.owner OR entry_claims.until <= %(now)s
               RETURNING key""",
            {"key": key, "owner": owner, "now": now, "until": now + timedelta(seconds=lease)},
        )
        return claimed is not None

    def release_entry(self, key: str, *, owner: str) -> None:
        self._run(
            "DELETE FROM entry_claims WHERE key = %(key)s AND owner = %(owner)s",
            {"key": key, "owner": owner},
        )

    def reserve_host(self, host: str, *, now: datetime, gap: float) -> datetime:
        """The start reserved for the next request to `host`; the one after waits `gap` more."""
        row = self._one(
            """INSERT INTO hosts (host, next_allowed) VALUES (%(host)s, %(now)s + %(gap)s)
               ON CONFLICT (host) DO UPDATE SET next_allowed = greatest(hosts.next_allowed, %(now)s) + %(gap)s
               RETURNING next_allowed - %(gap)s AS start""",
            {"host": host, "now": now, "gap": timedelta(seconds=gap)},
        )
        assert row is not None  # an upsert always returns its row
        return row["start"].astimezone(UTC)

    def hold_assigner(self) -> bool:
        """Hold the assigner role on this session's advisory lock, if it is free or already ours."""
        # Session-level advisory locks stack, so one already held is not taken again: CASE tries the
        # lock only when pg_locks shows this session without it.
        row = self._one(
            f"""SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE {_HELD}) THEN true
                            ELSE pg_try_advisory_lock(%(key)s) END AS held""",
            _ASSIGNER,
        )
        return bool(row and row["held"])

    def release_assigner(self) -> None:
        if self._conn is None or self._conn.closed:
            return  # the lock went with the lost session; reconnecting would not hold it
        self._run(f"SELECT pg_advisory_unlock(%(key)s) FROM pg_locks WHERE {_HELD}", _ASSIGNER)

