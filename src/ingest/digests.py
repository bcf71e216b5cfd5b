"""Story records kept fresh: stale stories are read, summarised in the worker pool (or by the
configured model), and written back, in batches, off the path that stores articles."""

from __future__ import annotations

import structlog

from ingest.dedupe.summary import members_of, story_record, summarize_many
from ingest.services import Services
from ingest.workers import WorkerError

log = structlog.get_logger("ingest.digests")

BATCH = 16  # stories per trip to a worker
SUMMARY_TIMEOUT_S = 60.0


async def refresh_stories(svc: Services) -> int:
    """Rewrite the record of every stale story; return how many were written."""
    written: set[str] = set()
    while batch := [s for s in svc.store.stale_stories(BATCH + len(written)) if s not in written]:
        batch = batch[:BATCH]
        members = {story_id: svc.store.story_members(story_id) for story_id in batch}
        try:
            digests = await svc.pool.run(
                summarize_many, [members_of(rows) for rows in members.values()], timeout=SUMMARY_TIMEOUT_S
            )
        except WorkerError as exc:
            log.error("stories_not_summarized", stories=batch, error=str(exc))
            return len(written)
        for (story_id, rows), digest in zip(members.items(), digests, strict=True):
            if digest is not None:
                svc.store.save_story(story_record(story_id, rows, digest), members=len(rows))
            written.add(story_id)
    if written:
        log.info("stories_summarized", stories=len(written))
    return len(written)
