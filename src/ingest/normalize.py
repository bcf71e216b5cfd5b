"""The Article record: a feed entry and what extraction found, put through the text/ rules, as stored."""

from __future__ import annotations

import re
from datetime import datetime

from yarl import URL

from ingest.model import Article, Entry, Extracted
from ingest.text.clean import (
    clean_article_text,
    clean_line,
    content_hash,
    split_keywords,
    unique_tags,
    word_count,
)
from ingest.text.dates import iso, pick_published
from ingest.text.language import detect_language
from ingest.text.names import clean_author, clean_title
from ingest.text.urls import article_id, choose_canonical, source_of


def entry_key(entry: Entry, feed_url: str) -> str | None:
    """An entry's guid as an identity: global when it is a URI, scoped to its feed when it is not."""
    guid = (entry.guid or "").strip()
    if not guid:
        return None
    # "1", "42" or a slug is unique only within its feed; a URL or URN is unique everywhere.
    return guid if re.match(r"^[a-z][a-z0-9+.-]*:", guid, re.IGNORECASE) else f"{feed_url}#{guid}"


def build_article(
    *,
    entry: Entry,
    feed_url: str,
    feed_tags: tuple[str, ...],
    url: str,
    extracted: Extracted,
    fetched_at: datetime,
) -> Article:
    """Assemble the stored record from the feed's entry and what extraction found."""
    canonical = choose_canonical(url, extracted.canonical_url)
    site_name = clean_line(extracted.site_name)
    text = clean_article_text(extracted.text)
    aid = article_id(canonical)
    return Article(
        id=aid,
        url=url,
        canonical_url=canonical,
        feed=feed_url,
        guid=entry_key(entry, feed_url),
        source=source_of(canonical),
        site_name=site_name,
        title=clean_title(extracted.title or entry.title, site_name),
        description=clean_line(extracted.description),
        author=clean_author(extracted.author or entry.author),
        published=iso(pick_published(extracted.published, entry.published or entry.updated, fetched_at)),
        fetched_at=iso(fetched_at) or "",
        # Detected here, in the main process, not in the extraction workers: the model weighs ~70 MB.
        language=detect_language(text, declared=extracted.language),
        text=text,
        word_count=word_count(text),
        image_url=_absolute(url, extracted.image_url),
        image_caption=clean_line(extracted.image_caption),
        # Apart: `tags` are the operator's labels for the feed, `keywords` the publisher's for the article.
        tags=unique_tags(feed_tags),
        keywords=split_keywords(entry.categories, extracted.tags),
        content_hash=content_hash(text),
        duplicate_of=None,  # both decided by the deduper, against what is already stored
        story_id=None,
    )


def _absolute(base: str, link: str | None) -> str | None:
    if not link:
        return None
    try:
        joined = URL(base).join(URL(link.strip()))
    except ValueError:
        return None
    return str(joined) if joined.scheme in ("http", "https") else None
