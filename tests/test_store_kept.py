"""The store's part in re-extraction, on both backends: a kept page comes back as it went in, records are
rewritten in place, placing again moves articles between stories with their bookkeeping, the placements
counter moves; and articles.feed is a key that no write can break or be refused by."""

from __future__ import annotations

import dataclasses
import sqlite3
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database, Migrations
from test_store import FEED, T0, article

from ingest.dedupe.assign import Placement
from ingest.model import Entry, KeptPage
from ingest.store import ArticleFilter, MissingReference, Store
from ingest.store.migrations import (
    m001_initial,
    m002_feed_gone,
    m003_stories,
    m004_story_records,
    m005_fleet,
    m006_keywords,
    m007_feed_settings,
    m008_events,
    m009_links_and_views,
)
from ingest.text.dates import iso

HTML = b"<html><body><article><p>The harbour bridge reopens after repairs.</p></article></body></html>"


def kept(html: bytes = HTML, **entry: Any) -> KeptPage:
    given = Entry(guid="g1", link="https://example.com/a", title="Bridge", published=T0,
                  categories=("local", "transport"), **entry)  # fmt: skip
    return KeptPage("https://example.com/a?utm=x", "text/html; charset=utf-8", given, zlib.compress(html))


def test_a_kept_page_comes_back_as_it_was_kept(store: Store) -> None:
    a = article("https://example.com/a")
    assert store.add_article(a, None, page=kept())
    assert store.add_article(article("https://example.com/b"), None)  # kept by nobody
    (position, back, page), = store.kept_pages(ArticleFilter(), after=0, limit=10)
    assert back == a and page == kept() and zlib.decompress(page.html) == HTML
    assert store.kept_pages(ArticleFilter(), after=position, limit=10) == []
    assert store.articles_without_page(ArticleFilter()) == 1
    assert store.kept_pages(ArticleFilter(sources=("elsewhere.org",)), after=0, limit=10) == []
    assert store.prune_pages(iso(T0)) == 0  # kept as it was fetched, at T0: not before T0
    assert store.prune_pages(iso(T0 + timedelta(seconds=1))) == 1
    assert store.kept_pages(ArticleFilter(), after=0, limit=10) == []
    assert store.articles_without_page(ArticleFilter()) == 2


def test_records_are_rewritten_in_place_and_their_stories_go_stale(store: Store) -> None:
    a = dataclasses.replace(article("https://example.com/a"), story_id="s1")
    assert store.add_article(a, None)
    store.save_story(_story("s1", [a.id]), members=1)
    assert not store.is_stale("s1")
    new = dataclasses.replace(a, text="A ferry is delayed by fog.", title="Fog", word_count=6,
                              content_hash="h2", url="https://elsewhere.example/", story_id="s9")  # fmt: skip
    store.replace_articles([new])
    back = store.article(a.id)
    assert back is not None
    assert (back.text, back.title, back.word_count, back.content_hash) == (new.text, "Fog", 6, "h2")
    assert (back.url, back.story_id) == (a.url, "s1")  # identity and placement are not extraction's
    assert store.is_stale("s1")
    assert [found.id for found, _ in store.search("ferry", 5)] == [a.id]
    assert store.search("harbour", 5) == []


Rows = Callable[..., list[dict]]


def test_placing_again_moves_articles_and_keeps_the_books(store: Store, sql: Rows) -> None:
    a = dataclasses.replace(article("https://example.com/a"), story_id="s1")
    later = T0 + timedelta(hours=1)
    b = dataclasses.replace(article("https://example.com/b", fetched_at=later), story_id="s1")
    c = dataclasses.replace(article("https://example.com/c"), story_id="s2")
    for x in (a, b, c):
        assert store.add_article(x, None)
    before = store.placements_counter()
    store.replace_placements([(b, Placement(None, "s2")), (a, Placement(None, "s3"))])
    assert store.placements_counter() == before + 1
    assert {x.id: x.story_id for x in store.articles()} == {a.id: "s3", b.id: "s2", c.id: "s2"}
    books = {row["id"]: (row["articles"], row["updated_at"]) for row in sql("SELECT * FROM stories")}
    assert books == {"s2": (2, iso(later)), "s3": (1, iso(T0))}  # s1 emptied: gone
    assert store.stale_stories() and set(store.stale_stories()) == {"s2", "s3"}


def test_an_article_of_a_feed_without_a_row_makes_the_row(store: Store, sql: Rows) -> None:
    a = dataclasses.replace(article("https://example.com/a"), feed="https://new.example/feed.xml")
    assert store.add_article(a, None)
    assert [row["url"] for row in sql("SELECT url FROM feeds")] == ["https://new.example/feed.xml"]
    assert not store.add_article(a, None)  # already stored: the one answer that is not an error


def test_a_copy_of_an_article_not_stored_is_refused_loudly(store: Store) -> None:
    copy = dataclasses.replace(article("https://example.com/copy"), duplicate_of="0123456789abcdef")
    with pytest.raises(MissingReference, match="https://example.com/copy"):
        store.add_article(copy, None)
    assert list(store.articles()) == []


def test_m010_upgrades_an_m009_database_with_articles_of_unsynced_feeds(tmp_path: Path) -> None:
    path = tmp_path / "ingest.db"
    old = Migrations("ingest")
    for step in (m001_initial, m002_feed_gone, m003_stories, m004_story_records, m005_fleet, m006_keywords,
                 m007_feed_settings, m008_events, m009_links_and_views):  # fmt: skip
        old()(step)
    db = Database(sqlite3.connect(path))
    old.apply(db)
    a = article("https://example.com/a")
    needed = ("id", "url", "canonical_url", "feed", "source", "fetched_at", "text", "word_count",
              "content_hash")
    record = {name: getattr(a, name) for name in needed}
    db.execute(f"INSERT INTO articles ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
               list(record.values()))  # fmt: skip
    db.conn.commit()
    db.close()

    store = Store.open(path)
    try:
        assert [f.url for f in store.feed_states()] == [FEED]  # made for the article stored without one
        assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert store.articles_without_page(ArticleFilter()) == 1
        assert [row["article_id"] for row in store.db.query("SELECT * FROM story_articles")] == []
        assert [a.url for a, _ in store.search("harbour", 5)] == ["https://example.com/a"]
    finally:
        store.close()


def _story(story_id: str, ids: list[str]) -> Any:
    from ingest.model import Story

    now = iso(datetime(2025, 6, 24, tzinfo=UTC))
    return Story(story_id, "t", "2025-06-24", {"example.com": 1}, ids, "s", [], None, None, None, now, now)
