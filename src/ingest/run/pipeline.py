"""One poll of one feed: fetch it, parse it, store its new articles, and decide when to poll it next."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import structlog
from structlog.contextvars import bound_contextvars

from ingest import defaults
from ingest.config import Config, FeedConfig
from ingest.feeds import FeedError
from ingest.fetch import FetchError, NotClaimed, Response, ShuttingDown, Timing
from ingest.model import FeedState, ParsedFeed
from ingest.ops.logs import describe
from ingest.ops.metrics import Metrics
from ingest.ops.workers import WorkerError
from ingest.run.articles import Outcome, store_new_entries
from ingest.run.assigner import assign_stored
from ingest.run.jobs import parse_feed_job
from ingest.run.retry import feed_retry
from ingest.run.schedule import cache_lifetime, next_delay
from ingest.run.services import Services, fetch_policy, register_feeds, services
from ingest.run.sitemaps import read_sitemap
from ingest.run.tally import Tally
from ingest.run.together import all_or_none
from ingest.run.webhooks import deliver_due, secrets_of, start_webhooks
from ingest.store import Store, StoreError
from ingest.stories.refresh import refresh_stories
from ingest.text.dates import iso, parse_datetime

log = structlog.get_logger("ingest.run.pipeline")

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


@dataclass(frozen=True, slots=True)
class PollResult:
    """How one poll of one feed went, and when the next one is due."""

    feed: FeedConfig
    ok: bool
    status: int | None = None
    error: str | None = None
    stored: int = 0
    duplicates: int = 0
    failed_entries: int = 0  # pages that failed (timeouts, server errors, extraction...): the run failed
    missing_entries: int = 0  # pages that answered 404 or 410: the feed links dead pages
    next_poll: datetime | None = None
    elsewhere: bool = False  # not polled: another daemon sharing the database holds it, or polled it


async def run_once(
    config: Config,
    store: Store,
    *,
    due_only: bool = False,
    metrics: Metrics | None = None,
    tally: Tally | None = None,
) -> list[PollResult]:
    """Poll every configured feed once, concurrently; with `due_only`, only those whose time has come.
    `tally` counts what is done as it happens, for a progress display."""
    secrets = secrets_of(config.webhooks, str(config.path))
    register_feeds(store, config, config.feeds)
    start_webhooks(store, config.webhooks)
    now = _now()
    # On a shared database, whether a feed is due is part of its claim, made as its poll starts.
    check = due_only and not store.shared
    feeds = [feed for feed in config.feeds if not check or is_due(store.feed_state(feed.url), now)]
    async with services(config, store, metrics, tally) as svc:
        svc.tally.feeds = len(feeds)
        stop = asyncio.Event()
        # Extractive records are made beside extraction. A model's summary is a request per story and
        # refresh (often a paid one): with a model configured, --once asks it once, at its end.
        refreshing = svc.summarizer is None
        refresher = asyncio.create_task(keep_stories_fresh(svc, stop)) if refreshing else None
        leases = asyncio.create_task(svc.fleet.keep_leases(stop))
        try:
            polls = (_tallied_poll(svc, feed, due_only) for feed in feeds)
            results = await all_or_none(polls)  # a refused write ends the run: the other polls stop
        finally:
            stop.set()
            await leases
            if refresher is not None:
                await refresher
        await assign_stored(svc)  # in a fleet, unless another daemon places the articles
        await refresh_story_records(svc)  # what joined since the last refresh
        await deliver_due(svc, config.webhooks, secrets)  # one round: what fails waits for the daemon
        return results


async def _tallied_poll(svc: Services, feed: FeedConfig, due_only: bool) -> PollResult:
    result = await poll_feed(svc, feed, due_only=due_only)
    svc.tally.feed_done(feed.url, ok=result.ok)
    return result


async def keep_stories_fresh(svc: Services, stop: asyncio.Event | None = None) -> None:
    """Rewrite stale story records while articles arrive, beside extraction rather than after it: a
    refresh whenever articles were stored, at most one every STORY_REFRESH_GAP seconds (a growing story
    is summarised again each time), until `stop` (for ever, without one); a refresh under way finishes."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        await _first_of(svc.stories_changed.wait(), stop.wait())
        if svc.stories_changed.is_set():
            svc.stories_changed.clear()
            await refresh_story_records(svc)
            await _first_of(asyncio.sleep(defaults.STORY_REFRESH_GAP), stop.wait())


