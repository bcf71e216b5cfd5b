"""What a run has done so far, counted as it happens, for a display to read while the run goes on."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

# Below this, a rate is mostly the start-up (workers forking, the language model loading): no estimate.
MIN_PAGES_FOR_ESTIMATE = 5


@dataclass(slots=True)
class Tally:
    """Plain counters, written by the run's event loop and read by a display (ints: no lock needed)."""

    feeds: int = 0  # to poll in this run
    feeds_done: int = 0
    feeds_failed: int = 0
    pages: int = 0  # new entries found so far, each a page to fetch (or a text to take from its feed)
    pages_done: int = 0
    stored: int = 0
    pages_failed: int = 0
    started: float = field(default_factory=time.monotonic)
    known: set[str] = field(default_factory=set)  # feeds whose new pages are all counted in `pages`

    def listed(self, feed: str, pages: int) -> None:
        self.known.add(feed)
        self.pages += pages

    def page_done(self, *, stored: bool, failed: bool) -> None:
        self.pages_done += 1
        self.stored += stored
        self.pages_failed += failed

    def feed_done(self, feed: str, *, ok: bool) -> None:
        self.known.add(feed)  # an unchanged or failed feed lists nothing new
        self.feeds_done += 1
        self.feeds_failed += not ok

    def rate(self, now: float) -> float:
        """Pages finished per second since the run started."""
        return self.pages_done / max(now - self.started, 1e-9)

    def seconds_left(self, now: float) -> float | None:
        """The time the pages left would take at the rate so far. Feeds not yet read are assumed to
        hold as many new pages as the average feed read; None until there is a rate to go by."""
        if self.pages_done < MIN_PAGES_FOR_ESTIMATE or not self.known:
            return None
        expected = self.pages * max(self.feeds, len(self.known)) / len(self.known)
        return max(expected - self.pages_done, 0) / self.rate(now)
