"""The store on real databases, every test on both backends (a SQLite file, and a fresh database on a
throw-away PostgreSQL cluster: conftest's `store`): dedupe by URL and guid, failures, feeds, full-text
search, stories. What is SQLite's own (WAL, busy timeout, its migrations) runs on SQLite only; the
fleet's methods are in test_store_fleet.py, PostgreSQL's own in test_store_postgres.py."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database, Migrations

from ingest.dedupe.assign import Deduper, Placement
from ingest.model import Entry, Extracted, FeedState, Story
from ingest.normalize import build_article, entry_key, iso
from ingest.run.retry import MAX_ENTRY_ATTEMPTS
from ingest.run.services import load_deduper
from ingest.store import AmbiguousId, ArticleFilter, Store, StoreError
from ingest.store.migrations import (
    m001_initial,
    m002_feed_gone,
    m003_stories,
    m004_story_records,
    m005_fleet,
    m006_keywords,
    m007_feed_settings,
    m008_events,
)
from ingest.store.pg_schema import MIGRATIONS
from ingest.store.sqlite import BUSY_TIMEOUT_S

Sql = Callable[..., list[dict[str, Any]]]

FEED = "https://example.com/feed.xml"
T0 = datetime(2025, 6, 24, 12, 0, tzinfo=UTC)


def article(
    url: str,
    *,
    guid: str | None = None,
    text: str = "A story about the harbour bridge reopening after repairs.",
    fetched_at: datetime = T0,
    title: str = "Bridge reopens",
):
    """A real Article record, assembled by build_article as the pipeline does."""
    return build_article(
        entry=Entry(guid=guid, link=url, title=title),
        feed_url=FEED,
        feed_tags=("local",),
        url=url,
        extracted=Extracted(text=text, title=title),
        fetched_at=fetched_at,
    )


@pytest.fixture
def lite(tmp_path: Path):
    """A SQLite store, for what is SQLite's own."""
    (tmp_path / "db").mkdir()
    s = Store.open(tmp_path / "db" / "ingest.db")
    yield s
    s.close()


def seen(store: Store, guid: str | None, urls: list) -> bool:
    return store.seen(guid, urls, max_attempts=MAX_ENTRY_ATTEMPTS)


def reader(path: Path) -> sqlite3.Connection:
    """Another tool's connection to the same file."""
    return sqlite3.connect(path, timeout=2)


def count(sql: Sql, table: str) -> int:
    return sql(f"SELECT count(*) AS n FROM {table}")[0]["n"]


# ---------------------------------------------------------------- opening


def test_open_twice_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "ingest.db"
    first = Store.open(path)
    assert first.add_article(article("https://example.com/1"), None)
    migrations_before = list(first.db.query("SELECT * FROM _sqlite_migrations"))
    first.close()

    second = Store.open(path)
    try:
        assert list(second.db.query("SELECT * FROM _sqlite_migrations")) == migrations_before
        assert len(migrations_before) >= 1
        assert second.db["articles"].count == 1  # the data survived, nothing was recreated
        assert {"feeds", "articles", "entry_failures", "articles_fts"} <= set(second.db.table_names())
    finally:
        second.close()
    third = Store.open(path)  # and once more while nothing changed
    third.close()


def test_journal_mode_is_wal(lite: Store) -> None:
    assert lite.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with reader(lite.path) as other:  # WAL is a property of the file, not of one connection
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_busy_timeout_is_set(lite: Store) -> None:
    assert lite.db.execute("PRAGMA busy_timeout").fetchone()[0] == int(BUSY_TIMEOUT_S * 1000)
    assert BUSY_TIMEOUT_S >= 1


def test_open_without_create_needs_an_existing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(StoreError, match="nope.db"):
        Store.open(missing, create=False)
    assert not missing.exists()
    Store.open(missing).close()
    readonly = Store.open(missing, create=False)
    try:
        assert readonly.db["articles"].count == 0
    finally:
        readonly.close()


def test_open_in_a_missing_folder_names_it_and_makes_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "dir"
    with pytest.raises(StoreError, match=f"no such folder: {missing}"):
        Store.open(missing / "x.db")
    assert not (tmp_path / "typo").exists()


def test_open_in_an_unusable_place_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="file"):
        Store.open(blocker / "ingest.db")


# ---------------------------------------------------------------- articles


def test_add_article_and_read_it_back(store: Store, sql: Sql) -> None:
    a = article("https://example.com/1?utm_source=rss", guid="1")
    assert store.add_article(a, entry_url="https://example.com/1?utm_source=rss")
    (row,) = list(store.articles())
    assert row.id == a.id
    assert row.canonical_url == "https://example.com/1"
    assert sql("SELECT entry_url FROM articles") == [{"entry_url": "https://example.com/1?utm_source=rss"}]
    assert row.guid == f"{FEED}#1"
    assert row.text == a.text
    assert row.tags == ["local"]  # JSON round trip
    assert row.keywords == []
    assert row.content_hash == a.content_hash
    assert row == a  # every field comes back as it went in
    assert count(sql, "articles") == 1
    assert store.article(a.id) == a and store.article(a.id[:6]) == a and store.has_article(a.id)
    assert store.article("0" * 16 if a.id != "0" * 16 else "1" * 16) is None


