"""The records that flow from fetch to store: plain data, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ingest import defaults


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a feed, as the feed states it."""

    guid: str | None
    link: str | None
    title: str | None = None
    author: str | None = None
    published: datetime | None = None  # timezone-aware, UTC
    updated: datetime | None = None  # timezone-aware, UTC
    summary: str | None = None  # HTML or plain text, as the feed gives it
    content: str | None = None  # the fullest HTML body the feed carries
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed document turned into entries; `problem` says why parsing stopped early, if it did."""

    format: str  # "rss20", "atom10", "json-feed-1.1", ... (feedparser's version names)
    title: str | None
    link: str | None
    entries: tuple[Entry, ...]
    problem: str | None = None
    ttl: float | None = None  # seconds the feed asks readers to wait between polls (RSS <ttl>)


@dataclass(frozen=True, slots=True)
class Extracted:
    """What extraction finds in one HTML document; every field may be missing."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None  # as the page states it; normalised later
    description: str | None = None
    site_name: str | None = None
    language: str | None = None
    canonical_url: str | None = None  # rel=canonical, else og:url, unresolved
    image_url: str | None = None
    image_caption: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PageOptions:
    """How to read one page, as its feed's settings say: what a worker call carries besides the HTML."""

    url: str | None = None  # where it was fetched from, after redirects
    content_type: str | None = None  # the HTTP header, for the charset
    remove: tuple[str, ...] = ()  # CSS selectors of furniture to drop, on top of the generic clean-up
    body: str | None = None  # CSS selector of the article's element
    max_elements: int = defaults.MAX_ELEMENTS


@dataclass(frozen=True, slots=True)
class KeptPage:
    """A fetched page as kept for `ingest reextract`: its HTML compressed, and the rest of what made its
    record (the feed's item gave the record its title, dates and categories too)."""

    url: str | None  # where it was fetched from, after redirects; a fragment's: the entry's link
    content_type: str | None
    entry: Entry
    html: bytes  # zlib-compressed
    fragment: bool = False  # the feed's own content, not a page


@dataclass(slots=True)
class Article:
    """The stored record of one article (see DESIGN.md, "Records")."""

    id: str
    url: str  # as fetched, after redirects
    canonical_url: str
    feed: str  # the configured feed URL
    guid: str | None
    source: str  # the publisher's host, from the canonical URL
    site_name: str | None
    title: str | None
    description: str | None
    author: str | None
    published: str | None  # ISO 8601, UTC
    fetched_at: str  # ISO 8601, UTC
    language: str | None
    text: str
    word_count: int
    image_url: str | None
    image_caption: str | None
    tags: list[str] = field(default_factory=list)  # the feed's own, from feeds.yaml
    keywords: list[str] = field(default_factory=list)  # what the entry and the page say the article is about
    content_hash: str = ""
    duplicate_of: str | None = None
    story_id: str | None = None


@dataclass(slots=True)
class Story:
    """The stored record of one story: several outlets' articles on one event (see seed 000)."""

    id: str
    title: str | None
    date: str | None  # YYYY-MM-DD: the day of its first article's publication
    sources: dict[str, int]  # publisher domain -> articles, most first
    articles: list[str]  # article ids, in order of publication
    summary: str
    key_points: list[str]
    image_url: str | None
    image_caption: str | None
    image_source: str | None  # the domain of the article the image comes from
    first_seen: str  # ISO 8601, UTC: when its first article was fetched
    updated_at: str  # when its last article was fetched
    summarized_by: str = "extractive"  # or the model that wrote summary and key points


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the database remembers of a feed between polls; a feed never polled has only its URL."""

    url: str
    name: str = ""
    title: str | None = None  # as the feed calls itself
    etag: str | None = None
    last_modified: str | None = None
    last_polled: str | None = None  # ISO 8601, UTC
    last_success: str | None = None
    last_status: int | None = None
    last_error: str | None = None
    failures: int = 0  # consecutive
    next_poll: str | None = None
    gone_since: str | None = None  # when the server first answered 410 Gone
    lease_owner: str | None = None  # the daemon polling it now, when several share the database
    lease_until: str | None = None  # ISO 8601, UTC, to the millisecond: when that lease runs out


# What other tools can subscribe to (webhooks): an article placed in its story, a story's record written
# for the first time, and a story's record changed (new articles, a new summary).
EVENT_KINDS = ("article.new", "story.new", "story.updated")


@dataclass(frozen=True, slots=True)
class Event:
    """A change, recorded in the transaction that made it, for the webhooks to deliver."""

    id: int  # increasing in the order of commit
    kind: str  # one of EVENT_KINDS
    subject: str  # the article's or the story's id
    at: str  # ISO 8601 UTC


@dataclass(frozen=True, slots=True)
class WebhookState:
    """Where one webhook (by its URL) is in the events, and how its deliveries go."""

    url: str
    after: int  # the last event delivered, skipped (not for it) or given up on
    attempts: int = 0  # failed deliveries of the next event
    next_try: str | None = None
    failing_since: str | None = None  # the first failed delivery of the next event
    last_error: str | None = None
    last_success: str | None = None
    delivered: int = 0
    dropped: int = 0  # events given up on after a day of failures
