"""What the daemon counts, in a registry of its own, for `/metrics` in the Prometheus text format."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from ingest.fetch import Timing


# Network time of one request and CPU time of one extraction, from milliseconds to the limits; a claim,
# one round trip to the shared database, from half a millisecond.
_FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30)
# Queueing for a host with a gap of seconds behind many others' pages: up to minutes.
_QUEUE_BUCKETS = (0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_CLAIM_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1)
_EXTRACT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """The counters, gauges and histograms of one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter(
            "ingest_polls", "Feed polls by outcome.", ["outcome"], registry=self.registry
        )
        self.articles_stored = Counter(
            "ingest_articles_stored", "Articles stored.", registry=self.registry
        )
        self.webhook_deliveries = Counter(
            "ingest_webhook_deliveries",
            "Webhook deliveries by outcome: delivered, failed (tried again later), dropped (given up on).",
            ["outcome"],
            registry=self.registry,
        )
        self.webhooks_failing = Gauge(
            "ingest_webhooks_failing", "Webhooks whose last delivery failed.", registry=self.registry
        )
        self.articles_failed = Counter(
            "ingest_articles_failed", "Articles that could not be fetched or extracted.", registry=self.registry
        )
        self.pages_disallowed = Counter(
            "ingest_pages_disallowed",
            "Article pages not requested because their site's robots.txt disallows them (also failed).",
            registry=self.registry,
        )
        self.fetch_seconds = Histogram(
            "ingest_fetch_duration_seconds",
            "Time a feed's or a page's requests took, redirects and body included, queueing not.",
            ["kind"],
            buckets=_FETCH_BUCKETS,
            registry=self.registry,
        )
        self.fetch_queue_seconds = Histogram(
            "ingest_fetch_queue_seconds",
            "Time a feed or a page waited for a connection, its host's share and gap, and a worker's slot.",
            ["kind"],
            buckets=_QUEUE_BUCKETS,
            registry=self.registry,
        )
        self.extract_seconds = Histogram(
            "ingest_extraction_duration_seconds",
            "Time to extract one article in a worker process.",
            buckets=_EXTRACT_BUCKETS,
            registry=self.registry,
        )
        self.feeds = Gauge("ingest_feeds", "Feeds configured.", registry=self.registry)
        self.failing_feeds = Gauge(
            "ingest_failing_feeds", "Feeds whose last poll failed.", registry=self.registry
        )
        self.feeds_failing_pages = Gauge(
            "ingest_feeds_with_failed_pages",
            "Feeds whose last poll had pages that failed (404 and 410 aside).",
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "ingest_queue_depth", "Articles waiting for or in fetch and extraction.", registry=self.registry
        )

        # Daemons sharing a database: what this one holds, and what a claim costs it.
        self.leases_held = Gauge(
            "ingest_leases_held", "Feeds and entries this daemon holds a lease on.", ["kind"],
            registry=self.registry,
        )
        self.claim_seconds = Histogram(
            "ingest_claim_duration_seconds",
            "Time to claim a feed, an entry or a host's next start in the shared database.",
            buckets=_CLAIM_BUCKETS,
            registry=self.registry,
        )

    def fetched(self, kind: str, timing: Timing) -> None:
        """Observe where one fetch's time went (kind: "feed" or "page")."""
        self.fetch_seconds.labels(kind).observe(timing.requesting)
        self.fetch_queue_seconds.labels(kind).observe(timing.queued)

    @contextmanager
    def timed(self, histogram: Histogram) -> Iterator[None]:
        """Observe the duration of the block, whether it succeeds or fails."""
        started = time.perf_counter()
        try:
            yield
        finally:
            histogram.observe(time.perf_counter() - started)

    def render(self) -> bytes:
        return generate_latest(self.registry)