def test_tags_and_keywords_are_stored_apart(store: Store, sql: Sql) -> None:
    a = dataclasses.replace(article("https://example.com/k"), keywords=["aircraft", "search", "Indonésie"])
    assert store.add_article(a, entry_url=None)
    (row,) = list(store.articles())
    assert (row.tags, row.keywords) == (["local"], ["aircraft", "search", "Indonésie"])
    (raw,) = sql("SELECT keywords FROM articles")  # plain JSON for other tools (psycopg decodes it itself)
    keywords = raw["keywords"] if isinstance(raw["keywords"], list) else json.loads(raw["keywords"])
    assert keywords == ["aircraft", "search", "Indonésie"]


def test_second_article_with_the_same_canonical_url_is_refused(store: Store, sql: Sql) -> None:
    first = article("https://example.com/story?utm_source=a", guid="a")
    again = article("https://EXAMPLE.com/story?fbclid=x#top", guid="b", text="Other text entirely.")
    assert first.canonical_url == again.canonical_url
    assert store.add_article(first, None) is True
    assert store.add_article(again, None) is False
    assert store.add_article(first, None) is False  # the same record again: the id is taken too
    assert count(sql, "articles") == 1
    (row,) = list(store.articles())
    assert row.text == first.text  # the first one stays


def test_articles_since_filters_by_fetched_at(store: Store) -> None:
    for i in range(4):
        store.add_article(
            article(f"https://example.com/{i}", fetched_at=T0 + timedelta(hours=i)), None
        )
    everything = [row.canonical_url for row in store.articles()]
    assert everything == [f"https://example.com/{i}" for i in range(4)]  # in stored order
    after_two = ArticleFilter(since="2025-06-24T14:00:00Z", by="fetched")
    since = [r.canonical_url for r in store.articles(after_two)]
    assert since == ["https://example.com/2", "https://example.com/3"]
    assert list(store.articles(ArticleFilter(since="2025-06-25T00:00:00Z", by="fetched"))) == []


# Each backend's full-text search, as a reader would query it: the canonical URLs whose title or text
# has the word.
FULL_TEXT = {
    "sqlite": """SELECT articles.canonical_url FROM articles_fts JOIN articles ON articles.rowid = articles_fts.rowid
                 WHERE articles_fts MATCH %s ORDER BY articles.rowid""",
    "postgresql": """SELECT canonical_url FROM articles WHERE search @@ plainto_tsquery('simple', %s)
                     ORDER BY seq""",
}


def test_full_text_index_finds_an_article_by_a_word(store: Store, sql: Sql, backend: str) -> None:
    store.add_article(article("https://example.com/1", text="The harbour bridge reopened today."), None)
    store.add_article(
        article("https://example.com/2", text="Parliament debated the budget.", title="Budget"),
        None,
    )

    def found(word: str) -> list[str]:
        return [row["canonical_url"] for row in sql(FULL_TEXT[backend], word)]

    assert found("parliament") == ["https://example.com/2"]
    assert found("harbour") == ["https://example.com/1"]
    assert found("budget") == ["https://example.com/2"]  # the title counts too
    assert found("zebra") == []


# ---------------------------------------------------------------- seen


def test_seen_by_guid_canonical_url_and_entry_url(store: Store) -> None:
    entry_url = "https://feeds.example.com/click?id=1"
    a = article("https://example.com/story-1", guid="guid-1")
    assert not seen(store, a.guid, [entry_url])
    store.add_article(a, entry_url=entry_url)

    assert seen(store, a.guid, [])  # by guid
    assert seen(store, None, ["https://example.com/story-1"])  # by canonical URL
    assert seen(store, None, [entry_url])  # by the feed's link
    assert seen(store, "unknown-guid", ["https://unknown.example.com/", entry_url])
    assert not seen(store, "unknown-guid", ["https://example.com/story-2"])
    assert not seen(store, f"{FEED}#guid-2", [])
    assert not seen(store, None, [])
    assert not seen(store, None, ["", None])  # type: ignore[list-item]


def test_permanent_entry_failure_is_seen_at_once(store: Store) -> None:
    key = entry_key(Entry(guid="404", link=None), FEED)
    assert key is not None
    store.record_entry_failure(
        key, feed=FEED, url="https://example.com/gone", reason="HTTP 404", permanent=True, at=T0
    )
    assert seen(store, key, [])
    assert not seen(store, f"{FEED}#other", [])


def test_transient_entry_failure_is_seen_only_after_max_attempts(store: Store, sql: Sql) -> None:
    key = "https://example.com/flaky"
    for attempt in range(1, MAX_ENTRY_ATTEMPTS + 1):
        assert not seen(store, key, [key]), f"given up after {attempt - 1} attempts"
        store.record_entry_failure(
            key, feed=FEED, url=key, reason="timeout", permanent=False, at=T0 + timedelta(minutes=attempt)
        )
    assert seen(store, key, [])
    (row,) = sql("SELECT * FROM entry_failures WHERE key = %s", key)
    assert row["attempts"] == MAX_ENTRY_ATTEMPTS
    assert row["last_attempt"] == "2025-06-24T12:03:00Z"
    assert not row["permanent"]


