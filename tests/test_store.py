"""The SQLite store on real database files: schema, WAL, dedupe by URL and guid, failures, FTS."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database, Migrations

from ingest.dedupe.assign import Deduper
from ingest.model import Entry, Extracted, FeedState
from ingest.normalize import build_article, entry_key, iso
from ingest.run.retry import MAX_ENTRY_ATTEMPTS
from ingest.run.services import load_deduper
from ingest.store import Store, StoreError
from ingest.store.migrations import m001_initial, m002_feed_gone
from ingest.store.sqlite import BUSY_TIMEOUT_S

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
def store(tmp_path: Path):
    s = Store.open(tmp_path / "db" / "ingest.db")
    yield s
    s.close()


def seen(store: Store, guid: str | None, urls: list) -> bool:
    return store.seen(guid, urls, max_attempts=MAX_ENTRY_ATTEMPTS)


def reader(path: Path) -> sqlite3.Connection:
    """Another tool's connection to the same file."""
    return sqlite3.connect(path, timeout=2)


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


def test_journal_mode_is_wal(store: Store) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with reader(store.path) as other:  # WAL is a property of the file, not of one connection
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_busy_timeout_is_set(store: Store) -> None:
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] == int(BUSY_TIMEOUT_S * 1000)
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


def test_open_in_an_unusable_place_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="file"):
        Store.open(blocker / "ingest.db")


# ---------------------------------------------------------------- articles


def test_add_article_and_read_it_back(store: Store) -> None:
    a = article("https://example.com/1?utm_source=rss", guid="1")
    assert store.add_article(a, entry_url="https://example.com/1?utm_source=rss")
    (row,) = list(store.articles())
    assert row.id == a.id
    assert row.canonical_url == "https://example.com/1"
    (entry_url,) = store.db.execute("SELECT entry_url FROM articles").fetchone()
    assert entry_url == "https://example.com/1?utm_source=rss"
    assert row.guid == f"{FEED}#1"
    assert row.text == a.text
    assert row.tags == ["local"]  # JSON round trip
    assert row.content_hash == a.content_hash
    assert row == a  # every field comes back as it went in
    assert store.db["articles"].count == 1


def test_second_article_with_the_same_canonical_url_is_refused(store: Store) -> None:
    first = article("https://example.com/story?utm_source=a", guid="a")
    again = article("https://EXAMPLE.com/story?fbclid=x#top", guid="b", text="Other text entirely.")
    assert first.canonical_url == again.canonical_url
    assert store.add_article(first, None) is True
    assert store.add_article(again, None) is False
    assert store.db["articles"].count == 1
    (row,) = list(store.articles())
    assert row.text == first.text  # the first one stays


def test_articles_since_filters_by_fetched_at(store: Store) -> None:
    for i in range(4):
        store.add_article(
            article(f"https://example.com/{i}", fetched_at=T0 + timedelta(hours=i)), None
        )
    everything = [row.canonical_url for row in store.articles()]
    assert everything == [f"https://example.com/{i}" for i in range(4)]  # in stored order
    since = [row.canonical_url for row in store.articles(since="2025-06-24T14:00:00Z")]
    assert since == ["https://example.com/2", "https://example.com/3"]
    assert list(store.articles(since="2025-06-25T00:00:00Z")) == []


def test_full_text_index_finds_an_article_by_a_word(store: Store) -> None:
    store.add_article(article("https://example.com/1", text="The harbour bridge reopened today."), None)
    store.add_article(
        article("https://example.com/2", text="Parliament debated the budget.", title="Budget"),
        None,
    )
    rows = list(
        store.db.query(
            """SELECT articles.canonical_url FROM articles_fts
               JOIN articles ON articles.rowid = articles_fts.rowid
               WHERE articles_fts MATCH ?""",
            ["parliament"],
        )
    )
    assert rows == [{"canonical_url": "https://example.com/2"}]
    found = list(store.db.query("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'harbour'"))
    assert len(found) == 1
    assert list(store.db.query("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'zebra'")) == []


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


def test_transient_entry_failure_is_seen_only_after_max_attempts(store: Store) -> None:
    key = "https://example.com/flaky"
    for attempt in range(1, MAX_ENTRY_ATTEMPTS + 1):
        assert not seen(store, key, [key]), f"given up after {attempt - 1} attempts"
        store.record_entry_failure(
            key, feed=FEED, url=key, reason="timeout", permanent=False, at=T0 + timedelta(minutes=attempt)
        )
    assert seen(store, key, [])
    (row,) = list(store.db.query("SELECT * FROM entry_failures WHERE key = ?", [key]))
    assert row["attempts"] == MAX_ENTRY_ATTEMPTS
    assert row["last_attempt"] == "2025-06-24T12:03:00Z"
    assert row["permanent"] == 0


