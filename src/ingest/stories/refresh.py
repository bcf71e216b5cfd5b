"""Story records kept fresh: stale stories are read, summarised in the worker pool (and by the
configured model, if any), and written back, in batches, off the path that stores articles."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog
from structlog.contextvars import bound_contextvars

from ingest.ops.workers import WorkerError
from ingest.run.services import Services
from ingest.stories.record import members_of, story_record
from ingest.stories.summarizer import Summarizer, SummarizerError
from ingest.stories.summary import Digest, Member, summarize_many

log = structlog.get_logger("ingest.stories.refresh")

BATCH = 16  # stories per trip to a worker
SUMMARY_TIMEOUT_S = 60.0
MODEL_CALLS = 4  # requests to the summarising model at once


async def refresh_stories(svc: Services) -> int:
    """Rewrite the record of every stale story; return how many were written."""
    stale = svc.store.stale_stories()  # those going stale meanwhile wait for the next refresh
    written = 0
    for start in range(0, len(stale), BATCH):
        batch = stale[start : start + BATCH]
        articles = {story_id: svc.store.story_members(story_id) for story_id in batch}
        members = [members_of(story_articles) for story_articles in articles.values()]
        try:
            digests = await svc.pool.run(summarize_many, members, timeout=SUMMARY_TIMEOUT_S)
        except WorkerError as exc:
            log.error("stories_not_summarized", stories=batch, error=str(exc))
            return written
        if svc.summarizer is not None:
            gate = asyncio.Semaphore(MODEL_CALLS)
            calls = (_by_model(svc.summarizer, gate, *args) for args in zip(batch, members, digests, strict=True))
            answers = await asyncio.gather(*calls)
        else:
            answers = [(digest, "extractive") for digest in digests]
        for (story_id, story_articles), (digest, by) in zip(articles.items(), answers, strict=True):
            if digest is not None:  # None: merged into another story meanwhile
                record = story_record(story_id, story_articles, digest, by)
                svc.store.save_story(record, members=len(story_articles))
                written += 1
    if written:
        log.info("stories_summarized", stories=written)
    return written


async def _by_model(
    model: Summarizer, gate: asyncio.Semaphore, story_id: str, members: Sequence[Member], digest: Digest | None
) -> tuple[Digest | None, str]:
    """The model's digest of one story and its name, or the extractive one if the model fails."""
    if digest is None:
        return None, "extractive"
    async with gate:
        try:
            return await model.digest(members, digest), model.config.model
        except SummarizerError as exc:
            with bound_contextvars(story=story_id):
                log.warning("summary_fallback", error=str(exc), kept="extractive")
            return digest, "extractive"