async def _first_of(*waits: Coroutine[Any, Any, Any]) -> None:
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


async def refresh_story_records(svc: Services) -> None:
    """Bring the records of the stories that changed up to date; a failure leaves them stale, no worse.
    In a fleet, the assigner does it, beside placing the articles: no two daemons write one record."""
    try:
        if svc.fleet.shared and not svc.store.hold_assigner():
            return
        await refresh_stories(svc)
    except StoreError as exc:  # a full disk, say: the records stay stale and are refreshed next time
        log.error("stories_not_refreshed", error=str(exc))
    except Exception:  # a bug of ours in a summary must not fail the run: the articles are stored
        log.exception("stories_refresh_crashed")


def is_due(state: FeedState, now: datetime) -> bool:
    """Whether a feed's next poll time (from the database) has come; a new feed is due at once."""
    due = parse_datetime(state.next_poll)
    return due is None or due <= now


async def poll_feed(svc: Services, feed: FeedConfig, *, due_only: bool = True) -> PollResult:
    """Fetch one feed and store its new articles; every failure ends up in the result, none raises.
    On a shared database, a feed another daemon holds (or, with `due_only`, one not due) is not polled."""
    with bound_contextvars(feed=feed.name, url=feed.url):
        recorded = False
        try:
            result = await _poll(svc, feed, due_only)
            recorded = result.status is not None or not result.ok  # not when cut short by a stop
            return result
        except StoreError:
            raise  # the database refused a write: not this feed's fault, and no use trying the others
        except Exception as exc:  # a bug of ours must not take the other feeds down with it
            log.exception("feed_crashed")
            recorded = True
            return _failed(svc, feed, svc.store.feed_state(feed.url), exc, _now())
        finally:
            svc.fleet.done_with_feed(feed.url, recorded=recorded)


async def _poll(svc: Services, feed: FeedConfig, due_only: bool) -> PollResult:
    # On a shared database the feed is claimed once the host lets this daemon send its request, and the
    # claim reads its state; on a database of its own, the state is read now.
    claim = _Claim(svc, feed.url, due_only) if svc.fleet.shared else None
    state = svc.store.feed_state(feed.url) if claim is None else FeedState(feed.url)
    timing = Timing()
    try:
        try:
            response = await svc.fetcher.get(
                feed.url,
                fetch_policy(feed),
                accept=FEED_ACCEPT,
                etag=state.etag,
                last_modified=state.last_modified,
                claim=claim,
                timing=timing,
            )
        finally:
            svc.metrics.fetched("feed", timing)
        # The next poll counts from the answer, not from the start of a wait behind the host's gate, so the
        # server never sees two polls less than an interval apart.
        answered = _now()
        if claim is not None and claim.state is not None:
            state = claim.state
        parsed = None if response.status == 304 else await _parse(svc, feed, response, state)
    except ShuttingDown:
        # Not polled at all: the feed keeps its due time and is polled first thing next run.
        return PollResult(feed, ok=True, error="not polled: shutting down")
    except NotClaimed:
        return _elsewhere(svc, feed)
    except (FetchError, FeedError, WorkerError) as exc:
        state = claim.state if claim and claim.state else svc.store.feed_state(feed.url)
        return _failed(svc, feed, state, exc, _now())
    if parsed is None:
        return _succeeded(svc, feed, response, answered)
    outcomes = await store_new_entries(svc, feed, parsed.entries[: feed.max_entries])
    return _succeeded(svc, feed, response, answered, parsed, outcomes)


class _Claim:
    """The fetcher's claim hook for a feed on a shared database: the validators of the state it claimed."""

    def __init__(self, svc: Services, url: str, due: bool) -> None:
        self._claim = partial(svc.fleet.claim_feed, url, due=due)
        self.state: FeedState | None = None

    def __call__(self) -> tuple[str | None, str | None] | None:
        self.state = self._claim()
        return (self.state.etag, self.state.last_modified) if self.state else None


async def _parse(svc: Services, feed: FeedConfig, response: Response, state: FeedState) -> ParsedFeed:
    if feed.sitemap:
        return await read_sitemap(svc, feed, response, state)
    # Feed parsing is CPU work on hostile input: a worker process with a deadline, like extraction.
    return await svc.pool.run(
        parse_feed_job, response.body, response.content_type, response.url, timeout=feed.parse_timeout
    )