def test_entry_failure_found_by_its_url_key(store: Store) -> None:
    url = "https://example.com/no-guid"
    store.record_entry_failure(url, feed=FEED, url=url, reason="HTTP 410", permanent=True, at=T0)
    assert seen(store, None, [url])


def test_success_clears_the_entry_failures(store: Store) -> None:
    guid = f"{FEED}#7"
    url = "https://example.com/7"
    for _ in range(MAX_ENTRY_ATTEMPTS - 1):
        store.record_entry_failure(guid, feed=FEED, url=url, reason="timeout", permanent=False, at=T0)
    store.record_entry_failure(url, feed=FEED, url=url, reason="timeout", permanent=False, at=T0)
    assert store.db["entry_failures"].count == 2

    assert store.add_article(article(url, guid="7"), entry_url=url)
    assert store.db["entry_failures"].count == 0
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
    assert row.next_poll == "2025-06-24T12:10:00Z"
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
    assert state.next_poll == "2025-06-24T13:30:00Z"
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


def test_feed_state_of_an_unknown_feed(store: Store) -> None:
    assert store.feed_state("https://nowhere.example/") == FeedState("https://nowhere.example/")


# ---------------------------------------------------------------- readers beside the writer


def test_writes_are_visible_to_another_connection(store: Store) -> None:
    store.sync_feeds([(FEED, "Example")])
    store.record_success(FEED, status=200, at=T0, next_poll=T0, etag='"v1"')
    store.add_article(article("https://example.com/1"), None)
    with reader(store.path) as other:
        assert other.execute("SELECT etag FROM feeds").fetchone() == ('"v1"',)
        assert other.execute("SELECT count(*) FROM articles").fetchone() == (1,)


def test_reader_works_during_an_open_write_transaction(store: Store) -> None:
    store.add_article(article("https://example.com/1"), None)
    other = reader(store.path)
    try:
        with store.db.atomic():
            assert store.add_article(article("https://example.com/2"), None)
            assert store.db.conn.in_transaction
            # the other tool reads the last committed state, without waiting for the writer
            assert other.execute("SELECT count(*) FROM articles").fetchone() == (1,)
        assert other.execute("SELECT count(*) FROM articles").fetchone() == (2,)
    finally:
        other.close()


def test_writer_commits_while_a_reader_holds_a_snapshot(store: Store) -> None:
    store.add_article(article("https://example.com/1"), None)
    other = reader(store.path)
    try:
        other.execute("BEGIN")
        assert other.execute("SELECT count(*) FROM articles").fetchone() == (1,)
        # In rollback-journal mode this commit would wait for the reader's lock; in WAL it goes through.
        store.db.execute("PRAGMA busy_timeout = 1000")  # fail fast rather than hang if it ever blocks
        assert store.add_article(article("https://example.com/2"), None)
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
        assert names == ["m001_initial", "m002_feed_gone", "m003_stories", "m004_story_records"]
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


def test_a_story_merge_relabels_articles_in_the_same_transaction(store: Store) -> None:
    a = dataclasses.replace(article("https://example.com/a"), story_id="s1")
    later = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    b = dataclasses.replace(article("https://example.com/b", fetched_at=later[0]), story_id="s2")
    c = dataclasses.replace(article("https://example.com/c", fetched_at=later[1]), story_id="s1")
    assert store.add_article(a, None) and store.add_article(b, None)

    assert store.add_article(c, None, merges=[("s2", "s1")])

    assert [r.story_id for r in store.articles()] == ["s1", "s1", "s1"]
    [story] = store.db.query("SELECT id, first_seen, updated_at, articles, stale FROM stories")
    assert story == {"id": "s1", "first_seen": iso(T0), "updated_at": iso(later[1]), "articles": 3, "stale": 1}


def test_a_refused_article_leaves_no_story_merge_behind(store: Store) -> None:
    a = dataclasses.replace(article("https://example.com/a"), story_id="s1")
    b = dataclasses.replace(article("https://example.com/b"), story_id="s2")
    assert store.add_article(a, None) and store.add_article(b, None)

    again = dataclasses.replace(article("https://example.com/a"), story_id="s1")
    assert not store.add_article(again, None, merges=[("s2", "s1")])

    assert [r.story_id for r in store.articles()] == ["s1", "s2"]
    assert {s["id"] for s in store.db.query("SELECT id FROM stories")} == {"s1", "s2"}
