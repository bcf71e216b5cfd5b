"""When a feed is polled next: backoff, Retry-After, cache hints and jitter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from ingest.feeds.common import ttl_seconds
from ingest.run.schedule import (
    MAX_BACKOFF,
    MAX_CACHE_HINT,
    cache_lifetime,
    next_delay,
    retry_after_seconds,
)

NOW = datetime(2025, 5, 23, 12, 0, tzinfo=UTC)


def test_a_healthy_feed_waits_its_interval_plus_at_most_ten_percent() -> None:
    assert next_delay(interval=1800) == 1800
    assert next_delay(interval=1800, jitter=0.999) == pytest.approx(1800 * 1.0999)


@pytest.mark.parametrize(("failures", "wait"), [(1, 120), (2, 240), (3, 480), (10, 60 * 1024)])
def test_failures_back_off_exponentially(failures: int, wait: float) -> None:
    assert next_delay(interval=60, failures=failures) == wait


def test_backoff_is_capped_at_a_day_and_never_given_up() -> None:
    assert next_delay(interval=1800, failures=12) == MAX_BACKOFF
    assert next_delay(interval=1800, failures=10_000) == MAX_BACKOFF  # no overflow, still a finite wait


def test_backoff_never_shortens_an_interval_longer_than_the_cap() -> None:
    assert next_delay(interval=2 * 86400, failures=3) == 2 * 86400


def test_retry_after_is_honoured_when_longer_than_the_backoff() -> None:
    assert next_delay(interval=60, failures=1, retry_after=600) == 600
    assert next_delay(interval=60, failures=3, retry_after=10) == 480  # the backoff is longer
    assert next_delay(interval=60, failures=1, retry_after=10 * 86400) == MAX_BACKOFF


def test_cache_hints_lengthen_but_never_shorten_the_wait() -> None:
    assert next_delay(interval=600, cache_hint=3600) == 3600
    assert next_delay(interval=600, cache_hint=60) == 600
    assert next_delay(interval=600, cache_hint=30 * 86400) == MAX_CACHE_HINT
    assert next_delay(interval=600, failures=1, cache_hint=3600) == 1200  # a failure is not fresh


def test_retry_after_in_seconds_and_as_a_date() -> None:
    assert retry_after_seconds("120", NOW) == 120
    assert retry_after_seconds(format_datetime(NOW + timedelta(minutes=5), usegmt=True), NOW) == 300
    assert retry_after_seconds(format_datetime(NOW - timedelta(minutes=5), usegmt=True), NOW) is None
    assert retry_after_seconds("soon", NOW) is None
    assert retry_after_seconds(None, NOW) is None


def test_cache_lifetime_from_max_age_then_expires() -> None:
    assert cache_lifetime({"Cache-Control": "public, max-age=900"}, NOW) == 900
    assert cache_lifetime({"Cache-Control": "max-age=900, no-cache"}, NOW) is None
    expires = format_datetime(NOW + timedelta(hours=1), usegmt=True)
    assert cache_lifetime({"Expires": expires}, NOW) == 3600
    assert cache_lifetime({"Cache-Control": "max-age=60", "Expires": expires}, NOW) == 60
    assert cache_lifetime({"Expires": "0"}, NOW) is None
    assert cache_lifetime({}, NOW) is None


@pytest.mark.parametrize(("value", "seconds"), [("60", 3600), (" 15 ", 900), ("0", None), ("x", None), (None, None)])
def test_rss_ttl_in_minutes(value: object, seconds: float | None) -> None:
    assert ttl_seconds(value) == seconds
