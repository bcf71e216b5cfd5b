"""The fleet's one assigner: the daemon holding the database's assigner lock places the articles every
daemon stored (original, story) in order, so near-duplicates and stories come out as one daemon would
make them. When it dies, its session's lock is released and another daemon takes the role over.

On a store of its own (SQLite) articles are placed as they are stored (articles.py) and this is idle.
"""

from __future__ import annotations

import asyncio

import structlog

from ingest import defaults
from ingest.run.services import Services, place_unplaced
from ingest.store import StoreError

log = structlog.get_logger("ingest.run.assigner")


async def assign_stored(svc: Services) -> int:
    """Place what the fleet stored since the last time, if this daemon is the assigner; how many."""
    if not svc.fleet.shared:
        return 0
    if not svc.store.hold_assigner():
        svc.deduper.forget()  # another daemon places: an index kept here would fall behind
        return 0
    fresh = not svc.deduper.loaded
    deduper = await svc.deduper()  # rebuilt from the store on taking the role, placing what waited
    placed = place_unplaced(svc.store, deduper, stored_order=True, opted_out=svc.deduper.opted_out)
    if placed or fresh:
        svc.stories_changed.set()
    if fresh:
        log.info("assigner_started", owner=svc.fleet.owner)
    return placed


async def keep_assigning(svc: Services, stop: asyncio.Event) -> None:
    """Every ASSIGN_EVERY seconds until `stop`: take the assigner's role if it is free, and place."""
    while not stop.is_set():
        try:
            await assign_stored(svc)
        except StoreError as exc:  # the database is away: the articles wait, stored, for the next try
            log.warning("assignment_failed", error=str(exc))
        try:
            await asyncio.wait_for(stop.wait(), defaults.ASSIGN_EVERY)
        except TimeoutError:
            pass
