"""One poll of one feed, stage after stage: fetch, parse, skip the known, fetch pages, extract, store."""

from __future__ import annotations

import asyncio
import enum
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from structlog.contextvars import bound_contextvars
from yarl import URL

from ingest.config import Config, FeedConfig
from ingest.extract.article import ExtractionError, extract_article
from ingest.extract.fragment import extract_fragment
from ingest.feeds import FeedError, parse_feed
from ingest.fetch import (
    AddressRefused,
    Fetcher,
    FetchError,
    FetchPolicy,
    HTTPStatusError,
    Response,
    TooLarge,
    TooManyRedirects,
)
from ingest.logs import quiet_libraries
from ingest.model import Entry, Extracted, ParsedFeed
from ingest.normalize import build_article, canonical_url, entry_key
from ingest.store import Store
from ingest.workers import WorkerError, WorkerPool

log = structlog.get_logger("ingest.pipeline")

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml")


class Outcome(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PollResult:
    """How one poll of one feed went."""

    feed: FeedConfig
    ok: bool
    status: int | None = None
    error: str | None = None
    stored: int = 0
    duplicates: int = 0
    failed_entries: int = 0


class NotHTML(Exception):
    """The linked page is not an HTML document."""


@dataclass(frozen=True, slots=True)
class Services:
    """The long-lived resources every poll shares."""

    store: Store
    fetcher: Fetcher
    pool: WorkerPool
    # Entry URLs being processed now: two feeds listing one article fetch it once.
    in_flight: set[str] = field(default_factory=set)


@asynccontextmanager
async def services(config: Config, store: Store) -> AsyncIterator[Services]:
    """Open the HTTP session and the worker pool for one run (or one daemon lifetime)."""
    fetcher = Fetcher(
        user_agent=config.user_agent,
        trusted_hosts={URL(feed.url).host or "" for feed in config.feeds},
        max_connections=config.max_connections,
        max_per_host=config.max_per_host,
    )
    pool = WorkerPool(
        size=os.cpu_count() or 2,
        preload=["ingest.extract.article", "ingest.feeds"],
        initializer=quiet_libraries,
    )
    async with fetcher, pool:
        yield Services(store, fetcher, pool)


async def run_once(config: Config, store: Store) -> list[PollResult]:
    """Poll every configured feed once, concurrently."""
    store.sync_feeds((feed.url, feed.name) for feed in config.feeds)
    async with services(config, store) as svc:
        return list(await asyncio.gather(*(poll_feed(svc, feed) for feed in config.feeds)))


async def poll_feed(svc: Services, feed: FeedConfig) -> PollResult:
    """Fetch one feed and store its new articles; every failure ends up in the result, none raises."""
    with bound_contextvars(feed=feed.name, url=feed.url):
        try:
            return await _poll(svc, feed)
        except Exception as exc:  # a bug of ours must not take the other feeds down with it
            log.exception("feed_crashed")
            return _feed_failed(svc, feed, exc, _now())


async def _poll(svc: Services, feed: FeedConfig) -> PollResult:
    """One poll, stage after stage; expected failures return a failed result."""
    started = _now()
    state = svc.store.feed_state(feed.url)
    try:
        response = await svc.fetcher.get(
            feed.url,
            _policy(feed),
            accept=FEED_ACCEPT,
            etag=state.etag,
            last_modified=state.last_modified,
        )
        parsed = None if response.status == 304 else await _parse(svc, feed, response)
    except (FetchError, FeedError, WorkerError) as exc:
        return _feed_failed(svc, feed, exc, started)
    if parsed is None:
        log.info("feed_not_modified")
        _feed_ok(svc, feed, response, started)
        return PollResult(feed, ok=True, status=304)
    outcomes = await _store_entries(svc, feed, parsed.entries[: feed.max_entries])
    problem = f"malformed feed, entries before the fault kept: {parsed.problem}" if parsed.problem else None
    _feed_ok(svc, feed, response, started, parsed.title, problem)
    result = PollResult(
        feed,
        ok=problem is None,
        status=response.status,
        error=problem,
        stored=outcomes.count(Outcome.STORED),
        duplicates=outcomes.count(Outcome.DUPLICATE),
        failed_entries=outcomes.count(Outcome.FAILED),
    )
    _log_poll(result, len(parsed.entries))
    return result


async def _parse(svc: Services, feed: FeedConfig, response: Response) -> ParsedFeed:
    # Feed parsing is CPU work on hostile input: a worker process with a deadline, like extraction.
    return await svc.pool.run(
        parse_feed, response.body, response.content_type, response.url, timeout=feed.extract_timeout
    )


async def _store_entries(svc: Services, feed: FeedConfig, entries: Sequence[Entry]) -> list[Outcome]:
    fresh = [entry for entry in entries if not _seen(svc.store, feed, entry)]
    return list(await asyncio.gather(*(_store_entry_once(svc, feed, entry) for entry in fresh)))


async def _store_entry_once(svc: Services, feed: FeedConfig, entry: Entry) -> Outcome:
    """Process an entry unless another feed is already at its link; a crash fails only this entry."""
    link = _entry_url(entry)
    if link in svc.in_flight:
        return Outcome.DUPLICATE
    if link:
        svc.in_flight.add(link)
    try:
        return await _store_entry(svc, feed, entry)
    except Exception:  # a bug of ours in one article must not fail the feed
        with bound_contextvars(url=entry.link or feed.url):
            log.exception("article_crashed")
        return Outcome.FAILED
    finally:
        svc.in_flight.discard(link or "")


def _seen(store: Store, feed: FeedConfig, entry: Entry) -> bool:
    link = _entry_url(entry)
    return store.seen(entry_key(entry, feed.url), [link] if link else [])


async def _store_entry(svc: Services, feed: FeedConfig, entry: Entry) -> Outcome:
    link = _entry_url(entry)
    with bound_contextvars(url=entry.link or feed.url):
        fetched_at = _now()
        try:
            url, extracted = await _article_source(svc, feed, entry)
        except (FetchError, ExtractionError, NotHTML, WorkerError) as exc:
            return _entry_failed(svc, feed, entry, exc, fetched_at)
        article = build_article(
            entry=entry,
            feed_url=feed.url,
            feed_tags=feed.tags,
            url=url,
            extracted=extracted,
            fetched_at=fetched_at,
        )
        if not article.text:
            return _entry_failed(svc, feed, entry, ExtractionError("no text after clean-up"), fetched_at)
        if not svc.store.add_article(article, entry_url=link):
            log.info("article_duplicate", canonical_url=article.canonical_url)
            return Outcome.DUPLICATE
        log.info("article_stored", id=article.id, words=article.word_count, title=article.title)
        return Outcome.STORED


async def _article_source(svc: Services, feed: FeedConfig, entry: Entry) -> tuple[str, Extracted]:
    """The article's URL and extraction: from its page, or from the feed's own content."""
    if feed.full_text and entry.link:
        page = await svc.fetcher.get(entry.link, _policy(feed), accept=PAGE_ACCEPT)
        _require_html(page)
        extracted = await svc.pool.run(
            extract_article, page.body, page.url, page.content_type, timeout=feed.extract_timeout
        )
        return page.url, extracted
    content = entry.content or entry.summary
    if not content:
        raise ExtractionError("entry has no link to fetch and no content of its own")
    extracted = await svc.pool.run(extract_fragment, content, entry.link, timeout=feed.extract_timeout)
    return entry.link or _pseudo_url(feed, entry), extracted


def _policy(feed: FeedConfig) -> FetchPolicy:
    return FetchPolicy(
        timeout=feed.timeout,
        connect_timeout=feed.connect_timeout,
        max_bytes=feed.max_bytes,
        max_redirects=feed.max_redirects,
        allow_private=feed.allow_private,
    )


def _require_html(page: Response) -> None:
    media_type = (page.content_type or "").split(";")[0].strip().lower()
    if media_type and media_type not in HTML_TYPES:
        raise NotHTML(f"{page.url}: content type {media_type!r} is not HTML")


def _entry_url(entry: Entry) -> str | None:
    try:
        return canonical_url(entry.link) if entry.link else None
    except ValueError:
        return None


def _pseudo_url(feed: FeedConfig, entry: Entry) -> str:
    """An identity for an entry with neither a link nor a page: its guid within its feed."""
    return f"{feed.url}#{entry.guid or entry.title or 'entry'}"


# -- outcomes: recorded and logged once, here ---------------------------------------------------------


def _feed_ok(
    svc: Services,
    feed: FeedConfig,
    response: Response,
    started: datetime,
    title: str | None = None,
    problem: str | None = None,
) -> None:
    svc.store.record_success(
        feed.url,
        status=response.status,
        at=started,
        next_poll=started + timedelta(seconds=feed.interval),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        title=title,
        problem=problem,
    )


def _feed_failed(svc: Services, feed: FeedConfig, exc: Exception, started: datetime) -> PollResult:
    status = exc.status if isinstance(exc, HTTPStatusError) else None
    # The feed's own URL is known to every reader of this error; a redirect hop's is news.
    error = exc.reason if isinstance(exc, FetchError) and exc.url == feed.url else _describe(exc)
    svc.store.record_failure(
        feed.url,
        error=error,
        status=status,
        at=started,
        next_poll=started + timedelta(seconds=feed.interval),
    )
    log.warning("feed_failed", error=error, status=status)
    return PollResult(feed, ok=False, status=status, error=error)


def _entry_failed(
    svc: Services, feed: FeedConfig, entry: Entry, exc: Exception, at: datetime
) -> Outcome:
    key = entry_key(entry, feed.url) or _entry_url(entry) or _pseudo_url(feed, entry)
    reason = _describe(exc)
    permanent = _is_permanent(exc)
    svc.store.record_entry_failure(
        key, feed=feed.url, url=entry.link, reason=reason, permanent=permanent, at=at
    )
    log.warning("article_failed", error=reason, permanent=permanent)
    return Outcome.FAILED


def _log_poll(result: PollResult, entries: int) -> None:
    fields = dict(
        status=result.status,
        entries=entries,
        stored=result.stored,
        duplicates=result.duplicates,
        failed=result.failed_entries,
    )
    if result.ok:
        log.info("feed_polled", **fields)
    else:
        log.warning("feed_malformed", error=result.error, **fields)


def _describe(exc: Exception) -> str:
    """The failure on one line; fetch errors name their URL, the log context names the rest."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _is_permanent(exc: Exception) -> bool:
    """Failures that another try would repeat; timeouts and dropped connections get more tries."""
    if isinstance(exc, HTTPStatusError):
        return 400 <= exc.status < 500 and exc.status not in (408, 425, 429)
    return isinstance(exc, TooLarge | AddressRefused | TooManyRedirects | NotHTML | ExtractionError)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
