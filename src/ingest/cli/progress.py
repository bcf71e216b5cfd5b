"""The live progress of `ingest --once` on a terminal: feeds and pages done, articles stored, pages
failed, the rate and the time left, on stderr, with log lines printed above it rather than through it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from ingest.run.tally import Tally

REFRESHES_PER_SECOND = 4
BAR_WIDTH = 20  # with the counts, a line of about 110 columns


@contextmanager
def live_progress(tally: Tally, on_stderr: Callable[[], None]) -> Iterator[None]:
    """Show `tally` on stderr until the block ends, leaving its last state on screen. While it shows,
    writes to sys.stderr print above it; `on_stderr` is called once they do (and once again after),
    so that the log, which holds its stream, can be pointed at sys.stderr as it now is."""
    console = Console(stderr=True)
    live = Live(
        get_renderable=lambda: view(tally, time.monotonic()),
        console=console,
        refresh_per_second=REFRESHES_PER_SECOND,
        redirect_stdout=False,  # stdout is the summary's, and may be a pipe
        redirect_stderr=True,
    )
    with live:
        on_stderr()
        try:
            yield
        finally:
            live.refresh()  # the last counts, not those of up to a quarter second ago
    on_stderr()


def view(tally: Tally, now: float) -> Table:
    """A bar of the pages done among those expected (see Tally.seconds_left), then the counts."""
    expected = max(tally.pages, tally.pages_done, 1)
    left = tally.seconds_left(now)
    if left is not None:
        expected = max(expected, round(tally.pages_done + left * tally.rate(now)))
    grid = Table.grid(padding=(0, 1))
    bar = ProgressBar(total=expected, completed=tally.pages_done, width=BAR_WIDTH)
    grid.add_row(bar, Text(status(tally, now)))
    return grid


def status(tally: Tally, now: float) -> str:
    """`7/13 feeds · 212/371 pages · 198 stored · 3 failed · 12.4 pages/s · 0:13 left`"""
    parts = [
        f"{tally.feeds_done}/{tally.feeds} feeds",
        f"{tally.pages_done}/{tally.pages} pages",
        f"{tally.stored} stored",
        f"{tally.pages_failed} failed",
    ]
    if tally.feeds_failed:
        parts.append(f"{tally.feeds_failed} feed{'s' if tally.feeds_failed > 1 else ''} failed")
    parts.append(f"{tally.rate(now):.1f} pages/s")
    left = tally.seconds_left(now)
    if tally.feeds_done == tally.feeds and tally.feeds:
        parts.append(f"done in {clock(now - tally.started)}")
    elif left is not None:
        parts.append(f"{clock(left)} left")
    return " · ".join(parts)


def clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