def test_entry_failure_found_by_its_url_key(store: Store) -> None:
    url = "https://example.com/no-guid"
    store.record_entry_failure(url, feed=FEED, url=url, reason="HTTP 410", permanent=True, at=T0)
    assert seen(store, None, [url])


def test_success_clears_the_entry_failures(store: Store, sql: Sql) -> None:
    guid = f"{FEED}#7"
    url = "https://example.com/7"
    for _ in range(MAX_ENTRY_ATTEMPTS - 1):
        store.record_entry_failure(guid, feed=FEED, url=url, reason="timeout", permanent=False, at=T0)
    store.record_entry_failure(url, feed=FEED, url=url, reason="timeout", permanent=False, at=T0)
    assert count(sql, "entry_failures") == 2

    assert store.add_article(article(url, guid="7"), entry_url=url)
    assert count(sql, "entry_failures") == 0
    assert seen(store, guid, [url])  # now as a stored article


# ---------------------------------------------------------------- feeds


def test_feed_success_and_failure_bookkeeping(store: Store) -> None:
    store.sync_feeds([(FEED, "Example"), ("https://other.example.org/rss", "Other")])
    assert store.feed_state(FEED) == FeedState(FEED, name="Example")

    store.record_failure(FEED, error="HTTP 503", status=503, at=T0, next_poll=T0 + timedelta(minutes=5))
    store.record_failure(FEED, error="timeout", status=None, at=T0, next_poll=T0 + timedelta(minutes=10))
    row = store.feed_state(FEED)
    assert row.failures == 2
    assert row.last_error == "timeout"
    assert row.last_status is None
    assert row.next_poll == "2025-06-24T12:10:00.000Z"  # to the millisecond, as leases
    assert row.last_success is None

    later = T0 + timedelta(hours=1)
    store.record_success(
        FEED,
        status=200,
        at=later,
        next_poll=later + timedelta(minutes=30),
        etag='"abc"',
        last_modified="Tue, 24 Jun 2025 12:00:00 GMT",
        title="Example News",
    )
    state = store.feed_state(FEED)
    assert state.failures == 0
    assert state.etag == '"abc"'
    assert state.last_modified == "Tue, 24 Jun 2025 12:00:00 GMT"
    assert state.next_poll == "2025-06-24T13:30:00.000Z"
    row = store.feed_state(FEED)
    assert row.last_error is None
    assert row.last_status == 200
    assert row.title == "Example News"
    assert row.last_success == "2025-06-24T13:00:00Z"

    # a 304 carries no new validators: the old ones are kept
    store.record_success(FEED, status=304, at=later, next_poll=later)
    state = store.feed_state(FEED)
    assert state.etag == '"abc"' and state.last_modified == "Tue, 24 Jun 2025 12:00:00 GMT"

    # the other feed was not touched
    other = store.feed_state("https://other.example.org/rss")
    assert other.failures == 0 and other.etag is None


def test_sync_feeds_updates_names_and_keeps_state(store: Store) -> None:
    store.sync_feeds([(FEED, "Old name")])
    store.record_failure(FEED, error="x", status=500, at=T0, next_poll=T0)
    store.sync_feeds([(FEED, "New name")])
    row = store.feed_state(FEED)
    assert row.name == "New name"
    assert row.failures == 1


def test_changed_settings_forget_the_failures_of_their_feed_only(store: Store, sql: Sql) -> None:
    other, healthy = "https://other.example.org/rss", "https://healthy.example.org/rss"
    store.sync_feeds([(FEED, "Example"), (other, "Other"), (healthy, "Healthy")])
    one = {FEED: '{"a":1}', other: '{"a":1}', healthy: '{"a":1}'}
    assert store.update_settings(one) == []  # nothing recorded before
    for url in (FEED, other):
        store.record_failure(url, error="x", status=500, at=T0, next_poll=T0 + timedelta(hours=1))
        store.record_entry_failure(url + "#1", feed=url, url=url + "/1", reason="refused", permanent=True, at=T0)
    store.record_success(healthy, status=200, at=T0, next_poll=T0 + timedelta(hours=1), etag='"v1"')
    assert store.update_settings(one) == []  # the same: nothing to cure

    (change,) = store.update_settings(one | {FEED: '{"a":2}', healthy: '{"a":2}'})
    assert (change.url, change.before, change.pages) == (FEED, '{"a":1}', 1)
    assert (store.feed_state(FEED).failures, store.feed_state(FEED).next_poll) == (0, None)
    assert store.feed_state(other).failures == 1
    assert [r["feed"] for r in sql("SELECT feed FROM entry_failures")] == [other]
    # A healthy feed has nothing to forget: its validators and schedule stay.
    kept = store.feed_state(healthy)
    assert (kept.etag, kept.next_poll) == ('"v1"', "2025-06-24T13:00:00.000Z")
    assert store.update_settings(one | {FEED: '{"a":2}', healthy: '{"a":2}'}) == []  # recorded


def test_feed_state_of_an_unknown_feed(store: Store) -> None:
    assert store.feed_state("https://nowhere.example/") == FeedState("https://nowhere.example/")


# ---------------------------------------------------------------- readers beside the writer


