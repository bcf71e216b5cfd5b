"""A feed's new entries to stored articles: fetch each page (or take the feed's text), have a worker
extract it and build the record, then place and store it."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial

import structlog
from structlog.contextvars import bound_contextvars

from ingest.config import FeedConfig
from ingest.extract.errors import ExtractionError, require_html
from ingest.fetch import Disallowed, FetchError, HTTPStatusError, ShuttingDown, Timing
from ingest.model import Entry, PageOptions
from ingest.normalize import entry_key
from ingest.ops.logs import describe
from ingest.ops.workers import WorkerError
from ingest.run.jobs import ArticleJob, Built, build_article_job
from ingest.run.retry import MAX_ENTRY_ATTEMPTS, MISSING_STATUSES, entry_failure_is_permanent
from ingest.run.services import Services, fetch_policy, page_options
from ingest.run.together import all_or_none
from ingest.store import MissingReference, StoreError
from ingest.text.urls import canonical_url

log = structlog.get_logger("ingest.run.articles")

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


class Outcome(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    SKIPPED = "skipped"  # not tried because the process is stopping; the next run tries again
    ELSEWHERE = "elsewhere"  # another daemon sharing the database is fetching it
    MISSING = "missing"  # the page itself answered 404 or 410: failed for good, and no fault of ours


async def store_new_entries(svc: Services, feed: FeedConfig, entries: Sequence[Entry]) -> list[Outcome]:
    """Store the entries not seen before, concurrently; one outcome per entry tried."""
    fresh = [entry for entry in entries if not _seen(svc, feed, entry)]
    svc.tally.listed(feed.url, len(fresh))
    # A refused write (StoreError) stops the poll: the entries still under way stop with it.
    return await all_or_none(_tallied(svc, feed, entry) for entry in fresh)


async def _tallied(svc: Services, feed: FeedConfig, entry: Entry) -> Outcome:
    outcome = await _store_entry_once(svc, feed, entry)
    svc.tally.page_done(stored=outcome is Outcome.STORED, failed=outcome is Outcome.FAILED)
    return outcome


def _seen(svc: Services, feed: FeedConfig, entry: Entry) -> bool:
    link = entry_url(entry)
    return svc.store.seen(entry_key(entry, feed.url), [link] if link else [], max_attempts=MAX_ENTRY_ATTEMPTS)


async def _store_entry_once(svc: Services, feed: FeedConfig, entry: Entry) -> Outcome:
    """Process an entry unless another feed is already at its link; a crash fails only this entry."""
    link = entry_url(entry)
    if link in svc.in_flight:
        return Outcome.DUPLICATE
    # Claimed by its link, which every feed listing the article shares, else by its key in its feed.
    claim = link or entry_key(entry, feed.url) or _pseudo_url(feed, entry)
    if not svc.fleet.claim_entry(claim):
        return Outcome.ELSEWHERE
    if svc.fleet.shared and _seen(svc, feed, entry):  # stored by the daemon whose claim just ended
        svc.fleet.done_with_entry(claim)
        return Outcome.DUPLICATE
    if link:
        svc.in_flight.add(link)
    svc.metrics.queue_depth.inc()
    try:
        return await _store_entry(svc, feed, entry, link)
    except StoreError:
        raise  # the database refused a write: the poll stops, and what was not stored is tried again
    except Exception as exc:  # a bug of ours in one article must not fail the feed
        with bound_contextvars(url=entry.link or feed.url):
            log.exception("article_crashed")
            # Counted and tried again, as a worker's crash is: the cause (a full disk, say) may pass.
            return _failed(svc, feed, entry, link, exc, datetime.now(UTC), logged=True)
    finally:
        svc.metrics.queue_depth.dec()
        svc.in_flight.discard(link or "")
        svc.fleet.done_with_entry(claim)


async def _store_entry(svc: Services, feed: FeedConfig, entry: Entry, link: str | None) -> Outcome:
    with bound_contextvars(url=entry.link or feed.url):
        fetched_at = datetime.now(UTC).replace(microsecond=0)
        # A page fetched waits for a worker while holding one of a few slots per worker, so fetching runs
        # ahead of extraction by a bounded amount, whatever the size of the import. The slot is taken
        # once the page's host lets its request start, so no host's politeness gap holds up another's.
        slot = PageSlot(svc.pages)
        try:
            job = await _job(svc, feed, entry, fetched_at, slot)
            with svc.metrics.timed(svc.metrics.extract_seconds):
                built = await svc.pool.run(build_article_job, job, timeout=feed.parse_timeout)
        except ShuttingDown:
            return Outcome.SKIPPED
        except (FetchError, ExtractionError, WorkerError) as exc:
            return _failed(svc, feed, entry, link, exc, fetched_at)
        finally:
            slot.release()
        try:
            return await _store(svc, built, link)
        except MissingReference as exc:  # its original is not stored: the index knows more than the database
            svc.deduper.forget()  # rebuilt from the database for the next article, and this one tried again
            return _failed(svc, feed, entry, link, exc, fetched_at)


class PageSlot:
    """One of the slots a fetched page holds until its worker is done; released once, if taken."""

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self._slots = slots
        self._held = False

    async def take(self) -> None:
        await self._slots.acquire()
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._slots.release()


async def _job(
    svc: Services, feed: FeedConfig, entry: Entry, fetched_at: datetime, slot: PageSlot
) -> ArticleJob:
    """The worker's job for an entry: its page, fetched, or the feed's own content."""
    job = partial(
        ArticleJob,
        entry=entry, feed_url=feed.url, feed_tags=feed.tags, fetched_at=fetched_at, keep=svc.keep_html,
    )  # fmt: skip
    if feed.full_text and entry.link:
        policy = fetch_policy(feed)
        if feed.robots and svc.robots is not None:
            await svc.robots.check(entry.link, policy)
        timing = Timing()
        try:
            page = await svc.fetcher.get(
                entry.link, policy, accept=PAGE_ACCEPT, ready=slot.take, timing=timing
            )
        finally:
            svc.metrics.fetched("page", timing)
        require_html(page.content_type)
        options = page_options(feed, page.url, page.content_type)
        return job(html=page.body, page=options, url=page.url)
    content = entry.content or entry.summary
    if not content:
        raise ExtractionError("entry has no link to fetch and no content of its own")
    url = entry.link or _pseudo_url(feed, entry)
    return job(html=content, page=PageOptions(url=entry.link), url=url, fragment=True)


async def _store(svc: Services, built: Built, link: str | None) -> Outcome:
    """Place the article among what is stored (its original, its story) and store it."""
    article = built.article
    if svc.fleet.shared:
        return _store_unplaced(svc, built, link)
    deduper = await svc.deduper()
    # No await from here to the store: another task's article cannot slip in between.
    if svc.store.has_article(article.id):  # another URL of a stored page: not a new article to place
        log.info("article_duplicate", canonical_url=article.canonical_url)
        return Outcome.DUPLICATE
    same_text = svc.store.same_text(article.content_hash)
    collapse = article.feed not in svc.deduper.opted_out
    placed = deduper.place(article, same_text, built.sketch, near_duplicates=collapse)
    article.duplicate_of, article.story_id = placed.duplicate_of, placed.story_id
    if not svc.store.add_article(
        article, entry_url=link, placement=placed, page=built.page
    ):
        log.info("article_duplicate", canonical_url=article.canonical_url)
        return Outcome.DUPLICATE
    svc.stories_changed.set()
    return _stored(svc, built)


def _store_unplaced(svc: Services, built: Built, link: str | None) -> Outcome:
    """In a fleet, an article is stored as it is, and the one daemon that places articles (fleet.py)
    gives it its original and story, in order, so no story splits because two daemons saw its articles.
    The unique keys say whether it is stored already: nothing is placed here that a check must precede."""
    if not svc.store.add_article(built.article, entry_url=link, page=built.page):
        log.info("article_duplicate", canonical_url=built.article.canonical_url)
        return Outcome.DUPLICATE
    return _stored(svc, built)


def _stored(svc: Services, built: Built) -> Outcome:
    article = built.article
    svc.metrics.articles_stored.inc()
    log.info(
        "article_stored",
        id=article.id,
        words=article.word_count,
        title=article.title,
        duplicate_of=article.duplicate_of,
        story_id=article.story_id,
    )
    return Outcome.STORED


def entry_url(entry: Entry) -> str | None:
    """An entry's link as a canonical URL, the key it is remembered by before its page is fetched."""
    try:
        return canonical_url(entry.link) if entry.link else None
    except ValueError:
        return None


def _pseudo_url(feed: FeedConfig, entry: Entry) -> str:
    """An identity for an entry with neither a link nor a page: its guid within its feed."""
    return f"{feed.url}#{entry.guid or entry.title or 'entry'}"


def _failed(
    svc: Services,
    feed: FeedConfig,
    entry: Entry,
    link: str | None,
    exc: Exception,
    at: datetime,
    *,
    logged: bool = False,
) -> Outcome:
    """Record and log (unless `logged` already) an article that could not be stored, once."""
    key = entry_key(entry, feed.url) or link or _pseudo_url(feed, entry)
    reason = describe(exc)
    permanent = entry_failure_is_permanent(exc)
    svc.store.record_entry_failure(
        key, feed=feed.url, url=entry.link, reason=reason, permanent=permanent, at=at
    )
    svc.metrics.articles_failed.inc()
    if isinstance(exc, Disallowed):
        svc.metrics.pages_disallowed.inc()
    if not logged:
        log.warning("article_failed", error=reason, permanent=permanent)
    missing = isinstance(exc, HTTPStatusError) and exc.status in MISSING_STATUSES
    return Outcome.MISSING if missing else Outcome.FAILED