# -- outcomes: recorded, counted and logged once, here -------------------------------------------------


def _succeeded(
    svc: Services,
    feed: FeedConfig,
    response: Response,
    answered: datetime,
    parsed: ParsedFeed | None = None,
    outcomes: Sequence[Outcome] = (),
) -> PollResult:
    problem = parsed.problem if parsed else None
    error = f"malformed feed, entries before the fault kept: {problem}" if problem else None
    failed = outcomes.count(Outcome.FAILED)
    # What the feeds table shows of the poll: a feed whose pages fail is not a healthy feed.
    pages = f"{failed} of {len(outcomes)} new pages failed (see entry_failures)" if failed else None
    hints = [cache_lifetime(response.headers, answered), parsed.ttl if parsed else None]
    delay = next_delay(
        interval=feed.interval, cache_hint=max(filter(None, hints), default=None), jitter=random.random()
    )
    # Entries left for later (the process is stopping) are due at once, at the next start.
    next_poll = answered if Outcome.SKIPPED in outcomes else answered + timedelta(seconds=delay)
    # An entry that failed, was left for later, or that another daemon was fetching (it may fail) is tried
    # at the next poll, which a 304 would never show it to: so such a poll keeps no validators, and the
    # next one reads the feed whole.
    keep = not {Outcome.FAILED, Outcome.SKIPPED, Outcome.ELSEWHERE} & set(outcomes)
    etag, last_modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    svc.store.record_success(
        feed.url,
        status=response.status,
        at=answered,
        next_poll=next_poll,
        etag=etag if keep else None,
        last_modified=last_modified if keep else None,
        title=parsed.title if parsed else None,
        problem="; ".join(filter(None, [error, pages])) or None,
    )
    result = PollResult(
        feed,
        ok=error is None,
        status=response.status,
        error=error,
        stored=outcomes.count(Outcome.STORED),
        duplicates=outcomes.count(Outcome.DUPLICATE),
        failed_entries=failed,
        missing_entries=outcomes.count(Outcome.MISSING),
        next_poll=next_poll,
    )
    outcome = "not_modified" if parsed is None else "malformed" if error else "ok"
    svc.metrics.polls.labels(outcome).inc()
    fields = {"status": response.status, "next_poll": iso(next_poll)}
    if parsed is None:
        log.info("feed_not_modified", **fields)
        return result
    fields |= {
        "entries": len(parsed.entries),
        "stored": result.stored,
        "duplicates": result.duplicates,
        "failed": result.failed_entries,
        "missing": result.missing_entries,
    }
    if error:
        log.warning("feed_malformed", error=error, **fields)
    else:
        log.info("feed_polled", **fields)
    return result


def _elsewhere(svc: Services, feed: FeedConfig) -> PollResult:
    """Another daemon polls the feed, or polled it and set its next time: look again then, or once its
    lease ends, in case that daemon died holding it."""
    state = svc.store.feed_state(feed.url)
    times = [parse_datetime(state.next_poll), parse_datetime(state.lease_until)]
    next_poll = max(filter(None, times), default=_now() + timedelta(seconds=svc.fleet.lease))
    log.debug("feed_elsewhere", held_by=state.lease_owner, next_poll=iso(next_poll))
    return PollResult(feed, ok=True, next_poll=next_poll, elsewhere=True)


def _failed(
    svc: Services, feed: FeedConfig, state: FeedState, exc: Exception, started: datetime
) -> PollResult:
    retry = feed_retry(exc, state, feed.interval, started, jitter=random.random())
    # The feed's own URL is known to every reader of this error; a redirect hop's is news.
    error = exc.reason if isinstance(exc, FetchError) and exc.url == feed.url else describe(exc)
    if retry.gone:
        error = f"HTTP 410: the server says the feed is gone; it is still checked, next at {iso(retry.next_poll)}"
    svc.store.record_failure(
        feed.url, error=error, status=retry.status, at=started, next_poll=retry.next_poll
    )
    svc.metrics.polls.labels("gone" if retry.gone else "failed").inc()
    log.warning(
        "feed_gone" if retry.gone else "feed_failed",
        error=error,
        status=retry.status,
        failures=retry.failures,
        next_poll=iso(retry.next_poll),
    )
    return PollResult(feed, ok=False, status=retry.status, error=error, next_poll=retry.next_poll)


def _now() -> datetime:
    return datetime.now(UTC)
