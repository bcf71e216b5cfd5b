"""Dates: the one parser every format's adapter calls, the choice of a published date, and ISO output.

As in Miniflux's reader/date package, every adapter hands its value to `parse_datetime`: page
metadata, feedparser's RSS/Atom dates, JSON Feed, HTTP's Retry-After and Expires, the store's own
text and `--since`. What differs between them is said once, as the `DateRules` each passes, so a
form read one way in one place is read that way everywhere.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import dateutil.parser

# Month and weekday names as pages print them, as regex alternatives; bylines end where they start.
MONTH_NAMES = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|janvier|février|fevrier|mars|avril|mai|juin|"
    "juillet|août|aout|septembre|octobre|novembre|décembre|januar|februar|märz|juni|juli|oktober|"
    "dezember|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
    "diciembre|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|dezembro"
)
WEEKDAY_NAMES = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
# A date as pages print it: "Dec. 12, 2025", "12th December 2025", "2025-12-12".
WRITTEN_DATE = re.compile(
    rf"\b(?:(?:{MONTH_NAMES})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:{MONTH_NAMES})\.?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.IGNORECASE,
)

# Published dates before this are metadata errors, not news.
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# Clocks and time zones disagree a little; beyond this a date in the future is wrong.
_CLOCK_SKEW = timedelta(hours=1)

# RFC 822/2822 dates, as RSS writes them: "Fri, 23 May 2025 05:30:00 GMT".
_RFC2822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
# Zone names dateutil does not know; pages write them (US zones are the common case).
_ZONES = {
    name: hours * 3600
    for name, hours in {
        "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
        "PST": -8, "PDT": -7, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "IST": 5.5, "JST": 9, "KST": 9,
        "AEST": 10, "AEDT": 11,
    }.items()
}  # fmt: skip
_MAX_GUESSED_CHARS = 64  # longer text is a sentence with a date in it, not a date


@dataclass(frozen=True, slots=True)
class DateRules:
    """What one source of dates may write, and what a reader of it wants back."""

    iso: bool = True  # ISO 8601 / RFC 3339, "T" and "Z" in either case
    rfc822: bool = True  # RFC 822/2822, as RSS, HTTP and some JSON feeds write dates
    # Any way people write dates ("Jun 24, 2025 3:15 PM EDT"), through dateutil: from text that names
    # at least two numbers and is short enough to be a date rather than a sentence.
    guess: bool = False
    naive_is_utc: bool = True  # a time without a zone is UTC; else it is no date at all
    # The result in UTC (None where that falls off the calendar, at year 1 or 9999); else in the
    # zone as written, for a caller that only subtracts it from now.
    in_utc: bool = True


# Pages and people, and the feeds', store's and scheduler's times read back.
LENIENT = DateRules(guess=True)
# JSON Feed's RFC 3339, or the RFC 822 that RSS-in-JSON and some JSON feeds write; also the rules for
# feedparser's struct_time, which is UTC already.
FEED = DateRules()
# Retry-After and Expires: HTTP dates (RFC 9110) name their zone; a far-future one still counts.
HTTP = DateRules(iso=False, naive_is_utc=False, in_utc=False)
# What iso() writes, as the store keeps it and --since takes it.
ISO = DateRules(rfc822=False)


def parse_datetime(value: object, rules: DateRules = LENIENT) -> datetime | None:
    """A date as an aware datetime (in UTC unless `rules.in_utc` is off), or None if `value` is not one
    by `rules`. Takes text, a datetime, or a struct_time in UTC as feedparser makes them."""
    if isinstance(value, datetime):
        parsed: datetime | None = value
    elif isinstance(value, time.struct_time):
        parsed = _from_struct(value)
    elif isinstance(value, str):
        parsed = _from_text(value.strip(), rules)
    else:
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        if not rules.naive_is_utc:
            return None
        parsed = parsed.replace(tzinfo=UTC)
    if not rules.in_utc:
        return parsed
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01 in a zone east of UTC, 9999-12-31 west of it
        return None


def _from_struct(value: time.struct_time) -> datetime | None:
    try:
        return datetime(*value[:5], min(value[5], 59), tzinfo=UTC)  # struct_time allows leap seconds
    except (TypeError, ValueError, OverflowError):
        return None


def _from_text(text: str, rules: DateRules) -> datetime | None:
    if not text:
        return None
    # A date names a year and at least a month or a day: "2025" or "5" alone are not dates.
    if rules.guess and (len(text) > _MAX_GUESSED_CHARS or len(re.findall(r"\d+", text)) < 2):
        return None
    if rules.iso:
        try:
            return datetime.fromisoformat(text.upper())
        except ValueError:
            pass
    # The RFC 822 reader skips what it does not know ("June 24, 2025 3:15 PM" comes out at 03:15):
    # when guessing is allowed, it gets only text shaped like RFC 822, and dateutil the rest.
    if rules.rfc822 and (not rules.guess or _RFC2822.match(text)):
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass
    if rules.guess:
        try:
            # default: fields the text lacks become year 1, which _plausible rejects, not today's.
            return dateutil.parser.parse(text, tzinfos=_ZONES, default=datetime(1, 1, 1))
        except (ValueError, OverflowError, TypeError):
            return None
    return None


def pick_published(page: str | None, feed: datetime | None, now: datetime) -> datetime | None:
    """The page's date, else the feed's; never one in the future or before 1990."""
    page_dt, feed_dt = _plausible(parse_datetime(page), now), _plausible(parse_datetime(feed), now)
    if page_dt and feed_dt and _is_date_only(page) and page_dt.date() == feed_dt.date():
        return feed_dt  # same day, and the feed knows the time of day too
    return page_dt or feed_dt


def _plausible(dt: datetime | None, now: datetime) -> datetime | None:
    return dt if dt is not None and _EARLIEST <= dt <= now + _CLOCK_SKEW else None


def _is_date_only(text: str | None) -> bool:
    return bool(text) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", text or "") is not None


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, to the second."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def iso_ms(dt: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the millisecond: for times finer than a record's second (leases,
    events, webhook retries), which still compare as text."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