def test_writes_are_visible_to_another_connection(store: Store, sql: Sql) -> None:
    store.sync_feeds([(FEED, "Example")])
    store.record_success(FEED, status=200, at=T0, next_poll=T0, etag='"v1"')
    store.add_article(article("https://example.com/1"), None)
    assert sql("SELECT etag FROM feeds") == [{"etag": '"v1"'}]
    assert count(sql, "articles") == 1


def test_reader_works_during_an_open_write_transaction(lite: Store) -> None:
    lite.add_article(article("https://example.com/1"), None)
    other = reader(lite.path)
    try:
        with lite.db.atomic():
            assert lite.add_article(article("https://example.com/2"), None)
            assert lite.db.conn.in_transaction
            # the other tool reads the last committed state, without waiting for the writer
            assert other.execute("SELECT count(*) FROM articles").fetchone() == (1,)
        assert other.execute("SELECT count(*) FROM articles").fetchone() == (2,)
    finally:
        other.close()


def test_writer_commits_while_a_reader_holds_a_snapshot(lite: Store) -> None:
    lite.add_article(article("https://example.com/1"), None)
    other = reader(lite.path)
    try:
        other.execute("BEGIN")
        assert other.execute("SELECT count(*) FROM articles").fetchone() == (1,)
        # In rollback-journal mode this commit would wait for the reader's lock; in WAL it goes through.
        lite.db.execute("PRAGMA busy_timeout = 1000")  # fail fast rather than hang if it ever blocks
        assert lite.add_article(article("https://example.com/2"), None)
        assert other.execute("SELECT count(*) FROM articles").fetchone() == (1,)  # its snapshot
        other.execute("COMMIT")
        assert other.execute("SELECT count(*) FROM articles").fetchone() == (2,)
    finally:
        other.close()


# ---------------------------------------------------------------- m003: fingerprints and stories


def _m002_database(path: Path, articles: list) -> None:
    """A database as the daemon left it before m003: every article its own story."""
    old = Migrations("ingest")
    old()(m001_initial)
    old()(m002_feed_gone)
    db = Database(sqlite3.connect(path))
    old.apply(db)
    db.execute("INSERT INTO feeds (url, name) VALUES (?, ?)", [FEED, "example"])
    for a in articles:
        record = dataclasses.asdict(a) | {"tags": json.dumps(a.tags), "story_id": a.id}
        del record["keywords"]  # m006's column
        db.execute(
            f"INSERT INTO articles ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
            list(record.values()),
        )
    db.conn.commit()
    db.close()


async def test_m003_upgrades_an_m002_database_in_place(tmp_path: Path, fixtures: Path) -> None:
    path = tmp_path / "ingest.db"
    rows = [json.loads(line) for line in (fixtures / "stories" / "text" / "articles.jsonl").open()]
    wire, other = [r["text"] for r in rows if len(r["text"].split()) > 500][:2]
    old = [
        article("https://example.com/wire", text=wire, title="Wire", fetched_at=T0),
        article("https://example.com/other", text=other, title="Other", fetched_at=T0 + timedelta(hours=1)),
        article("https://mirror.example/wire", text="Ad\n" + wire, fetched_at=T0 + timedelta(hours=2)),
        article("https://print.example/wire", text=wire, fetched_at=T0 + timedelta(hours=3)),
    ]
    _m002_database(path, old)

    store = Store.open(path)
    try:
        names = [m["name"] for m in store.db.query("SELECT name FROM _sqlite_migrations ORDER BY id")]
        assert names == [
            "m001_initial", "m002_feed_gone", "m003_stories", "m004_story_records", "m005_fleet", "m006_keywords",
            "m007_feed_settings", "m008_events", "m009_links_and_views", "m010_kept_pages",
            "m011_reasons_and_overrides",
        ]
        assert store.feed_state(FEED).name == "example"
        # The migration is SQL only; the first run places what it finds, with the deduper of its day.
        await load_deduper(store)
        stored = {a.url: a for a in store.articles()}
        assert len(stored) == 4 and stored["https://example.com/wire"].text == wire
        original = stored["https://example.com/wire"].id
        assert stored["https://example.com/wire"].duplicate_of is None
        assert stored["https://mirror.example/wire"].duplicate_of == original  # near copy
        assert stored["https://print.example/wire"].duplicate_of == original  # same text
        assert {stored[u].story_id for u in stored if "wire" in u} == {original}
        other_id = stored["https://example.com/other"].id
        assert stored["https://example.com/other"].story_id == other_id
        stories = {s["id"]: s for s in store.db.query("SELECT * FROM stories")}
        assert {k: s["articles"] for k, s in stories.items()} == {original: 3, other_id: 1}
        assert stories[original]["first_seen"] == "2025-06-24T12:00:00Z"
        assert stories[original]["updated_at"] == "2025-06-24T15:00:00Z"
        # Their records are yet to be written: the next run's refresh finds them.
        assert sorted(store.stale_stories()) == sorted([original, other_id])
        # The print copy's text is the original's, so it needs no fingerprint of its own.
        assert len(list(store.fingerprints())) == 3

        # And the stored state rebuilds a deduper that knows them.
        deduper = Deduper.rebuild(store.fingerprints(), store.recent_articles(7, T0 + timedelta(days=1)))
        later = article("https://late.example/wire", text=wire + "\nMore to follow.", fetched_at=T0)
        placed = deduper.place(later)
        assert (placed.duplicate_of, placed.story_id) == (original, original)
    finally:
        store.close()


