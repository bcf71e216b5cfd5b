"""Pure clean-up: canonical URLs, sites and sources, dates, text, and the Article record."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ingest.extract import extract_article
from ingest.model import Entry, Extracted
from ingest.normalize import (
    build_article,
    clean_author,
    clean_title,
    entry_key,
    iso,
    parse_datetime,
    pick_published,
)
from ingest.text.clean import clean_article_text, word_count
from ingest.text.urls import canonical_url, source_of
from localsite import page_html, page_index

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


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-24T10:00:00Z", datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),
        ("2025-06-24T10:00:00+02:00", datetime(2025, 6, 24, 8, 0, tzinfo=UTC)),
        ("2025-06-24T22:30:00-05:00", datetime(2025, 6, 25, 3, 30, tzinfo=UTC)),
        ("2025-06-24T10:00:00.123456+00:00", datetime(2025, 6, 24, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2025-06-24", datetime(2025, 6, 24, tzinfo=UTC)),
        ("2025-06-24 10:00:00", datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),  # naive: UTC
        ("Tue, 24 Jun 2025 10:00:00 +0200", datetime(2025, 6, 24, 8, 0, tzinfo=UTC)),
        ("Tue, 24 Jun 2025 10:00:00 GMT", datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),
        ("Tue, 24 Jun 2025 10:00:00 EST", datetime(2025, 6, 24, 15, 0, tzinfo=UTC)),
        ("Jun 24, 2025", datetime(2025, 6, 24, tzinfo=UTC)),
        ("24 June 2025 3:15pm", datetime(2025, 6, 24, 15, 15, tzinfo=UTC)),
        ("06/24/2025 3:15 PM", datetime(2025, 6, 24, 15, 15, tzinfo=UTC)),
        ("  2025-06-24T10:00:00Z\n", datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),
    ],
)
def test_parse_datetime(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text", ["", "   ", "garbage", "not a date at all", "2025-13-45", "32/32/2025", "x" * 100]
)
def test_parse_datetime_garbage_is_none(text: str) -> None:
    assert parse_datetime(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("June 24, 2025 3:15 PM", datetime(2025, 6, 24, 15, 15, tzinfo=UTC)),
        ("Tuesday, June 24, 2025 10:00 PM EDT", datetime(2025, 6, 25, 2, 0, tzinfo=UTC)),
    ],
)
def test_parse_datetime_with_am_pm(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


def test_parse_datetime_accepts_datetimes() -> None:
    naive = datetime(2025, 6, 24, 10, 0)
    assert parse_datetime(naive) == datetime(2025, 6, 24, 10, 0, tzinfo=UTC)
    aware = datetime(2025, 6, 24, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert parse_datetime(aware) == datetime(2025, 6, 24, 10, 0, tzinfo=UTC)
    assert parse_datetime(None) is None


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_parse_datetime_out_of_range_is_none(text: str) -> None:
    assert parse_datetime(text) is None


NOW = datetime(2025, 6, 24, 18, 0, tzinfo=UTC)


def test_pick_published_prefers_the_page() -> None:
    feed = datetime(2025, 6, 23, 9, 0, tzinfo=UTC)
    assert pick_published("2025-06-24T10:00:00+02:00", feed, NOW) == datetime(
        2025, 6, 24, 8, 0, tzinfo=UTC
    )


def test_pick_published_falls_back_to_the_feed() -> None:
    feed = datetime(2025, 6, 23, 9, 0, tzinfo=UTC)
    assert pick_published(None, feed, NOW) == feed
    assert pick_published("no date here", feed, NOW) == feed
    assert pick_published(None, None, NOW) is None


def test_pick_published_rejects_future_dates() -> None:
    feed = datetime(2025, 6, 23, 9, 0, tzinfo=UTC)
    assert pick_published("2025-06-25T10:00:00Z", feed, NOW) == feed  # tomorrow: wrong
    assert pick_published("2025-06-24T20:00:00Z", None, NOW) is None  # 2 h ahead
    future_feed = NOW + timedelta(days=2)
    assert pick_published(None, future_feed, NOW) is None
    # a little clock skew is tolerated
    assert pick_published("2025-06-24T18:30:00Z", None, NOW) == datetime(
        2025, 6, 24, 18, 30, tzinfo=UTC
    )


def test_pick_published_rejects_dates_before_1990() -> None:
    feed = datetime(2025, 6, 23, 9, 0, tzinfo=UTC)
    assert pick_published("1970-01-01T00:00:00Z", feed, NOW) == feed
    assert pick_published("1989-12-31T23:59:59Z", None, NOW) is None
    assert pick_published("1990-01-01T00:00:00Z", None, NOW) == datetime(1990, 1, 1, tzinfo=UTC)


def test_date_only_page_and_same_day_feed_time_prefers_the_feed() -> None:
    feed = datetime(2025, 6, 24, 14, 35, tzinfo=UTC)
    assert pick_published("2025-06-24", feed, NOW) == feed
    # another day: the page's date stands, at midnight
    other_day = datetime(2025, 6, 22, 14, 35, tzinfo=UTC)
    assert pick_published("2025-06-24", other_day, NOW) == datetime(2025, 6, 24, tzinfo=UTC)
    # the page has a time of its own: it stands
    assert pick_published("2025-06-24T06:00:00Z", feed, NOW) == datetime(
        2025, 6, 24, 6, 0, tzinfo=UTC
    )


def test_iso() -> None:
    assert iso(datetime(2025, 6, 24, 10, 0, 5, 999, tzinfo=UTC)) == "2025-06-24T10:00:05Z"
    assert iso(datetime(2025, 6, 24, 12, 0, tzinfo=timezone(timedelta(hours=2)))) == (
        "2025-06-24T10:00:00Z"
    )
    assert iso(None) is None


# ---------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Big News Today - Example Times", "Example Times", "Big News Today"),
        ("Big News Today | example times", "Example Times", "Big News Today"),
        ("Big News Today — Example Times", "Example Times", "Big News Today"),
        ("Big News - Today", "Example Times", "Big News - Today"),  # the tail is not the site
        ("Big News - Today - Example Times", "Example Times", "Big News - Today"),
        ("Big News Today - Example Times", None, "Big News Today - Example Times"),
        ("  Big\n  News\u200b Today  ", None, "Big News Today"),
        (" - Example Times", "Example Times", "- Example Times"),  # nothing left: keep it
        ("   ", "Example Times", None),
        (None, "Example Times", None),
        ("Example Times | Big News Today", "Example Times", "Big News Today"),  # the site first
        ("Example Times: Big News Today", "Example Times", "Big News Today"),
        ("Big News: What It Means", "Example Times", "Big News: What It Means"),  # a subtitle stays
        ("Big News Today [LWN.net]", "LWN.net", "Big News Today"),
        ("Big News Today - Spiceworks", "Spiceworks Inc", "Big News Today"),  # legal form left out
        ("Big News Today | TMZ.com", "TMZ", "Big News Today"),  # the domain
        ("Big News Today | HeraldSun", "Herald Sun", "Big News Today"),
        # a slogan after the site's name
        ("Big News Today - Aktuálně.cz", "Aktuálně.cz - Víte, co se právě děje", "Big News Today"),
        ("大新闻_科技_示例网", "示例网", "大新闻_科技"),
        ("Big News Today - The Verge", "the verge", "Big News Today"),
    ],
)
def test_clean_title(title: str | None, site: str | None, expected: str | None) -> None:
    assert clean_title(title, site) == expected


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("by  Jane   Doe, ", "Jane Doe"),
        ("Von Hans Müller", "Hans Müller"),
        ("Par Marie Curie", "Marie Curie"),
        ("Byron Smith", "Byron Smith"),  # a name, not a prefix
        ("Jane Doe |", "Jane Doe"),
        ("x" * 121, None),
        ("   ", None),
        (None, None),
        ("by James Carter Senior News Editor", "James Carter"),  # the seed's byline
        ("Jane Doe, Staff Writer", "Jane Doe"),
        ("Staff Writer Jane Doe", "Jane Doe"),
        ("Mayank Gupta, CEO of Example Corp", "Mayank Gupta"),
        ("Jane Doe, Senior Editor, Example News", "Jane Doe"),  # after the job title: the employer
        ("Jane Doe Contributing Correspondent", "Jane Doe"),
        ("By Jane Doe and John Roe", "Jane Doe, John Roe"),
        ("Jane Doe & John Roe", "Jane Doe, John Roe"),
        ("Jane Doe; JANE DOE", "Jane Doe"),  # the same name twice
        ("By Jane Doe | Example News", "Jane Doe"),
        ("Jane Doe • March 3, 2025", "Jane Doe"),
        ("by Jane Doe22 Dec 2016", "Jane Doe"),
        ("Jane Doe 2 hours ago", "Jane Doe"),
        ("Jane Doe Updated March 3", "Jane Doe"),
        ("Updated March 3, 2025 at 6:01 am", None),
        ("April 28, 2019 at 6:01 am", None),
        ("Tech 16 May 2025 by Jane Doe", "Jane Doe"),
        ("Jane Doe, MD, PhD", "Jane Doe"),
        ("Jane Doe Reviewed by John Roe", "Jane Doe"),
        ("Jane Doe jane.doe@example.com @janedoe", "Jane Doe"),
        ("jane@example.com (Jane Doe)", "Jane Doe"),  # RSS's "address (name)"
        ("https://www.facebook.com/janedoe", None),
        ("Username", None),
        ("The Author", None),
        ("Our Foreign Staff", None),  # a desk, no name
        ("Martin Dupont (avec Jeanne Roux et Paul Petit)", "Martin Dupont"),
        ("Paramita (Guha) Ghosh", "Paramita (Guha) Ghosh"),
        ("Nelson D. Schwartz", "Nelson D. Schwartz"),
        ("Jean-Luc Picard", "Jean-Luc Picard"),
        ("Ursula von der Leyen", "Ursula von der Leyen"),
        ("Aleš Novák před 2 hodinami", "Aleš Novák"),
    ],
)
def test_clean_author(author: str | None, expected: str | None) -> None:
    assert clean_author(author) == expected
    assert clean_author(expected) == expected  # idempotent: build_article cleans extracted names again


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
    assert article.tags[:2] == ["US & Canada", "Politics"]
    assert [t.casefold() for t in article.tags].count("politics") == 1
    assert "news" in article.tags
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
