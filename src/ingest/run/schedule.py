"""When a feed is polled next: its interval, backoff, Retry-After and cache hints, with jitter.

Pure functions; the pipeline stores their answer as the feed's next poll time, which the daemon,
`ingest --once --due` and a restarted daemon all read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from ingest.text.dates import HTTP, parse_datetime

MAX_BACKOFF = 24 * 3600.0  # a failing feed is still tried at least daily, forever
MAX_CACHE_HINT = 6 * 3600.0  # how far a server's freshness hint may push the next poll
JITTER = 0.10  # up to 10 % added to every wait, so feeds drift apart instead of polling in step

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.I)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-cache|no-store)\b", re.I)


def next_delay(
    *,
    interval: float,
    failures: int = 0,
    retry_after: float | None = None,
    cache_hint: float | None = None,
    jitter: float = 0.0,
) -> float:
    """Seconds until the next poll; `jitter` is a random fraction in [0, 1) from the caller."""
    wait = interval
    if failures:
        # Exponential backoff, but never shorter than the interval itself (intervals may exceed 24 h).
        wait = max(interval, min(interval * 2 ** min(failures, 32), MAX_BACKOFF))
    if retry_after:
        wait = max(wait, min(retry_after, MAX_BACKOFF))
    if cache_hint and not failures:
        wait = max(wait, min(cache_hint, MAX_CACHE_HINT))
    return wait * (1 + JITTER * jitter)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from `now`."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    return _seconds_until(value, now)


def cache_lifetime(headers: Mapping[str, str], now: datetime) -> float | None:
    """How long a response says it stays fresh: Cache-Control max-age, else Expires."""
    control = headers.get("Cache-Control") or ""
    if _NO_CACHE.search(control):
        return None
    if match := _MAX_AGE.search(control):
        return float(match.group(1))
    return _seconds_until(headers.get("Expires"), now)



def _seconds_until(http_date: str | None, now: datetime) -> float | None:
    if not http_date:
        return None
    when = parse_datetime(http_date, HTTP)
    if when is None:
        return None
    seconds = (when - now).total_seconds()
    return seconds if seconds > 0 else None