def test_a_story_merge_relabels_articles_in_the_same_transaction(store: Store, sql: Sql) -> None:
    a = dataclasses.replace(article("https://example.com/a"), story_id="s1")
    later = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    b = dataclasses.replace(article("https://example.com/b", fetched_at=later[0]), story_id="s2")
    c = dataclasses.replace(article("https://example.com/c", fetched_at=later[1]), story_id="s1")
    assert store.add_article(a, None) and store.add_article(b, None)

    assert store.add_article(c, None, placement=Placement(None, "s1", merges=[("s2", "s1")]))

    assert [r.story_id for r in store.articles()] == ["s1", "s1", "s1"]
    [story] = sql("SELECT id, first_seen, updated_at, articles, stale FROM stories")
    assert story == {"id": "s1", "first_seen": iso(T0), "updated_at": iso(later[1]), "articles": 3, "stale": 1}
    assert store.stale_stories() == ["s1"] and store.is_stale("s1")


def test_a_refused_article_leaves_no_story_merge_behind(store: Store, sql: Sql) -> None:
    a = dataclasses.replace(article("https://example.com/a"), story_id="s1")
    b = dataclasses.replace(article("https://example.com/b"), story_id="s2")
    assert store.add_article(a, None) and store.add_article(b, None)

    again = dataclasses.replace(article("https://example.com/a"), story_id="s1")
    assert not store.add_article(again, None, placement=Placement(None, "s1", merges=[("s2", "s1")]))

    assert [r.story_id for r in store.articles()] == ["s1", "s2"]
    assert {s["id"] for s in sql("SELECT id FROM stories")} == {"s1", "s2"}


# ---------------------------------------------------------------- m009 / p005: the story key and the views


def test_views_answer_the_common_questions(store: Store, sql: Sql, backend: str) -> None:
    store.sync_feeds([(FEED, "example"), ("https://quiet.example/feed", "quiet")])
    late = dataclasses.replace(article("https://example.com/late", fetched_at=T0), story_id="s1")
    late.published = "2025-06-24T10:00:00Z"
    early = dataclasses.replace(article("https://example.com/early", fetched_at=T0), story_id="s1")
    early.published = "2025-06-24T08:00:00Z"
    alone = dataclasses.replace(article("https://example.com/alone", fetched_at=T0 + timedelta(hours=1)),
                                story_id="s2", title="Ferry delayed")  # fmt: skip
    assert all(store.add_article(a, None) for a in (late, early, alone))
    store.record_entry_failure("https://example.com/x", feed=FEED, url=None, reason="HTTP 500",
                               permanent=False, at=T0)  # fmt: skip

    rows = sql("SELECT story_id, article_id, title, source, published, url FROM story_articles")
    order = [(r["story_id"], r["article_id"]) for r in rows]
    assert order == [("s2", alone.id), ("s1", early.id), ("s1", late.id)]  # latest story first
    assert rows[0] == {"story_id": "s2", "article_id": alone.id, "title": "Ferry delayed",
                       "source": alone.source, "published": None, "url": alone.url}  # fmt: skip
    feeds = sql("SELECT * FROM feed_health")
    health = {r["url"]: (r["name"], r["articles"], r["pages_failed"]) for r in feeds}
    assert health == {FEED: ("example", 3, 1), "https://quiet.example/feed": ("quiet", 0, 0)}

    # The story key, as a tool reading the catalogue sees it.
    if backend == "sqlite":
        listed = sql("SELECT * FROM pragma_foreign_key_list('articles')")
        keys = {(k["from"], k["table"], k["to"]) for k in listed}
    else:
        keys = {
            (k["column_name"], k["foreign_table"], k["foreign_column"])
            for k in sql(
                """SELECT kcu.column_name, ccu.table_name AS foreign_table, ccu.column_name AS foreign_column
                   FROM information_schema.table_constraints tc
                   JOIN information_schema.key_column_usage kcu USING (constraint_name)
                   JOIN information_schema.constraint_column_usage ccu USING (constraint_name)
                   WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name = 'articles'"""
            )
        }
    assert keys == {
        ("story_id", "stories", "id"), ("duplicate_of", "articles", "id"), ("feed", "feeds", "url")}  # fmt: skip


def test_the_store_refuses_an_article_in_a_story_that_has_no_row(lite: Store) -> None:
    assert lite.add_article(dataclasses.replace(article("https://example.com/a"), story_id="s1"), None)
    with pytest.raises(sqlite3.IntegrityError), lite.db.atomic():  # checked at commit
        lite.db.execute("UPDATE articles SET story_id = 'nowhere'")
    assert [a.story_id for a in lite.articles()] == ["s1"]


