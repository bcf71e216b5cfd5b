"""Which failures are tried again, when, and which are final: the one table for entries and feeds.

An entry (one article's page) that fails for a reason another try would repeat is given up at once;
any other failure is tried again at the next polls of its feed, up to MAX_ENTRY_ATTEMPTS. A feed is
never given up: it backs off (run/schedule.py) and a 410 Gone is reported, still checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ingest.extract.errors import ExtractionError
from ingest.fetch import AddressRefused, Disallowed, HTTPStatusError, TooLarge, TooManyRedirects
from ingest.model import FeedState
from ingest.run.schedule import next_delay, retry_after_seconds

# An entry whose page failed this many times (for reasons that may pass) is not tried again.
MAX_ENTRY_ATTEMPTS = 3
# Failures of an entry that another try would repeat: the page is what it is, and so is a site's "no" in
# its robots.txt (RobotsUnavailable, a robots.txt that could not be read, is tried again).
PERMANENT_ENTRY_FAILURES: tuple[type[Exception], ...] = (
    TooLarge, AddressRefused, TooManyRedirects, ExtractionError, Disallowed,  # NotHTML is an ExtractionError
)
# Client errors that say "later", not "never".
RETRIED_STATUSES = frozenset({408, 425, 429})
GONE = 410
# A page that answers so is not there: the run that met it did not fail (its feed links a dead page).
MISSING_STATUSES = frozenset({404, GONE})


def entry_failure_is_permanent(exc: Exception) -> bool:
    """Whether an entry that failed so should never be fetched again; timeouts and dropped connections,
    server errors and a worker's crash get more tries."""
    if isinstance(exc, HTTPStatusError):
        return 400 <= exc.status < 500 and exc.status not in RETRIED_STATUSES
    return isinstance(exc, PERMANENT_ENTRY_FAILURES)


@dataclass(frozen=True, slots=True)
class FeedRetry:
    """When a feed that failed is polled again, and what its failure was."""

    status: int | None
    failures: int  # consecutive, this one included
    next_poll: datetime
    gone: bool  # the server said 410 Gone: reported, and still checked with backoff


def feed_retry(
    exc: Exception, state: FeedState, interval: float, started: datetime, jitter: float
) -> FeedRetry:
    """The backoff after a failed poll: exponential in the failures, at least any Retry-After."""
    status = exc.status if isinstance(exc, HTTPStatusError) else None
    retry_after = retry_after_seconds(exc.retry_after, started) if isinstance(exc, HTTPStatusError) else None
    failures = state.failures + 1
    delay = next_delay(interval=interval, failures=failures, retry_after=retry_after, jitter=jitter)
    return FeedRetry(status, failures, started + timedelta(seconds=delay), status == GONE)
