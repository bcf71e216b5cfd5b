"""Every feed's health, as `ingest feeds` shows it: the configuration and the database side by side, so a
feed that stopped working, or whose pages keep failing, cannot look healthy."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from ingest.config import FeedConfig
from ingest.model import FeedState
from ingest.text.clean import aligned, bounded_line

# States, worst first: what an operator looks at before the rest.
STATES = ("failing", "gone", "removed", "new", "ok")
# Width of the last error in the table: the whole of it is in --json and `ingest feeds show`.
_ERROR_WIDTH = 60


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """One feed as an operator needs to see it."""

    name: str
    url: str
    state: str  # one of STATES
    last_success: str | None
    last_error: str | None
    failures: int  # consecutive failed polls
    next_poll: str | None
    articles: int  # stored from it
    pages_failed: int  # its pages remembered as failed (ingest retry forgets them)


def feed_health(
    configured: Sequence[FeedConfig],
    states: Iterable[FeedState],
    counts: Mapping[str, tuple[int, int]],
) -> list[FeedHealth]:
    """The configured feeds in their order, then those the database knows that the configuration dropped."""
    known = {state.url: state for state in states}
    listed = {feed.url: feed for feed in configured}
    urls = [*listed, *sorted(known.keys() - listed.keys())]
    return [_health(listed.get(url), known.get(url, FeedState(url)), counts.get(url, (0, 0))) for url in urls]


def _health(feed: FeedConfig | None, state: FeedState, counts: tuple[int, int]) -> FeedHealth:
    articles, pages_failed = counts
    host = urlsplit(state.url).hostname or state.url
    given = feed.name if feed is not None and feed.name != host else None  # feeds.yaml named it
    return FeedHealth(
        name=given or state.title or state.name or host,
        url=state.url,
        state=_state(feed, state, pages_failed),
        last_success=state.last_success,
        last_error=state.last_error,
        failures=state.failures,
        next_poll=None if feed is None else state.next_poll,  # a removed feed is polled no more
        articles=articles,
        pages_failed=pages_failed,
    )


def _state(feed: FeedConfig | None, state: FeedState, pages_failed: int) -> str:
    if feed is None:
        return "removed"
    if state.gone_since:
        return "gone"
    if state.failures or pages_failed or state.last_error:
        return "failing"
    return "ok" if state.last_polled else "new"


def as_json(health: FeedHealth) -> str:
    return json.dumps(dataclasses.asdict(health), ensure_ascii=False)


def as_table(rows: Sequence[FeedHealth]) -> str:
    """A fixed-width table for a terminal: one line per feed, its URL on the line below."""
    header = ("NAME", "STATE", "ARTICLES", "PAGES FAILED", "FAILURES", "LAST SUCCESS", "NEXT POLL", "ERROR")
    cells = [header] + [
        (
            row.name,
            row.state,
            str(row.articles),
            str(row.pages_failed),
            str(row.failures),
            row.last_success or "-",
            row.next_poll or "-",
            bounded_line(row.last_error, _ERROR_WIDTH) if row.last_error else "-",
        )
        for row in rows
    ]
    lines = []
    for n, line in enumerate(aligned(cells)):
        lines.append(line)
        if n:
            lines.append(f"  {rows[n - 1].url}")
    return "\n".join(lines) + "\n"


def as_details(health: FeedHealth, failed: Sequence[tuple[str, str, int, bool]]) -> str:
    """One feed at length, with its failed pages and their reasons, the latest first."""
    lines = [f"{field.name}: {getattr(health, field.name)}" for field in dataclasses.fields(health)]
    lines.append(f"failed pages: {len(failed)}")
    for url, reason, attempts, permanent in failed:
        kind = "for good" if permanent else f"{attempts} attempt(s), tried again"
        lines.append(f"  {url}\n    {reason} ({kind})")
    return "\n".join(lines) + "\n"


def find(rows: Sequence[FeedHealth], key: str) -> FeedHealth | None:
    """The feed named `key`, or whose URL it is."""
    return next((row for row in rows if key in (row.name, row.url)), None)