def _m008_database(path: Path) -> None:
    """A database as the daemon left it before m009: stories placed, a page searchable, a rowid gap."""
    old = Migrations("ingest")
    for step in (m001_initial, m002_feed_gone, m003_stories, m004_story_records, m005_fleet, m006_keywords,
                 m007_feed_settings, m008_events):  # fmt: skip
        old()(step)
    db = Database(sqlite3.connect(path))
    old.apply(db)
    db.execute("INSERT INTO feeds (url, name) VALUES (?, ?)", [FEED, "example"])
    texts = ["The harbour bridge reopens.", "Gone soon.", "A ferry is delayed by fog.", "Lost story."]
    for n, text in enumerate(texts):
        a = article(f"https://example.com/{n}", text=text, title=f"T{n}")
        a = dataclasses.replace(a, story_id=f"s{n}")
        record = dataclasses.asdict(a) | {"tags": json.dumps(a.tags), "keywords": json.dumps(a.keywords)}
        db.execute(
            f"INSERT INTO articles ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
            list(record.values()),
        )
        if n != 3:  # s3 never got its row
            db.execute("INSERT INTO stories (id, first_seen, updated_at, articles) VALUES (?, ?, ?, 1)",
                       [f"s{n}", iso(T0), iso(T0)])  # fmt: skip
    db.execute("DELETE FROM articles WHERE url = 'https://example.com/1'")  # rowids 1, 3, 4 remain
    db.conn.commit()
    db.close()


def test_m009_upgrades_an_m008_database_in_place(tmp_path: Path) -> None:
    path = tmp_path / "ingest.db"
    _m008_database(path)
    before = sqlite3.connect(path)
    rows = before.execute("SELECT rowid, * FROM articles ORDER BY rowid").fetchall()
    before.close()

    store = Store.open(path)
    try:
        after = store.db.execute("SELECT rowid, * FROM articles ORDER BY rowid").fetchall()
        after = [row[: len(rows[0])] for row in after]  # later steps add columns: m011's reasons
        assert [r[0] for r in after] == [1, 3, 4]
        lost = [c.name for c in store.db["articles"].columns].index("story_id") + 1
        assert after[:2] == rows[:2]  # every column, every rowid
        assert after[2][lost] is None  # its story had no row: it is placed again at start
        assert after[2][:lost] + after[2][lost + 1 :] == rows[2][:lost] + rows[2][lost + 1 :]
        assert [a.url for a in store.articles()] == [f"https://example.com/{n}" for n in (0, 2, 3)]
        assert [a.url for a, _ in store.search("ferry", 5)] == ["https://example.com/2"]
        assert {i.name for i in store.db["articles"].indexes if not i.name.startswith("sqlite_")} == {
            "articles_guid", "articles_entry_url", "articles_content_hash", "articles_fetched_at",
            "articles_published", "articles_story_id", "articles_duplicate_of", "articles_feed"}  # fmt: skip

        # The index still follows every change, through the triggers made anew.
        later = dataclasses.replace(article("https://example.com/9", text="Fog lifts over the ferry."),
                                    story_id="s9")  # fmt: skip
        assert store.add_article(later, None)
        store.db.execute("UPDATE articles SET title = 'Harbour news' WHERE url = 'https://example.com/0'")
        store.db.execute("DELETE FROM articles WHERE url = 'https://example.com/3'")
        store.db.conn.commit()
        store.db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
        assert sorted(a.url for a, _ in store.search("ferry", 5)) == [
            "https://example.com/2", "https://example.com/9"]  # fmt: skip
        assert [a.url for a, _ in store.search("harbour news", 5)] == ["https://example.com/0"]
        assert not store.search("lost", 5)
    finally:
        store.close()


def test_p005_upgrades_a_p004_database_in_place(postgres_url: str) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE ingest_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL "
                     "DEFAULT now())")  # fmt: skip
        for name, step in MIGRATIONS[:4]:
            conn.execute(step)  # type: ignore[arg-type]  (frozen text)
            conn.execute("INSERT INTO ingest_migrations (name) VALUES (%s)", [name])
        conn.execute("INSERT INTO stories (id, first_seen, updated_at, articles) VALUES ('s0', 'x', 'x', 1)")
        for n, story in enumerate(("s0", "s1")):  # s1 never got its row
            a = article(f"https://example.com/{n}", text=f"The ferry number {n} is late.")
            record = dataclasses.asdict(a) | {"tags": json.dumps(a.tags), "keywords": json.dumps(a.keywords),
                                              "story_id": story}  # fmt: skip
            marks = ", ".join(["%s"] * len(record))
            insert = f"INSERT INTO articles ({', '.join(record)}) VALUES ({marks})"
            conn.execute(insert, list(record.values()))  # type: ignore[call-overload]

    store = Store.open(postgres_url)
    try:
        assert [(a.url, a.story_id) for a in store.articles()] == [
            ("https://example.com/0", "s0"), ("https://example.com/1", None)]  # fmt: skip
        assert len(store.search("ferry", 5)) == 2
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            rows = conn.execute("SELECT story_id, article_id FROM story_articles").fetchall()
            assert [story for story, _ in rows] == ["s0"]
            with pytest.raises(psycopg.errors.ForeignKeyViolation):
                conn.execute("UPDATE articles SET story_id = 'nowhere'")
    finally:
        store.close()


# ---------------------------------------------------------------- the rest of the interface, both backends


def story_record(story_id: str, **changes: Any) -> Story:
    values: dict[str, Any] = dict(
        id=story_id, title="Bridge reopens", date="2025-06-24", sources={"zeta.example": 2, "alpha.example": 1},
        articles=[], summary="It reopened.", key_points=["One.", "Two.", "Three."], image_url=None,
        image_caption=None, image_source=None, first_seen="", updated_at="", summarized_by="extractive",
    )  # fmt: skip
    return Story(**(values | changes))


