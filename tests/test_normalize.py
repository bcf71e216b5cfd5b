"""The Article record: entry keys, and build_article on real and minimal extractions."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.extract import extract_article
from ingest.model import Entry, Extracted
from ingest.normalize import build_article, entry_key
from ingest.text.clean import clean_article_text, word_count
from ingest.text.dates import iso, parse_datetime
from ingest.text.urls import canonical_url, source_of
from support.localsite import page_html, page_index

# ---------------------------------------------------------------- entry_key

FEED = "https://example.com/feed.xml"


@pytest.mark.parametrize(
    ("guid", "key"),
    [
        ("https://example.com/?p=42", "https://example.com/?p=42"),
        ("urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"),
        ("tag:example.com,2005:entry-1", "tag:example.com,2005:entry-1"),
        ("42", f"{FEED}#42"),
        ("  42  ", f"{FEED}#42"),
        ("my-post-slug", f"{FEED}#my-post-slug"),
        ("Part 2: the sequel", f"{FEED}#Part 2: the sequel"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_entry_key(guid: str | None, key: str | None) -> None:
    assert entry_key(Entry(guid=guid, link="https://example.com/x"), FEED) == key


def test_entry_key_scopes_plain_guids_to_their_feed() -> None:
    entry = Entry(guid="1", link=None)
    assert entry_key(entry, FEED) != entry_key(entry, "https://other.example.org/rss")
    uri = Entry(guid="https://example.com/1", link=None)
    assert entry_key(uri, FEED) == entry_key(uri, "https://other.example.org/rss")


# ---------------------------------------------------------------- build_article


def test_build_article_from_a_real_extraction(fixtures: Path) -> None:
    page_id = "readability-bbc-1"
    row = page_index(fixtures)[page_id]
    fetched_url = row["url"] + "?utm_source=rss&utm_medium=feed"
    extracted = extract_article(page_html(fixtures, page_id), fetched_url, "text/html; charset=utf-8")
    entry = Entry(
        guid="33646704",
        link=fetched_url,
        title="Feed title",
        author="By Feed Author",
        published=datetime(2015, 7, 24, 5, 0, tzinfo=UTC),
        categories=("US & Canada", "Politics"),
    )
    fetched_at = datetime(2025, 6, 24, 12, 0, 30, 123, tzinfo=UTC)

    article = build_article(
        entry=entry,
        feed_url=FEED,
        feed_tags=("news", "politics"),
        url=fetched_url,
        extracted=extracted,
        fetched_at=fetched_at,
    )

    assert article.url == fetched_url
    assert "utm_" not in article.canonical_url
    assert article.canonical_url == canonical_url(article.canonical_url)
    assert source_of(article.canonical_url) == article.source == "bbc.com"
    assert article.id == hashlib.sha256(article.canonical_url.encode()).hexdigest()[:16]
    assert article.story_id is None and article.duplicate_of is None  # the deduper decides both
    assert article.content_hash == hashlib.sha256(article.text.encode()).hexdigest()
    assert article.word_count == word_count(article.text) > 300
    assert article.text == clean_article_text(article.text)
    assert "gun" in article.text
    assert article.title == row["gold_title"]  # the page's title, not the feed's
    assert article.guid == f"{FEED}#33646704"
    assert article.feed == FEED
    assert article.fetched_at == "2025-06-24T12:00:30Z"
    # the page's own date (2015-07-24T05:36:09+01:00) wins over the feed's
    assert article.published == iso(parse_datetime(row["published"]))
    assert article.language == "en"
    assert article.tags == ["news", "politics"]  # the feed's own, nothing else
    assert article.keywords[:2] == ["US & Canada", "Politics"]  # the entry's categories, then the page's
    assert [k.casefold() for k in article.keywords].count("politics") == 1
    assert "news" not in article.keywords
    assert article.duplicate_of is None
    assert article.image_url is None or article.image_url.startswith("http")


def test_build_article_falls_back_to_the_feed() -> None:
    entry = Entry(
        guid="https://example.com/?p=1",
        link="https://www.example.com/p/1",
        title="The Feed's Title",
        author="By Feed Author",
        published=datetime(2025, 6, 24, 9, 0, tzinfo=UTC),
    )
    extracted = Extracted(
        text="First  paragraph.\n\n\n\nSecond\u200b paragraph.",
        canonical_url="https://elsewhere.example.org/p/1",  # cross-site: ignored
        image_url="/img/1.jpg",
        site_name=" Example ",
    )
    article = build_article(
        entry=entry,
        feed_url=FEED,
        feed_tags=(),
        url="https://www.example.com/p/1",
        extracted=extracted,
        fetched_at=datetime(2025, 6, 24, 12, 0, tzinfo=UTC),
    )
    assert article.canonical_url == "https://www.example.com/p/1"
    assert article.source == "example.com"
    assert article.title == "The Feed's Title"
    assert article.author == "Feed Author"
    assert article.published == "2025-06-24T09:00:00Z"
    assert article.text == "First paragraph.\n\nSecond paragraph."
    assert article.word_count == 4
    assert article.image_url == "https://www.example.com/img/1.jpg"
    assert article.site_name == "Example"
    assert article.guid == "https://example.com/?p=1"
