"""The feeds a web page declares, and where sites usually keep one: what `ingest feeds add` offers for a
site's address, and what a poll's "not a feed: an HTML page" names instead of leaving the user guessing.

Pure: a page's text in, URLs out; fetching them is the caller's business."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from lxml import etree

from ingest.feeds.common import absolute_url, plain_line

# The types of <link rel="alternate"> that announce a feed, by rank. application/json is JSON Feed 1.0's
# type, and also what WordPress declares on every page for its REST API: ranked last, so that a page's
# real feed comes first.
FEED_TYPES = {
    "application/rss+xml": 0,
    "application/atom+xml": 0,
    "application/feed+json": 0,
    "application/json": 1,
}
# Where sites keep a feed they do not declare, in the order worth trying (WordPress, Hugo, Jekyll...).
USUAL_PATHS = ("/feed", "/rss.xml", "/index.xml", "/feed.json", "/atom.xml", "/rss", "/feed/")
_HINTED = 3  # declared feeds an error message names; the rest are counted
_MAX_URL = 2048  # longer is no feed address anyone would use, and would flood the one-line error


@dataclass(frozen=True, slots=True)
class Declared:
    """A feed a page announces: its absolute URL, the title the page gives it, and its type."""

    url: str
    title: str | None
    type: str


def declared_feeds(html: str, url: str) -> tuple[Declared, ...]:
    """The feeds the page at `url` declares with <link rel="alternate" type=...>, resolved against its
    <base> and `url`: RSS, Atom and JSON Feed first, in the page's order, then plain JSON; each URL once."""
    parser = etree.HTMLParser(encoding="utf-8", no_network=True)
    try:
        root = etree.fromstring(html.encode("utf-8", "replace"), parser)
    except (etree.XMLSyntaxError, etree.ParserError):  # an empty or hopeless document declares nothing
        return ()
    if root is None:
        return ()
    base = next((b for b in (absolute_url(h, url) for h in root.xpath("//base/@href")) if b), url)
    found: dict[str, Declared] = {}
    for link in root.iter("link"):
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        if kind not in FEED_TYPES or "alternate" not in (link.get("rel") or "").lower().split():
            continue
        href = absolute_url(link.get("href"), base)
        if href and len(href) <= _MAX_URL and href.isprintable() and " " not in href:
            found.setdefault(href, Declared(href, plain_line(link.get("title")), kind))
    return tuple(sorted(found.values(), key=lambda feed: FEED_TYPES[feed.type]))


def usual_feed_urls(url: str) -> tuple[str, ...]:
    """The USUAL_PATHS on the site of `url` (its scheme, host and port)."""
    parts = urlsplit(url)
    return tuple(urlunsplit((parts.scheme, parts.netloc, path, "", "")) for path in USUAL_PATHS)


def declaring(html: str, url: str) -> str:
    """What to add to "not a feed: an HTML page" for the page at `url`: the feeds it declares, to use
    instead, or nothing when it declares none."""
    feeds = declared_feeds(html, url)
    # Plain JSON only when the page declares nothing better (it is most often an API, not a feed).
    urls = [feed.url for feed in feeds if FEED_TYPES[feed.type] == 0] or [feed.url for feed in feeds]
    if not urls:
        return ""
    if len(urls) == 1:
        return f", which declares the feed {urls[0]}: use that URL"
    more = f" and {len(urls) - _HINTED} more" if len(urls) > _HINTED else ""
    return f", which declares the feeds {', '.join(urls[:_HINTED])}{more}: use one of those URLs"
