"""Feed parsing: fetched bytes of an RSS, RDF, Atom or JSON feed to a `ParsedFeed`.

The errors are imported at once; the parsers (feedparser) only when first used: the process that
fetches feeds hands them to workers, and a poll that finds every feed unchanged parses nothing.
"""

from typing import Any

from ingest.feeds.common import FeedError, NotAFeed

__all__ = ["FeedError", "NotAFeed", "parse_feed"]


def __getattr__(name: str) -> Any:
    if name == "parse_feed":
        from ingest.feeds.parse import parse_feed

        return parse_feed
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
