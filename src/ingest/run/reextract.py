"""`ingest reextract`: stored articles extracted again from their kept pages, with today's rules and each
feed's settings in feeds.yaml as they are now; records rewritten in place, and the articles whose text
changed placed again (their original and story), as the daemon would have placed them on the day.

It runs beside a daemon: pages are read and written back in batches, each write a transaction of its own,
and the placements counter it moves tells every daemon that its in-memory index is out of date.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import structlog
from structlog.contextvars import bound_contextvars

from ingest.config import Config, FeedConfig
from ingest.extract.errors import ExtractionError
from ingest.model import Article, KeptPage, PageOptions
from ingest.ops.logs import describe
from ingest.ops.workers import WorkerError
from ingest.run.jobs import ArticleJob, rebuild_article_job
from ingest.run.pipeline import refresh_story_records
from ingest.run.services import Services, page_options, place_in_order, services
from ingest.store import ArticleFilter, Store
from ingest.store.placing import EXTRACTED
from ingest.text.dates import ISO, iso, parse_datetime

log = structlog.get_logger("ingest.run.reextract")

BATCH = 64  # pages read, extracted and written back at a time: memory stays flat whatever the archive


@dataclass(slots=True)
class Reextracted:
    """What a re-extraction did, for its report."""

    pages: int = 0  # kept pages extracted again
    changed: int = 0  # records that came out different, and were rewritten
    text_changed: int = 0  # of those, whose text changed: placed again
    moved: int = 0  # of those, now in another story or marked a copy of another article
    failed: int = 0  # pages whose extraction failed now: their records are kept as they were
    unconfigured: int = 0  # articles of feeds no longer in feeds.yaml, whose settings are unknown
    without_page: int = 0  # articles the filters select that have no kept page


async def reextract_stored(config: Config, store: Store, where: ArticleFilter) -> Reextracted:
    """`reextract` with the worker pool and the rest of a run's services opened for it, and closed."""
    async with services(config, store) as svc:
        return await reextract(svc, config, where)


async def reextract(svc: Services, config: Config, where: ArticleFilter) -> Reextracted:
    """Extract again every kept page of the articles `where` selects; rewrite what changed."""
    feeds = {feed.url: feed for feed in config.feeds}
    done = Reextracted(without_page=svc.store.articles_without_page(where))
    rewritten: list[Article] = []  # text changed: placed again once every page is done
    after = 0
    while batch := svc.store.kept_pages(where, after=after, limit=BATCH):
        after = batch[-1][0]
        known = [(article, page, feeds[article.feed]) for _, article, page in batch if article.feed in feeds]
        done.unconfigured += len(batch) - len(known)
        again = await asyncio.gather(*(_again(svc, *item) for item in known))
        changed = [new for (old, _, _), new in zip(known, again, strict=True) if new and _differs(old, new)]
        done.pages += sum(new is not None for new in again)
        done.failed += sum(new is None for new in again)
        done.changed += len(changed)
        svc.store.replace_articles(changed)
        rewritten += [new for (old, _, _), new in zip(known, again, strict=True)
                      if new and new.content_hash != old.content_hash]  # fmt: skip
    done.text_changed = len(rewritten)
    # What a person placed (split, merged, unmarked) stays where they put it; only its record changes.
    rewritten = [article for article in rewritten if not _by_hand(svc.store, article.id)]
    if rewritten:
        # On this thread: the store's connection is this thread's.
        done.moved = place_again(svc.store, rewritten, svc.deduper.opted_out)
        await refresh_story_records(svc)
    return done


async def _again(svc: Services, stored: Article, page: KeptPage, feed: FeedConfig) -> Article | None:
    """The article's record from its kept page, its identity and placement as stored; None if it fails."""
    with bound_contextvars(url=stored.url, feed=stored.feed):
        try:
            job = _job(stored, page, feed)
            built = await svc.pool.run(rebuild_article_job, job, timeout=feed.parse_timeout)
        except (ExtractionError, WorkerError) as exc:
            log.warning("reextract_failed", id=stored.id, error=describe(exc))
            return None
    fresh = {name: getattr(built.article, name) for name in EXTRACTED}
    return dataclasses.replace(stored, **fresh)


def _job(stored: Article, page: KeptPage, feed: FeedConfig) -> ArticleJob:
    """The job that made the record, as the pipeline's articles.py builds it, with today's settings."""
    # A fragment (the feed's own content) is read without a page's settings, as articles.py reads it.
    options = PageOptions(url=page.url) if page.fragment else page_options(feed, page.url, page.content_type)
    fetched_at = parse_datetime(stored.fetched_at, ISO)
    assert fetched_at is not None  # the store writes it
    return ArticleJob(
        html=page.html, page=options, url=stored.url, entry=page.entry, feed_url=feed.url,
        feed_tags=feed.tags, fetched_at=fetched_at, fragment=page.fragment,
    )  # fmt: skip


def _differs(old: Article, new: Article) -> bool:
    return any(getattr(old, name) != getattr(new, name) for name in EXTRACTED)


def place_again(store: Store, rewritten: Sequence[Article], opted_out: frozenset[str] = frozenset()) -> int:
    """Place the rewritten articles again, each among the articles of its own days as the daemon placed
    it then: the index without their old fingerprints, the stories of their time replayed in order of
    publication, each rewritten article placed at its turn. How many changed original or story."""
    from ingest.dedupe.assign import REPLAY_DAYS, Deduper, story_article

    ids = {article.id for article in rewritten}
    # Dated as clustering dates them (story_article: published, else fetched).
    again = sorted(((story_article(a), a) for a in rewritten), key=lambda pair: pair[0].published)
    first, last, window = again[0][0].published, again[-1][0].published, timedelta(days=REPLAY_DAYS)
    around = ArticleFilter(since=iso(first - window), until=iso(last + window))
    others = [(story_article(a), a) for a in store.articles(around) if a.id not in ids]
    index = ((row, story) for row, story in store.fingerprints() if row.article_id not in ids)
    deduper = Deduper.rebuild(index, [], store.overrides())
    # At the same time, the others first: they were placed, and the rewritten one is placed among them.
    queue = sorted([*((dated, 0, a) for dated, a in others), *((dated, 1, a) for dated, a in again)],
                   key=lambda item: (item[0].published, item[1]))  # fmt: skip
    placements = []
    for dated, rewrite, article in queue:
        if not rewrite:
            if article.story_id and not article.duplicate_of:  # as Deduper.rebuild replays an article
                deduper.clusterer.restore(dated, article.story_id)
        else:
            placements += place_in_order([article], deduper, store.same_text, opted_out)
    store.replace_placements(placements)
    return sum((p.duplicate_of, p.story_id) != (a.duplicate_of, a.story_id) for a, p in placements)


def _by_hand(store: Store, article_id: str) -> bool:
    from ingest.dedupe.reasons import OVERRIDE

    return any(reason and reason.method == OVERRIDE for reason in store.reasons(article_id))
