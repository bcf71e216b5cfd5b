"""What a worker process does, one call each: an article from its page (or from its feed's own text),
a feed's bytes parsed. One trip per article does extraction, the record and its near-duplicate sketch
together, so the event loop only places and stores.

Light to import: the parent pickles these functions by name and never runs them, so the heavy modules
are imported inside them; the fork server has imported them already (preload.py), and so has every
worker it forks.
"""

from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ingest.dedupe.shingles import Sketch
from ingest.extract.errors import ExtractionError
from ingest.model import Article, Entry, KeptPage, PageOptions, ParsedFeed

if TYPE_CHECKING:
    from ingest.feeds.sitemap import Sitemap


@dataclass(frozen=True, slots=True)
class ArticleJob:
    """One entry's page (or its own HTML content, with no page) and all that makes it a record."""

    html: bytes | str
    page: PageOptions  # the page's URL after redirects, its content type and the feed's extraction settings
    url: str  # the article's URL in its record: the page's, or the entry's own identity without one
    entry: Entry
    feed_url: str
    feed_tags: tuple[str, ...]
    fetched_at: datetime
    fragment: bool = False  # the feed's own content, not a page: no page structure to read
    keep: bool = False  # keep the page, compressed (here, off the event loop), for `ingest reextract`


@dataclass(frozen=True, slots=True)
class Built:
    """An article's record (its original and story still to be decided), its text's sketch, and its page
    if it is to be kept."""

    article: Article
    sketch: Sketch | None
    page: KeptPage | None = None


# zlib's default level. On the 885 fixture pages, per 1,000: level 1 39.6 MiB, 6 33.2 MiB in 3.7 ms a page,
# 9 33.0 MiB in 6.0 ms: 6 is all but the smallest, at little more than half of 9's time.
KEEP_LEVEL = 6


def build_article_job(job: ArticleJob) -> Built:
    """Extract, build the record, sketch the text; ExtractionError if no text is left."""
    from ingest.dedupe.fingerprint import signed
    from ingest.dedupe.shingles import sketch
    from ingest.extract.article import extract_page
    from ingest.extract.fragment import extract_fragment
    from ingest.normalize import build_article

    if job.fragment:
        extracted = extract_fragment(job.html, job.page.url)
    else:
        extracted = extract_page(job.html, job.page)
    article = build_article(
        entry=job.entry,
        feed_url=job.feed_url,
        feed_tags=job.feed_tags,
        url=job.url,
        extracted=extracted,
        fetched_at=job.fetched_at,
    )
    if not article.text:
        raise ExtractionError("no text after clean-up")
    made = sketch(article.text)
    return Built(article, signed(made) if made else None, kept(job) if job.keep else None)


def kept(job: ArticleJob) -> KeptPage:
    """The job's page as `ingest reextract` reads it back (`rebuild_article_job`)."""
    html = job.html.encode() if isinstance(job.html, str) else job.html
    return KeptPage(
        job.page.url, job.page.content_type, job.entry, zlib.compress(html, KEEP_LEVEL), job.fragment
    )


def rebuild_article_job(job: ArticleJob) -> Built:
    """`build_article_job` on a kept page, whose HTML (`kept`) is still compressed: unpacked here."""
    return build_article_job(dataclasses.replace(job, html=zlib.decompress(job.html), keep=False))


def parse_feed_job(body: bytes, content_type: str | None, url: str) -> ParsedFeed:
    """A fetched feed's bytes parsed (FeedError when they are not a feed)."""
    from ingest.feeds.parse import parse_feed

    return parse_feed(body, content_type, url)


def parse_sitemap_job(body: bytes, url: str, max_bytes: int) -> Sitemap:
    """A fetched sitemap's bytes parsed (FeedError when they are not a sitemap)."""
    from ingest.feeds.sitemap import parse_sitemap

    return parse_sitemap(body, url, max_bytes)
