"""The long-lived resources every poll shares: database, HTTP client, worker pool, metrics."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from yarl import URL

from ingest.config import Config, FeedConfig
from ingest.dedupe.assign import REPLAY_DAYS, Deduper
from ingest.fetch import Fetcher, FetchPolicy
from ingest.ops.logs import quiet_libraries
from ingest.ops.metrics import Metrics
from ingest.ops.workers import WorkerPool
from ingest.store import Store
from ingest.stories.summarizer import Summarizer
from ingest.text.language import load_model

log = structlog.get_logger("ingest.run.services")


@dataclass(frozen=True, slots=True)
class Services:
    """What one run (or one daemon lifetime) opens once and every poll uses."""

    store: Store
    fetcher: Fetcher
    pool: WorkerPool
    deduper: Deduper  # the near-duplicate index and story clusterer, rebuilt from the store at start
    metrics: Metrics = field(default_factory=Metrics)
    # Entry URLs being processed now: two feeds listing one article fetch it once.
    in_flight: set[str] = field(default_factory=set)
    summarizer: Summarizer | None = None  # the configured model for story summaries, if any


@asynccontextmanager
async def services(config: Config, store: Store, metrics: Metrics | None = None) -> AsyncIterator[Services]:
    """Open the HTTP session and the worker pool; close both on the way out."""
    fetcher = Fetcher(
        user_agent=config.user_agent,
        trusted_hosts=feed_hosts(config.feeds),
        max_connections=config.max_connections,
        max_per_host=config.max_per_host,
        min_host_gap=config.min_host_gap,
    )
    pool = WorkerPool(
        size=os.cpu_count() or 2,
        preload=[
            "ingest.extract.article", "ingest.feeds", "ingest.dedupe.shingles", "ingest.stories.summary"
        ],
        initializer=quiet_libraries,
    )
    # Records are built on the event loop; loading the language model there would stall it for a second.
    await asyncio.to_thread(load_model)
    deduper = await load_deduper(store)
    model = Summarizer(config.summarizer) if config.summarizer else nullcontext()
    async with fetcher, pool, model as summarizer:
        yield Services(store, fetcher, pool, deduper, metrics or Metrics(), summarizer=summarizer)


async def load_deduper(store: Store) -> Deduper:
    """The deduper as the store left it: rows read here, the index and vectors built off the loop; then
    any article stored before stories existed is placed, in order of publication."""
    started = time.perf_counter()
    # The connection belongs to this thread; only the CPU-heavy rebuild moves to another.
    fingerprints = list(store.fingerprints())
    recent = store.recent_articles(REPLAY_DAYS, datetime.now(UTC))
    deduper = await asyncio.to_thread(Deduper.rebuild, fingerprints, recent)
    placed = place_unplaced(store, deduper)
    log.info(
        "deduper_loaded",
        fingerprints=len(fingerprints),
        replayed=len(recent),
        placed=placed,
        seconds=round(time.perf_counter() - started, 3),
    )
    return deduper


def place_unplaced(store: Store, deduper: Deduper) -> int:
    """Give the articles of a database older than stories their original and story, as if each had
    just been stored in order of publication; return how many there were (none, past the first run)."""
    articles = store.unplaced_articles()
    by_hash: dict[str, tuple[str, str]] = {}  # exact copies among them, which the store cannot see yet
    placements = []
    for article in articles:
        placed = deduper.place(article, by_hash.get(article.content_hash))
        by_hash.setdefault(article.content_hash, (placed.duplicate_of or article.id, placed.story_id))
        placements.append((article, placed))
    store.place(placements)
    return len(placements)


def feed_hosts(feeds: Iterable[FeedConfig]) -> set[str]:
    """The hosts named in feeds.yaml: the address guard trusts them."""
    return {URL(feed.url).host or "" for feed in feeds}


def fetch_policy(feed: FeedConfig) -> FetchPolicy:
    """The request limits a feed's configuration sets, for the feed and its articles alike: every
    field of FetchPolicy is a feed setting of the same name."""
    return FetchPolicy(**{field.name: getattr(feed, field.name) for field in dataclasses.fields(FetchPolicy)})
