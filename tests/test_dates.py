"""Dates: the one parser every adapter calls, the published-date choice, and ISO output."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ingest.text.dates import FEED, HTTP, ISO, LENIENT, DateRules, iso, parse_datetime, pick_published


def _struct(*fields: int) -> time.struct_time:
    return time.struct_time((*fields, 0, 1, 0))


# -- every adapter's dates through the one parser ---------------------------------------------------
# One row per case an adapter depends on: the rules it passes, what it reads, what it must get back.
# An edit that makes one format read another's way shows up here first.

ADAPTERS = [
    # pages' metadata and printed dates; also the store's and scheduler's own times read back
    ("page", LENIENT, "2025-06-24T10:00:00+02:00", datetime(2025, 6, 24, 8, 0, tzinfo=UTC)),
    ("page", LENIENT, "Tue, 24 Jun 2025 10:00:00 EST", datetime(2025, 6, 24, 15, 0, tzinfo=UTC)),
    ("page", LENIENT, "June 24, 2025 3:15 PM", datetime(2025, 6, 24, 15, 15, tzinfo=UTC)),  # not 03:15
    ("page", LENIENT, "2025-06-24 10:00:00", datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),  # naive: UTC
    ("page", LENIENT, "Tue, 24 Jun 2025 10:00:00 -0000", datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),
    ("page", LENIENT, "20250624", None),  # one number is not a date, when guessing
    ("page", LENIENT, "2025", None),
    ("page", LENIENT, "June 24, 2025" + " " * 60 + "3:15 PM", None),  # too long to be only a date
    ("page", LENIENT, "9999-12-31T23:59:59-01:00", None),  # past the calendar's end in UTC
    ("page", LENIENT, datetime(2025, 6, 24, 10, 0), datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),
    # JSON Feed and RSS-in-JSON
    ("json feed", FEED, "2020-01-02T03:04:05z", datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("json feed", FEED, "2021-03-05T13:04:04+02:00", datetime(2021, 3, 5, 11, 4, 4, tzinfo=UTC)),
    ("json feed", FEED, "Fri, 05 Mar 2021 13:04:04 +0200", datetime(2021, 3, 5, 11, 4, 4, tzinfo=UTC)),
    ("json feed", FEED, "2025-06-24T10:00:00", datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),  # naive: UTC
    ("json feed", FEED, "20250624", datetime(2025, 6, 24, tzinfo=UTC)),  # ISO 8601's basic form
    ("json feed", FEED, "June 24, 2025", None),  # no guessing
    ("json feed", FEED, "yesterday", None),
    ("json feed", FEED, "0001-01-01T00:00:00+01:00", None),  # before the calendar's start in UTC
    ("json feed", FEED, 20250624, None),  # JSON: not a string
    ("json feed", FEED, "   ", None),
    # RSS, RDF and Atom: feedparser's struct_time, already in UTC
    ("feedparser", FEED, _struct(2016, 12, 31, 23, 59, 60),
     datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("feedparser", FEED, _struct(2016, 13, 1, 0, 0, 0), None),
    ("feedparser", FEED, _struct(0, 1, 1, 0, 0, 0), None),
    ("feedparser", FEED, None, None),
    # Retry-After and Expires
    ("http", HTTP, "Fri, 23 May 2025 12:05:00 GMT", datetime(2025, 5, 23, 12, 5, tzinfo=UTC)),
    ("http", HTTP, "Fri, 23 May 2025 12:05:00 -0000", None),  # no zone: no time to wait for
    ("http", HTTP, "2025-05-23T12:05:00Z", None),  # not an HTTP date
    ("http", HTTP, "0", None),
    ("http", HTTP, "soon", None),
    # far in the future, in its own zone: still a wait (capped by the scheduler), not dropped
    ("http", HTTP, "Fri, 31 Dec 9999 23:00:00 -0200",
     datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-2)))),
    # the store's text, as story clustering reads it back, and --since
    ("stored", ISO, "2025-06-24T10:00:00Z", datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),
    ("stored", ISO, None, None),
    ("--since", ISO, "2999-01-01", datetime(2999, 1, 1, tzinfo=UTC)),
    ("--since", ISO, "Tue, 24 Jun 2025 10:00:00 GMT", None),
    ("--since", ISO, "yesterday-ish", None),
]  # fmt: skip


@pytest.mark.parametrize(("adapter", "rules", "value", "expected"), ADAPTERS)
def test_each_adapters_dates(
    adapter: str, rules: DateRules, value: object, expected: datetime | None
) -> None:
    parsed = parse_datetime(value, rules)
    assert parsed == expected, adapter
    if expected is not None:
        assert parsed is not None and parsed.utcoffset() == expected.utcoffset(), adapter


# -- the lenient rules, as pages need them ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-24T10:00:00Z", datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),
        ("2025-06-24T10:00:00+02:00", datetime(2025, 6, 24, 8, 0, tzinfo=UTC)),
        ("2025-06-24T22:30:00-05:00", datetime(2025, 6, 25, 3, 30, tzinfo=UTC)),
        ("2025-06-24T10:00:00.123456+00:00", datetime(2025, 6, 24, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2025-06-24", datetime(2025, 6, 24, tzinfo=UTC)),
        ("2025-06-24 10:00:00", datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),  # naive: UTC
        ("Tue, 24 Jun 2025 10:00:00 +0200", datetime(2025, 6, 24, 8, 0, tzinfo=UTC)),
        ("Tue, 24 Jun 2025 10:00:00 GMT", datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),
        ("Tue, 24 Jun 2025 10:00:00 EST", datetime(2025, 6, 24, 15, 0, tzinfo=UTC)),
        ("Jun 24, 2025", datetime(2025, 6, 24, tzinfo=UTC)),
        ("24 June 2025 3:15pm", datetime(2025, 6, 24, 15, 15, tzinfo=UTC)),
        ("06/24/2025 3:15 PM", datetime(2025, 6, 24, 15, 15, tzinfo=UTC)),
        ("  2025-06-24T10:00:00Z\n", datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),
    ],
)
def test_parse_datetime(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text", ["", "   ", "garbage", "not a date at all", "2025-13-45", "32/32/2025", "x" * 100]
)
def test_parse_datetime_garbage_is_none(text: str) -> None:
    assert parse_datetime(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("June 24, 2025 3:15 PM", datetime(2025, 6, 24, 15, 15, tzinfo=UTC)),
        ("Tuesday, June 24, 2025 10:00 PM EDT", datetime(2025, 6, 25, 2, 0, tzinfo=UTC)),
    ],
)
def test_parse_datetime_with_am_pm(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


def test_parse_datetime_accepts_datetimes() -> None:
    naive = datetime(2025, 6, 24, 10, 0)
    assert parse_datetime(naive) == datetime(2025, 6, 24, 10, 0, tzinfo=UTC)
    aware = datetime(2025, 6, 24, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert parse_datetime(aware) == datetime(2025, 6, 24, 10, 0, tzinfo=UTC)
    assert parse_datetime(None) is None


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_parse_datetime_out_of_range_is_none(text: str) -> None:
    assert parse_datetime(text) is None


def test_struct_times_are_guarded() -> None:
    assert parse_datetime(time.struct_time((2016, 12, 31, 23, 59, 60, 5, 366, 0)), FEED) == datetime(
        2016, 12, 31, 23, 59, 59, tzinfo=UTC
    )
    assert parse_datetime(time.struct_time((2016, 13, 1, 0, 0, 0, 0, 1, 0)), FEED) is None
    assert parse_datetime(time.struct_time((0, 1, 1, 0, 0, 0, 0, 1, 0)), FEED) is None
    assert parse_datetime(None, FEED) is None


# -- the published date, and ISO output ------------------------------------------------------------

NOW = datetime(2025, 6, 24, 18, 0, tzinfo=UTC)


def test_pick_published_prefers_the_page() -> None:
    feed = datetime(2025, 6, 23, 9, 0, tzinfo=UTC)
    assert pick_published("2025-06-24T10:00:00+02:00", feed, NOW) == datetime(
        2025, 6, 24, 8, 0, tzinfo=UTC
    )


def test_pick_published_falls_back_to_the_feed() -> None:
    feed = datetime(2025, 6, 23, 9, 0, tzinfo=UTC)
    assert pick_published(None, feed, NOW) == feed
    assert pick_published("no date here", feed, NOW) == feed
    assert pick_published(None, None, NOW) is None


def test_pick_published_rejects_future_dates() -> None:
    feed = datetime(2025, 6, 23, 9, 0, tzinfo=UTC)
    assert pick_published("2025-06-25T10:00:00Z", feed, NOW) == feed  # tomorrow: wrong
    assert pick_published("2025-06-24T20:00:00Z", None, NOW) is None  # 2 h ahead
    future_feed = NOW + timedelta(days=2)
    assert pick_published(None, future_feed, NOW) is None
    # a little clock skew is tolerated
    assert pick_published("2025-06-24T18:30:00Z", None, NOW) == datetime(
        2025, 6, 24, 18, 30, tzinfo=UTC
    )


def test_pick_published_rejects_dates_before_1990() -> None:
    feed = datetime(2025, 6, 23, 9, 0, tzinfo=UTC)
    assert pick_published("1970-01-01T00:00:00Z", feed, NOW) == feed
    assert pick_published("1989-12-31T23:59:59Z", None, NOW) is None
    assert pick_published("1990-01-01T00:00:00Z", None, NOW) == datetime(1990, 1, 1, tzinfo=UTC)


def test_date_only_page_and_same_day_feed_time_prefers_the_feed() -> None:
    feed = datetime(2025, 6, 24, 14, 35, tzinfo=UTC)
    assert pick_published("2025-06-24", feed, NOW) == feed
    # another day: the page's date stands, at midnight
    other_day = datetime(2025, 6, 22, 14, 35, tzinfo=UTC)
    assert pick_published("2025-06-24", other_day, NOW) == datetime(2025, 6, 24, tzinfo=UTC)
    # the page has a time of its own: it stands
    assert pick_published("2025-06-24T06:00:00Z", feed, NOW) == datetime(
        2025, 6, 24, 6, 0, tzinfo=UTC
    )


def test_iso() -> None:
    assert iso(datetime(2025, 6, 24, 10, 0, 5, 999, tzinfo=UTC)) == "2025-06-24T10:00:05Z"
    assert iso(datetime(2025, 6, 24, 12, 0, tzinfo=timezone(timedelta(hours=2)))) == (
        "2025-06-24T10:00:00Z"
    )
    assert iso(None) is None
