"""The long-running service: polls each feed when the database says it is due, reloads feeds.yaml on
SIGHUP, drains and stops on SIGTERM or SIGINT, and keeps systemd informed."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import signal
from datetime import UTC, datetime, timedelta

import structlog
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from ingest.config import Config, ConfigError, FeedConfig, load_config, require_feeds
from ingest.ops.api import api_token, read_api
from ingest.ops.metrics import Metrics
from ingest.ops.monitor import start_monitor
from ingest.ops.notify import Notifier
from ingest.run.assigner import keep_assigning
from ingest.run.pipeline import PollResult, is_due, keep_stories_fresh, poll_feed
from ingest.run.services import Services, feed_hosts, opted_out, register_feeds, services
from ingest.run.webhooks import keep_delivering, secrets_of, start_webhooks
from ingest.store import FeedState, Store, StoreError
from ingest.text.dates import iso, parse_datetime

log = structlog.get_logger("ingest.run.daemon")

# Settings a reload cannot change under a running process; they wait for a restart.
RESTART_ONLY = (
    "database", "max_connections", "max_per_host", "user_agent", "min_host_gap", "listen", "summarizer",
    "workers", "webhooks", "api_token_env",
)
# Feeds due at start-up are spread out rather than polled at once: half a second per due feed,
# at most a minute, and at most a tenth of the feed's interval.
SPREAD_PER_FEED_S = 0.5
SPREAD_CAP_S = 60.0
SPREAD_OF_INTERVAL = 0.10


class Daemon:
    """Owns the schedule, the in-flight polls and the process's answers to signals."""

    def __init__(self, config: Config, store: Store, *, notifier: Notifier | None = None) -> None:
        self._config = config
        self._store = store
        self._notifier = notifier or Notifier()
        self._metrics = Metrics()
        self._feeds = {feed.url: feed for feed in config.feeds}
        self._polls: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()  # feeds to poll again as soon as the poll under way ends
        self._failing: set[str] = set()
        self._failing_pages: set[str] = set()  # feeds whose last poll had pages that failed
        self._stored = 0
        self._stop = asyncio.Event()
        self._svc: Services | None = None
        self._scheduler: AsyncIOScheduler | None = None

    async def run(self) -> int:
        """Run until SIGTERM or SIGINT; 0 after a clean stop."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        secrets = secrets_of(self._config.webhooks, str(self._config.path))  # a missing one stops us here
        token = api_token(self._config)  # so does a missing token, or none on a public address
        register_feeds(self._store, self._config, self._feeds.values())
        start_webhooks(self._store, self._config.webhooks)
        async with services(self._config, self._store, self._metrics) as svc:
            self._svc = svc
            monitor = None
            if self._config.listen:
                host, port = self._config.listen
                api = read_api(self._store, lambda: self._config.feeds, token)
                monitor = await start_monitor(host, port, self._metrics, self._store.answers, api)
            self._scheduler = AsyncIOScheduler(timezone=UTC, event_loop=loop)
            self._scheduler.start()
            now = datetime.now(UTC)
            states = {url: self._store.feed_state(url) for url in self._feeds}
            due = sum(is_due(state, now) for state in states.values())
            for feed in self._feeds.values():
                self._schedule_by(feed, states[feed.url], spread=min(due * SPREAD_PER_FEED_S, SPREAD_CAP_S))
            watchdog = asyncio.create_task(self._notifier.keep_watchdog_fed())
            svc.stories_changed.set()  # records a previous run left stale
            summaries = asyncio.create_task(keep_stories_fresh(svc))
            # Sharing the database with other daemons: renew this one's claims, and place articles
            # while it holds the assigner's role (both idle on a database of its own).
            drained = asyncio.Event()  # claims are renewed while the polls under way drain
            leases = asyncio.create_task(svc.fleet.keep_leases(drained))
            assigning = asyncio.create_task(keep_assigning(svc, self._stop))
            delivering = asyncio.create_task(keep_delivering(svc, self._config.webhooks, secrets, self._stop))
            self._update_gauges()
            self._notifier.send("READY=1", "STATUS=" + self._status())
            log.info("daemon_started", feeds=len(self._feeds), listen=self._config.listen)
            await self._stop.wait()
            self._notifier.send("STOPPING=1", "STATUS=stopping")
            log.info("daemon_stopping", in_flight=len(self._polls), grace=self._config.shutdown_grace)
            # Shutting the scheduler down cancels the jobs it has handed to the loop and not yet run, and
            # logs each as an error: pause it, and let those (a few lines each) run first.
            self._scheduler.pause()
            await asyncio.sleep(0)
            self._scheduler.shutdown(wait=False)
            svc.fetcher.refuse_new_requests()
            await self._drain()
            drained.set()
            await asyncio.gather(leases, assigning, delivering)
            summaries.cancel()  # a story left stale is refreshed by the next run
            watchdog.cancel()
            if monitor is not None:
                await monitor.cleanup()
        log.info("daemon_stopped", articles_stored=self._stored)
        return 0

    # -- signals ----------------------------------------------------------------------------------

    def stop(self) -> None:
        """First signal: stop scheduling and drain. A second one: cancel what is still running."""
        if self._stop.is_set():
            log.warning("stop_forced", cancelled=len(self._polls))
            for task in self._polls.values():
                task.cancel()
        self._stop.set()

    def reload(self) -> None:
        """Re-read feeds.yaml: add, remove and change feeds; on any error keep what runs."""
        try:
            config = load_config(self._config.path)
            require_feeds(config)
        except ConfigError as exc:
            log.error("reload_failed", file=str(self._config.path), error=str(exc))
            return
        kept = [name for name in RESTART_ONLY if getattr(config, name) != getattr(self._config, name)]
        if kept:
            log.warning("reload_needs_restart", settings=kept)
        self._config = dataclasses.replace(config, **{name: getattr(self._config, name) for name in kept})
        old, self._feeds = self._feeds, {feed.url: feed for feed in config.feeds}
        cured: list[str] = []
        try:
            cured = register_feeds(self._store, self._config, self._feeds.values())
        except StoreError as exc:  # the new feeds still run; their state is written once the database takes it
            log.error("store_failed", error=str(exc))
        if self._svc is not None:
            self._svc.fetcher.trust(feed_hosts(self._feeds.values()))
            self._svc.deduper.opted_out = opted_out(self._config)
        for url in old.keys() - self._feeds.keys():
            self._unschedule(url)
            self._failing.discard(url)
        for url in self._feeds.keys() - old.keys():
            feed = self._feeds[url]
            self._schedule_by(feed, self._store.feed_state(url))
        changed = [url for url in old.keys() & self._feeds.keys() if old[url] != self._feeds[url]]
        for url in changed:
            self._bring_forward(self._feeds[url])
        for url in cured:  # its failures forgotten: try the cure now, not after a backoff
            if url in self._polls:
                self._again.add(url)
            else:
                self._schedule(url, datetime.now(UTC))
        self._update_gauges()
        self._notifier.status(self._status())
        log.info(
            "reloaded",
            added=len(self._feeds.keys() - old.keys()),
            removed=len(old.keys() - self._feeds.keys()),
            changed=len(changed),
        )

    # -- the schedule -------------------------------------------------------------------------------

    def _schedule(self, url: str, when: datetime) -> None:
        if self._scheduler is None or self._stop.is_set():
            return
        self._scheduler.add_job(
            self._due,
            "date",
            run_date=when,
            args=[url],
            id=url,
            replace_existing=True,
            misfire_grace_time=None,  # a late wake-up (a suspended machine) still polls, once
            coalesce=True,
        )

    def _unschedule(self, url: str) -> None:
        if self._scheduler is None:
            return
        try:
            self._scheduler.remove_job(url)
        except JobLookupError:
            pass  # polling right now: it will not be rescheduled

    def _schedule_by(self, feed: FeedConfig, state: FeedState, spread: float = 0.0) -> None:
        """At the time the database holds; an overdue or new feed within `spread` seconds from now."""
        now = datetime.now(UTC)
        if is_due(state, now):
            window = min(spread, feed.interval * SPREAD_OF_INTERVAL)
            self._schedule(feed.url, now + timedelta(seconds=random.uniform(0, window)))
        else:
            self._schedule(feed.url, parse_datetime(state.next_poll) or now)

    def _bring_forward(self, feed: FeedConfig) -> None:
        """A changed feed whose new interval ends before its scheduled poll is polled then instead."""
        job = self._scheduler.get_job(feed.url) if self._scheduler else None
        sooner = datetime.now(UTC) + timedelta(seconds=feed.interval)
        if job is not None and job.next_run_time is not None and sooner < job.next_run_time:
            self._schedule(feed.url, sooner)

    async def _due(self, url: str) -> None:
        """The scheduler's job: start the feed's poll as a task of ours, so a stop can drain it."""
        feed = self._feeds.get(url)
        if feed is None or url in self._polls or self._stop.is_set():
            return  # removed, already polling (never twice at once), or stopping
        self._polls[url] = asyncio.create_task(self._poll(feed), name=f"poll {url}")

    async def _poll(self, feed: FeedConfig) -> None:
        assert self._svc is not None
        try:
            result = await poll_feed(self._svc, feed)
        except StoreError as exc:
            result = self._unwritten(feed, exc)
        finally:
            self._polls.pop(feed.url, None)
        self._after(result)

    def _unwritten(self, feed: FeedConfig, exc: StoreError) -> PollResult:
        """A poll whose writes the database refused (a full disk, say): logged, and tried again after the
        feed's interval, since space may come back; what was not stored is fetched again then."""
        retry = datetime.now(UTC) + timedelta(seconds=feed.interval)
        log.error("store_failed", feed=feed.name, url=feed.url, error=str(exc), retry_at=iso(retry))
        return PollResult(feed, ok=False, error=str(exc), next_poll=retry)

    def _after(self, result: PollResult) -> None:
        url = result.feed.url
        self._stored += result.stored
        if result.ok:
            self._failing.discard(url)
        else:
            self._failing.add(url)
        if result.failed_entries:
            self._failing_pages.add(url)
        elif result.status is not None:  # polled, and no page failed
            self._failing_pages.discard(url)
        if url in self._feeds and url in self._again:
            self._again.discard(url)
            self._schedule(url, datetime.now(UTC))
        elif url in self._feeds and result.next_poll is not None:
            self._schedule(url, result.next_poll)
        self._update_gauges()
        self._notifier.status(self._status())

    async def _drain(self) -> None:
        """Let in-flight polls finish within the grace period, then cancel the rest."""
        tasks = list(self._polls.values())
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=self._config.shutdown_grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if pending:
            feeds = sorted(task.get_name().removeprefix("poll ") for task in pending)
            log.warning("polls_cancelled", count=len(pending), feeds=feeds)

    # -- reporting ---------------------------------------------------------------------------------

    def _update_gauges(self) -> None:
        self._metrics.feeds.set(len(self._feeds))
        self._metrics.failing_feeds.set(len(self._failing))
        self._metrics.feeds_failing_pages.set(len(self._failing_pages & self._feeds.keys()))

    def _status(self) -> str:
        next_job = min(
            (job.next_run_time for job in self._scheduler.get_jobs() if job.next_run_time),
            default=None,
        ) if self._scheduler else None
        return (
            f"{len(self._feeds)} feeds, {len(self._failing)} failing, {len(self._polls)} polling; "
            f"{self._stored} articles stored since start; next poll {iso(next_job) or 'none'}"
        )
