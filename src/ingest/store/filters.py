"""Which records a read wants: one filter, turned into each backend's SQL by records.py."""

from __future__ import annotations

from dataclasses import dataclass

# The article times a filter's since and until may apply to, each as the SQL both backends compare ({t}:
# the articles table's name). The first, the default, is its publication, or for an article without a
# published date its fetch, so that no article escapes a time filter; coalesce() covers no index, but a
# filtered read walks the table in stored order anyway.
FILTER_TIMES = {"published": "coalesce({t}.published, {t}.fetched_at)", "fetched": "{t}.fetched_at"}
DEFAULT_TIME = next(iter(FILTER_TIMES))
# The feeds columns a filter's feed may equal: the URL, the name feeds.yaml gives, the feed's own title.
FEED_KEYS = ("url", "name", "title")


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """Which records a read wants; every condition given must hold, a list is met by any of its values.

    Times are ISO 8601 UTC text, as the records hold them: `since` is included, `until` is not. For
    stories, `since` and `until` apply to their updated time, `story` to their id, and the rest to their
    articles (a story with at least one article that meets them all)."""

    since: str | None = None
    until: str | None = None
    by: str = DEFAULT_TIME  # which of FILTER_TIMES since and until apply to
    feeds: tuple[str, ...] = ()  # each a feed's URL, its name in feeds.yaml, or its own title (FEED_KEYS)
    sources: tuple[str, ...] = ()  # each a publisher's host (cnbc.com, or a URL on it) or site name (CNBC)
    tags: tuple[str, ...] = ()  # the feed's tags, as feeds.yaml gives them
    story: str | None = None  # a story's whole id
    words: str | None = None  # every word of it in the title or text, as `search` finds them

    def __post_init__(self) -> None:
        if self.by not in FILTER_TIMES:
            raise ValueError(f"by: {self.by!r} is not one of {', '.join(FILTER_TIMES)}")


Place = tuple[str, str]  # a record's place in a newest-first read: its time (as since and until see it), id
