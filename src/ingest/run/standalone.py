"""An article record from a saved page, outside any feed: what `ingest extract` prints."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ingest.extract import extract_article
from ingest.model import Article, Entry
from ingest.normalize import build_article


def article_from_file(
    html: bytes, path: Path, url: str | None = None, remove: tuple[str, ...] = (), body: str | None = None
) -> Article:
    """The record the pipeline would store for this page; its URL is `url`, else the page's canonical
    URL, else the file's. Raises ExtractionError when the page holds no article."""
    extracted = extract_article(html, url, remove=remove, body=body)
    url = url or extracted.canonical_url or path.resolve().as_uri()
    return build_article(
        entry=Entry(guid=None, link=url),
        feed_url="",
        feed_tags=(),
        url=url,
        extracted=extracted,
        fetched_at=datetime.now(UTC),
    )
