"""The long-lived resources every poll shares: database, HTTP client, worker pool, metrics."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import structlog
from yarl import URL

from ingest import defaults
from ingest.config import Config, FeedConfig, curing_settings, settings_changed
from ingest.fetch import Fetcher, FetchPolicy, Robots
from ingest.model import Article, PageOptions
from ingest.ops.logs import quiet_libraries
from ingest.ops.metrics import Metrics
from ingest.ops.workers import WorkerPool
from ingest.run.fleet import Fleet
from ingest.run.tally import Tally
from ingest.store import Store
from ingest.stories.summarizer import Summarizer
from ingest.text.dates import iso
from ingest.text.language import check_room

if TYPE_CHECKING:
    from ingest.dedupe.assign import Deduper, Placement

log = structlog.get_logger("ingest.run.services")


@dataclass(frozen=True, slots=True)
class Services:
    """What one run (or one daemon lifetime) opens once and every poll uses."""

    store: Store
    fetcher: Fetcher
    pool: WorkerPool
    deduper: DeduperLoader  # `await svc.deduper()`: the near-duplicate index and story clusterer
    pages: asyncio.Semaphore  # pages fetched and not yet extracted (defaults.PAGES_PER_WORKER a worker)
    metrics: Metrics = field(default_factory=Metrics)
    # Entry URLs being processed now: two feeds listing one article fetch it once.
    in_flight: set[str] = field(default_factory=set)
    summarizer: Summarizer | None = None  # the configured model for story summaries, if any
    stories_changed: asyncio.Event = field(default_factory=asyncio.Event)  # set when an article is placed
    fleet: Fleet = None  # type: ignore[assignment]  # this daemon's claims; by default, on a store of its own
    tally: Tally = field(default_factory=Tally)  # what this run has done so far, for a progress display
    # Each site's robots.txt, asked before an article's page; None (a Services built by hand) asks none.
    robots: Robots | None = None
    keep_html: bool = False  # keep each fetched page, compressed, for `ingest reextract`

    def __post_init__(self) -> None:
        if self.fleet is None:
            object.__setattr__(self, "fleet", Fleet(self.store, self.metrics))


class DeduperLoader:
    """The deduper, rebuilt from the store when the first article needs placing: a poll that stores
    nothing (every feed unchanged) never pays for its libraries and the replay."""

    def __init__(
        self,
        store: Store,
        deduper: Deduper | None = None,
        *,
        opted_out: frozenset[str] = frozenset(),
        changed: asyncio.Event | None = None,
    ) -> None:
        self._store = store
        self._deduper = deduper
        self._changed = changed  # set when others moved articles: the story records they left are stale
        self.opted_out = opted_out  # feeds whose articles are never marked copies (`near_duplicates: false`)
        self._lock = asyncio.Lock()
        self._counter: int | None = None  # the store's placements counter when the deduper was loaded

    @property
    def loaded(self) -> bool:
        return self._deduper is not None

    def forget(self) -> None:
        """Drop the index; the next call rebuilds it from the store (which others may have written)."""
        self._deduper = None

    async def __call__(self) -> Deduper:
        counter = self._store.placements_counter()
        if self._deduper is not None and self._counter not in (None, counter):
            # Another process (`ingest reextract`, a correction) placed stored articles: this index is out
            # of date.
            log.info("deduper_outdated", placements_counter=counter)
            self._deduper = None
            if self._changed is not None:
                self._changed.set()
        if self._deduper is None:
            async with self._lock:
                if self._deduper is None:
                    self._deduper = await load_deduper(self._store, self.opted_out)
        self._counter = counter
        return self._deduper


@asynccontextmanager
async def services(
    config: Config, store: Store, metrics: Metrics | None = None, tally: Tally | None = None
) -> AsyncIterator[Services]:
    """Open the HTTP session and the worker pool; close both on the way out. Nothing heavy is loaded
    here: workers start with the first feed to parse, the deduper with the first article to place."""
    metrics = metrics or Metrics()
    fleet = Fleet(store, metrics, lease=config.lease)
    fetcher = Fetcher(
        user_agent=config.user_agent,
        trusted_hosts=feed_hosts(config.feeds),
        max_connections=config.max_connections,
        max_per_host=config.max_per_host,
        min_host_gap=config.min_host_gap,
        host_clock=fleet.reserve_host if fleet.shared else None,  # the gap holds for the whole fleet
    )
    check_room()  # the workers unpack the language model; a full disk stops the run here, in one line
    workers = config.workers or defaults.workers()
    # The fork server imports the extraction libraries and loads the language model once (preload.py);
    # every worker shares those pages.
    pool = WorkerPool(size=workers, preload=["ingest.run.preload"], initializer=quiet_libraries)
    pages = asyncio.Semaphore(workers * defaults.PAGES_PER_WORKER)
    model = Summarizer(config.summarizer) if config.summarizer else nullcontext()
    changed = asyncio.Event()
    deduper = DeduperLoader(store, opted_out=opted_out(config), changed=changed)
    # A database from before stories: place its articles now, once (in a fleet, the assigner does).
    if not fleet.shared and store.unplaced_articles():
        await deduper()
    async with fetcher, pool, model as summarizer:
        yield Services(
            store, fetcher, pool, deduper, pages, metrics,
            summarizer=summarizer, fleet=fleet, tally=tally or Tally(), robots=Robots(fetcher),
            keep_html=config.keep_html > 0, stories_changed=changed,
        )  # fmt: skip


async def load_deduper(store: Store, opted_out: frozenset[str] = frozenset()) -> Deduper:
    """The deduper as the store left it, bound by the overrides people made: rows read here, the index
    and vectors built off the loop; then any article stored before stories existed is placed, in order of
    publication (those of `opted_out` feeds never marked copies)."""
    from ingest.dedupe.assign import REPLAY_DAYS, Deduper  # numpy, scipy, datasketch: once there is work

    started = time.perf_counter()
    # The connection belongs to this thread; only the CPU-heavy rebuild moves to another.
    fingerprints = list(store.fingerprints())
    recent = store.recent_articles(REPLAY_DAYS, datetime.now(UTC))
    deduper = await asyncio.to_thread(Deduper.rebuild, fingerprints, recent, store.overrides())
    # A fleet's articles as they were stored, so that the placing daemon's order is the fleet's.
    placed = place_unplaced(store, deduper, stored_order=store.shared, opted_out=opted_out)
    log.info(
        "deduper_loaded",
        fingerprints=len(fingerprints),
        replayed=len(recent),
        placed=placed,
        seconds=round(time.perf_counter() - started, 3),
    )
    return deduper


def place_unplaced(
    store: Store, deduper: Deduper, *, stored_order: bool = False, opted_out: frozenset[str] = frozenset()
) -> int:
    """Give the articles stored without a story their original and story, as if each had just been
    stored: those of a database older than stories in order of publication, those a fleet stored (with
    `stored_order`) in the order they were stored. How many there were."""
    articles = store.unplaced_articles(stored_order=stored_order)
    placements = place_in_order(articles, deduper, store.same_text, opted_out)
    store.place(placements)
    return len(placements)


def place_in_order(
    articles: Iterable[Article],
    deduper: Deduper,
    same_text: Callable[[str], tuple[str, str | None] | None],
    opted_out: frozenset[str] = frozenset(),
) -> list[tuple[Article, Placement]]:
    """Place the articles one after the other, as the pipeline places each as it stores it: an exact copy
    of an article placed before (by `same_text`, the store's lookup, or earlier in this list) follows its
    original without a sketch; an article of an `opted_out` feed is never marked a copy."""
    by_hash: dict[str, tuple[str, str]] = {}  # exact copies among them, which the store cannot see yet
    placements = []
    for article in articles:
        same = by_hash.get(article.content_hash)
        if same is None:
            stored = same_text(article.content_hash)
            # The first article stored with this text, if it was placed: not this one, nor one after it.
            same = stored if stored and stored[0] != article.id and stored[1] is not None else None
        placed = deduper.place(article, same, near_duplicates=article.feed not in opted_out)
        by_hash.setdefault(article.content_hash, (placed.duplicate_of or article.id, placed.story_id))
        placements.append((article, placed))
    return placements


def register_feeds(store: Store, config: Config, feeds: Iterable[FeedConfig]) -> list[str]:
    """Give every configured feed its row, and forget the failures that a change of its settings may
    cure (config.curing_settings), at every start and reload: the feeds whose failures were forgotten,
    due at once."""
    feeds = list(feeds)
    store.sync_feeds((feed.url, feed.name) for feed in feeds)
    settings = {feed.url: curing_settings(feed) for feed in feeds}
    names = {feed.url: feed.name for feed in feeds}
    changes = store.update_settings(settings)
    for change in changes:
        log.info(
            "failures_forgotten",
            feed=names[change.url],
            url=change.url,
            because="settings changed",
            settings=settings_changed(change.before, settings[change.url]),
            pages=change.pages,
        )
    forget_old_pages(store, config)
    return [change.url for change in changes]


def opted_out(config: Config) -> frozenset[str]:
    """The feeds whose articles are never marked near-duplicates (`near_duplicates: false`)."""
    return frozenset(feed.url for feed in config.feeds if not feed.near_duplicates)


def forget_old_pages(store: Store, config: Config) -> int:
    """Forget the kept pages older than `keep_html` says (every one, if pages are not kept)."""
    if math.isinf(config.keep_html):
        return 0
    forgotten = store.prune_pages(iso(datetime.now(UTC) - timedelta(seconds=config.keep_html)))
    if forgotten:
        log.info("pages_forgotten", pages=forgotten, keep_html=config.keep_html)
    return forgotten


def feed_hosts(feeds: Iterable[FeedConfig]) -> set[str]:
    """The hosts named in feeds.yaml: the address guard trusts them."""
    return {URL(feed.url).host or "" for feed in feeds}


def page_options(feed: FeedConfig, url: str | None, content_type: str | None) -> PageOptions:
    """How the feed's settings say to read a page fetched from `url`: for the pipeline, and for
    `reextract` reading a kept page with the settings as they are now."""
    return PageOptions(
        url=url, content_type=content_type, remove=feed.remove, body=feed.body, max_elements=feed.max_elements
    )


def fetch_policy(feed: FeedConfig) -> FetchPolicy:
    """The request limits a feed's configuration sets, for the feed and its articles alike: every
    field of FetchPolicy is a feed setting of the same name."""
    return FetchPolicy(**{field.name: getattr(feed, field.name) for field in dataclasses.fields(FetchPolicy)})