def test_a_saved_story_reads_back_with_its_articles_in_order(store: Store) -> None:
    late = dataclasses.replace(article("https://example.com/late", fetched_at=T0), story_id="abc123")
    late.published = "2025-06-24T10:00:00Z"
    early = dataclasses.replace(article("https://example.com/early", fetched_at=T0 + timedelta(hours=1)),
                                story_id="abc123")  # fmt: skip
    early.published = "2025-06-24T08:00:00Z"
    assert store.add_article(late, None) and store.add_article(early, None)
    assert store.is_stale("abc123")

    store.save_story(story_record("abc123"), members=2)
    story = store.story("abc123")
    assert story is not None
    assert story.articles == [early.id, late.id]  # by publication, not by storing
    assert list(story.sources) == ["zeta.example", "alpha.example"]  # the order written is kept
    assert story.key_points == ["One.", "Two.", "Three."] and story.summary == "It reopened."
    assert (story.first_seen, story.updated_at) == (iso(T0), iso(T0 + timedelta(hours=1)))
    assert not store.is_stale("abc123") and store.stale_stories() == []
    assert [a.id for a in store.story_members("abc123")] == [early.id, late.id]
    assert store.story("abc") == story  # a prefix
    assert store.story("abd") is None

    # A record made from fewer articles than the story has stays stale.
    store.save_story(story_record("abc123", title="Old"), members=1)
    assert store.is_stale("abc123") and store.story("abc123").title == "Old"  # type: ignore[union-attr]


def test_an_id_prefix_of_two_records_is_ambiguous(store: Store) -> None:
    for story_id in ("aa11", "aa22"):
        assert store.add_article(
            dataclasses.replace(article(f"https://example.com/{story_id}"), story_id=story_id), None
        )
    with pytest.raises(AmbiguousId, match="'aa'"):
        store.story("aa")
    assert store.story("aa1").id == "aa11"  # type: ignore[union-attr]
    ids = sorted(a.id for a in store.articles())
    shared = next(n for n in range(16, 0, -1) if ids[0][:n] == ids[1][:n]) if ids[0][0] == ids[1][0] else 0
    if shared:
        with pytest.raises(AmbiguousId):
            store.article(ids[0][:shared])
    assert store.article(ids[0]).id == ids[0]  # type: ignore[union-attr]


def test_stories_since_in_order_of_update(store: Store) -> None:
    for i, story_id in enumerate(("s2", "s1", "s3")):
        a = dataclasses.replace(article(f"https://example.com/{i}", fetched_at=T0 + timedelta(hours=i)), story_id=story_id)
        assert store.add_article(a, None)
    assert [s.id for s in store.stories()] == ["s2", "s1", "s3"]
    assert [s.id for s in store.stories(ArticleFilter(since=iso(T0 + timedelta(hours=1))))] == ["s1", "s3"]
    assert [s.articles for s in store.stories()] == [[a.id] for a in store.articles()]


def test_place_unplaced_articles_with_fingerprints_and_merges(store: Store) -> None:
    from ingest.dedupe.neardup import FingerprintRow

    a = article("https://example.com/a", fetched_at=T0)
    b = article("https://example.com/b", fetched_at=T0 + timedelta(hours=1), text=a.text)
    c = article("https://example.com/c", fetched_at=T0 + timedelta(hours=2), text="Something else.")
    for x in (a, b, c):
        assert store.add_article(x, None)
    assert [x.id for x in store.unplaced_articles()] == [a.id, b.id, c.id]
    assert store.same_text(a.content_hash) == (a.id, None)

    signature = bytes(range(256)) * 4  # a BLOB round trip, every byte value
    store.place([
        (a, Placement(None, a.id, fingerprint=FingerprintRow(a.id, signature, 9, None))),
        (b, Placement(a.id, a.id)),
        (c, Placement(None, c.id, fingerprint=FingerprintRow(c.id, b"\x00\x01", 2, None))),
    ])  # fmt: skip
    assert store.unplaced_articles() == []
    assert store.same_text(a.content_hash) == (a.id, a.id)
    assert [(f.article_id, f.signature, f.shingles, story) for f, story in store.fingerprints()] == [
        (a.id, signature, 9, a.id), (c.id, b"\x00\x01", 2, c.id)]  # fmt: skip
    assert store.story(a.id).articles == [a.id, b.id]  # type: ignore[union-attr]

    # A later placement merging c's story into a's: c's articles and bookkeeping move over.
    d = article("https://example.com/d", fetched_at=T0 + timedelta(hours=3), text="Joins both.")
    assert store.add_article(d, None)
    store.place([(d, Placement(None, a.id, merges=[(c.id, a.id)]))])
    assert store.story(c.id) is None
    merged = store.story(a.id)
    assert merged is not None and merged.articles == [a.id, b.id, c.id, d.id]
    assert (merged.first_seen, merged.updated_at) == (iso(T0), iso(T0 + timedelta(hours=3)))


