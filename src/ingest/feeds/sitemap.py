"""Sitemaps as sources: a sitemap index's children and a sitemap's pages, with the titles and dates of
Google News sitemaps, read from fetched bytes (gzipped or not) as safely as a feed is.

Parsed here with lxml rather than ultimate-sitemap-parser: that library drops the `lastmod` of an
index's children, which is what lets a poll fetch only the children that changed, and its own fetching
would bypass the address guard and the limits every other request of ours obeys.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit

from lxml import etree

from ingest.feeds.common import FeedError, NotAFeed
from ingest.model import Entry
from ingest.text.dates import FEED, parse_datetime

GZIP_MAGIC = b"\x1f\x8b"
# The protocol's own caps: 50,000 URLs and 50 MB (uncompressed) per sitemap file.
MAX_URLS = 50_000
MAX_UNCOMPRESSED = 50 * 1024 * 1024

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Child:
    """A sitemap an index lists, and when it last changed, if the index says."""

    url: str
    lastmod: datetime | None


@dataclass(frozen=True, slots=True)
class Sitemap:
    """One sitemap document: an index lists children, a urlset lists pages (as feed entries)."""

    children: tuple[Child, ...] = ()
    entries: tuple[Entry, ...] = ()

    @property
    def is_index(self) -> bool:
        return bool(self.children)


def parse_sitemap(body: bytes, url: str, max_bytes: int = MAX_UNCOMPRESSED) -> Sitemap:
    """A sitemap's bytes as its children or pages, newest first where dates are given. Gzip is
    recognised by its magic bytes (sitemap.xml.gz is usually served as a file, not an encoding) and
    inflated to at most `max_bytes`. Raises NotAFeed for something else, FeedError when unreadable."""
    data = _inflated(body, url, max_bytes) if body.startswith(GZIP_MAGIC) else body
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise NotAFeed("not a sitemap: empty document")
    if not stripped.startswith(b"<"):
        return Sitemap(entries=_text_entries(stripped))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(stripped, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not a readable sitemap: {exc}") from None
    kind = etree.QName(root).localname
    if kind == "sitemapindex":
        children = [Child(loc, lastmod) for loc, lastmod, _ in _items(root, "sitemap")]
        return Sitemap(children=tuple(_newest_first(children, lambda c: c.lastmod)))
    if kind == "urlset":
        return Sitemap(entries=tuple(newest_first([_entry(*item) for item in _items(root, "url")])))
    raise NotAFeed(f"not a sitemap: the document is <{kind}>, not <urlset> or <sitemapindex>")


def _inflated(body: bytes, url: str, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise FeedError(f"{url}: a broken gzip file: {exc}") from None
    if len(data) > limit:
        raise FeedError(f"{url}: more than {limit} bytes once inflated; raise max_bytes to read it")
    return data


def _items(root: etree._Element, tag: str) -> list[tuple[str, datetime | None, etree._Element | None]]:
    """Each <url> or <sitemap> as (loc, lastmod, its news:news element), by local name: sitemaps in the
    wild write the namespace in several ways, or not at all. Only absolute http(s) locations count."""
    found = []
    for item in root:
        if not isinstance(item.tag, str) or etree.QName(item).localname != tag:
            continue
        fields = {etree.QName(child).localname: child for child in item if isinstance(child.tag, str)}
        loc = (fields["loc"].text or "").strip() if "loc" in fields else ""
        if urlsplit(loc).scheme not in ("http", "https"):
            continue
        lastmod = parse_datetime((fields["lastmod"].text or "") if "lastmod" in fields else None, FEED)
        found.append((loc, lastmod, fields.get("news")))
        if len(found) == MAX_URLS:
            break
    return found


def _entry(loc: str, lastmod: datetime | None, news: etree._Element | None) -> Entry:
    title = published = None
    if news is not None:
        fields = {etree.QName(el).localname: el for el in news.iter() if isinstance(el.tag, str)}
        title = " ".join((fields["title"].text or "").split()) or None if "title" in fields else None
        if "publication_date" in fields:
            published = parse_datetime(fields["publication_date"].text, FEED)
    return Entry(guid=loc, link=loc, title=title, published=published, updated=lastmod)


def _text_entries(data: bytes) -> tuple[Entry, ...]:
    """A text sitemap: one absolute URL per line, UTF-8."""
    lines = data.decode("utf-8", "replace").splitlines()
    urls = [line.strip() for line in lines if urlsplit(line.strip()).scheme in ("http", "https")]
    if not urls:
        raise NotAFeed("not a sitemap: neither XML nor a list of URLs")
    return tuple(Entry(guid=url, link=url) for url in urls[:MAX_URLS])


def newest_first(entries: list[Entry]) -> list[Entry]:
    """Entries by publication (else last modification) date, newest first, the undated last."""
    return _newest_first(entries, lambda entry: entry.published or entry.updated)


def _newest_first(items: list[T], when: Callable[[T], datetime | None]) -> list[T]:
    """Dated items newest first, then the undated in the order given (sorted() is stable)."""

    def key(item: T) -> tuple[bool, float]:
        at = when(item)
        return (at is None, -at.timestamp() if at else 0.0)

    return sorted(items, key=key)
