"""This daemon's part in a fleet of daemons sharing one database: leases on the feeds it polls and the
entries it fetches, a fleet-wide gap between requests to a host, and the one assigner that places stored
articles into near-duplicates and stories, in order.

Everything is claimed in the database, so daemons need no protocol of their own and a daemon that dies
(SIGKILL, power loss, a cut network) holds nothing once its leases expire. On a store no other process
shares (SQLite), every claim is granted at once without a round trip and articles are placed where
they are stored, as they always were.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import structlog

from ingest import defaults
from ingest.model import FeedState
from ingest.ops.metrics import Metrics
from ingest.store import Store, StoreError

log = structlog.get_logger("ingest.run.fleet")


def owner_name() -> str:
    """Who holds a lease, as an operator reads it: host and process, and a suffix no restart repeats."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Fleet:
    """Claims made for this daemon; on a store of its own (`store.shared` false), all granted."""

    def __init__(
        self, store: Store, metrics: Metrics, *, lease: float = defaults.LEASE, owner: str | None = None
    ) -> None:
        self.store = store
        self.shared = store.shared
        self.lease = lease
        self.owner = owner or owner_name()
        self._metrics = metrics
        self._feeds: set[str] = set()  # feeds this daemon is polling, their leases renewed
        self._entries: set[str] = set()  # entry keys it is fetching or extracting

    # -- feeds ------------------------------------------------------------------------------------

    def claim_feed(self, url: str, *, due: bool = True) -> FeedState | None:
        """The feed's state if this daemon may poll it now: no other daemon holds it, and it is due
        (unless `due` is false: `--once` without `--due` polls every feed); None if it may not."""
        if not self.shared:
            return self.store.feed_state(url)
        with self._claiming():
            claimed = self.store.claim_feed(url, owner=self.owner, now=_now(), lease=self.lease, due=due)
        if claimed is not None:
            self._feeds.add(url)
            self._count()
        return claimed

    def done_with_feed(self, url: str, *, recorded: bool) -> None:
        """The poll ended. Recording its outcome released the lease; a poll cut short releases it here."""
        if url in self._feeds:
            self._feeds.discard(url)
            self._count()
            if not recorded:
                self.store.release_feed(url, owner=self.owner)

    # -- entries ----------------------------------------------------------------------------------

    def claim_entry(self, key: str) -> bool:
        """Whether this daemon may fetch the entry: no other daemon is fetching it (the unique keys of
        the store stay the last line of defence)."""
        if not self.shared:
            return True
        with self._claiming():
            claimed = self.store.claim_entry(key, owner=self.owner, now=_now(), lease=self.lease)
        if claimed:
            self._entries.add(key)
            self._count()
        return claimed

    def done_with_entry(self, key: str) -> None:
        if key in self._entries:
            self._entries.discard(key)
            self._count()
            self.store.release_entry(key, owner=self.owner)

    # -- hosts ------------------------------------------------------------------------------------

    def reserve_host(self, host: str, gap: float) -> float:
        """Seconds until this daemon's next request to `host` may start, the fleet's other requests to it
        one `gap` apart; the start is reserved in the database, so every daemon lines up behind it."""
        now = _now()
        with self._claiming():
            start = self.store.reserve_host(host, now=now, gap=gap)
        return max(0.0, (start - now).total_seconds())

    # -- leases -----------------------------------------------------------------------------------

    async def keep_leases(self, stop: asyncio.Event) -> None:
        """Renew what this daemon holds a few times per lease, until `stop`; a poll or a queue longer
        than a lease keeps its claims, and a daemon that stops renewing loses them within one."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), self.lease / defaults.RENEWALS_PER_LEASE)
            except TimeoutError:
                pass
            if stop.is_set():
                return
            try:
                self.renew()
            except StoreError as exc:  # the database is away: the claims may lapse; polls will say more
                log.warning("leases_not_renewed", error=str(exc), feeds=len(self._feeds))

    def renew(self) -> None:
        now = _now()
        if self._feeds:
            self.store.renew_feeds(sorted(self._feeds), owner=self.owner, now=now, lease=self.lease)
        if self._entries:
            self.store.renew_entries(sorted(self._entries), owner=self.owner, now=now, lease=self.lease)

    @contextmanager
    def _claiming(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._metrics.claim_seconds.observe(time.perf_counter() - started)

    def _count(self) -> None:
        self._metrics.leases_held.labels("feed").set(len(self._feeds))
        self._metrics.leases_held.labels("entry").set(len(self._entries))


def _now() -> datetime:
    return datetime.now(UTC)