def test_recent_articles_replays_the_last_days_by_date(store: Store) -> None:
    old = dataclasses.replace(article("https://example.com/old"), published="2025-06-01T00:00:00Z")
    new = dataclasses.replace(article("https://example.com/new"), published="2025-06-24T00:00:00Z")
    undated = dataclasses.replace(article("https://example.com/undated", fetched_at=T0), published=None)
    for x in (new, undated, old):
        assert store.add_article(x, None)
    assert [a.id for a in store.recent_articles(7, T0 + timedelta(days=1))] == [new.id, undated.id]
    assert [a.id for a in store.recent_articles(30, T0)] == [old.id, new.id, undated.id]


def test_articles_walk_every_page_in_stored_order(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.store import postgres

    monkeypatch.setattr(postgres, "_PAGE", 3)  # PostgreSQL reads a large table a page at a time
    urls = [f"https://example.com/{i}" for i in (5, 1, 4, 2, 6, 3, 0)]
    for i, url in enumerate(urls):
        assert store.add_article(article(url, fetched_at=T0 + timedelta(minutes=i)), None)
    assert [a.canonical_url for a in store.articles()] == urls
    later = ArticleFilter(since=iso(T0 + timedelta(minutes=3)), by="fetched")
    assert [a.canonical_url for a in store.articles(later)] == urls[3:]
    # The store may be used while a walk is half-way.
    walk = store.articles()
    first = next(walk)
    assert store.add_article(article("https://example.com/late"), None)
    assert [first.canonical_url, *(a.canonical_url for a in walk)] == [*urls, "https://example.com/late"]


def test_answers_while_the_database_is_there(store: Store) -> None:
    assert store.answers() is True
    assert store.answers(timeout=0.5) is True


def test_health_counts_failed_pages_and_retry_forgets_them(store: Store) -> None:
    other = "https://example.org/other.xml"
    store.sync_feeds([(FEED, "Example"), (other, "Other")])
    store.record_success(FEED, status=200, at=T0, next_poll=T0 + timedelta(hours=1), etag='"v1"')
    store.record_failure(other, error="HTTP 503", status=503, at=T0, next_poll=T0 + timedelta(hours=2))
    assert store.add_article(article("https://example.com/a"), entry_url="https://example.com/a")
    for n, permanent in ((1, True), (2, False)):
        url = f"https://example.com/broken/{n}"
        store.record_entry_failure(url, feed=FEED, url=url, reason=f"HTTP 50{n}", permanent=permanent, at=T0)

    assert [s.url for s in store.feed_states()] == sorted([FEED, other])
    assert store.feed_counts() == {FEED: (1, 2)}
    failed = store.failed_pages(FEED)
    assert sorted(failed) == [
        ("https://example.com/broken/1", "HTTP 501", 1, True),
        ("https://example.com/broken/2", "HTTP 502", 1, False),
    ]

    assert store.clear_failures([FEED]) == (2, 1)
    assert store.failed_pages(FEED) == [] and store.feed_counts() == {FEED: (1, 0)}
    cleared = store.feed_state(FEED)
    assert (cleared.etag, cleared.next_poll) == (None, None)  # due now, and read whole
    assert store.feed_state(other).failures == 1  # not asked for
    assert store.clear_failures() == (0, 2)
    assert store.feed_state(other).failures == 0


def test_search_finds_every_word_with_a_snippet_best_first(store: Store) -> None:
    texts = {
        "https://example.com/bridge": "The harbour bridge reopened after repairs; traffic across the harbour resumed.",
        "https://example.com/ferry": "Ferries crossed the harbour while the bridge was shut for repairs.",
        "https://example.com/rates": "The central bank left interest rates unchanged.",
    }
    for url, text in texts.items():
        assert store.add_article(article(url, text=text, title="News"), entry_url=url)

    hits = store.search("harbour bridge", 10)
    assert {a.url for a, _ in hits} == {"https://example.com/bridge", "https://example.com/ferry"}
    assert all("[harbour]" in snippet or "[bridge]" in snippet for _, snippet in hits)
    assert store.search('rates "unchanged', 10)[0][0].url == "https://example.com/rates"  # quotes are words
    assert store.search("harbour rates", 10) == []  # every word must occur
    assert store.search("!!!", 10) == [] and len(store.search("harbour", 1)) == 1


def test_a_transaction_that_reads_first_holds_the_write_lock_from_its_start(lite: Store) -> None:
    from ingest.store.sqlite_errors import writing

    lite.sync_feeds([(FEED, "Example")])
    other = sqlite3.connect(lite.path, timeout=0.1)  # type: ignore[attr-defined]
    db = lite.db  # type: ignore[attr-defined]
    try:
        # Deferred, as db.atomic() begins: a commit elsewhere after our read makes our write fail at once.
        with pytest.raises(sqlite3.OperationalError, match="locked"), db.atomic():
            list(db.query("SELECT name FROM feeds"))
            other.execute("UPDATE feeds SET name = 'Elsewhere'")
            other.commit()
            db.execute("UPDATE feeds SET name = 'Ours'")
        # BEGIN IMMEDIATE: the other writer waits for us instead.
        with writing(db):
            list(db.query("SELECT name FROM feeds"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("UPDATE feeds SET name = 'Elsewhere again'")
            db.execute("UPDATE feeds SET name = 'Ours'")
        assert lite.feed_state(FEED).name == "Ours"
    finally:
        other.close()
