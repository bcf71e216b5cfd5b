"""Feed parsing: fetched bytes of an RSS, RDF, Atom or JSON feed to a `ParsedFeed`."""

from ingest.feeds.common import FeedError, NotAFeed
from ingest.feeds.parse import parse_feed

__all__ = ["FeedError", "NotAFeed", "parse_feed"]
