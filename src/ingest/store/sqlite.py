"""The SQLite backend: the embedded default, one file in WAL mode, every query the store interface runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from ingest.model import Article, FeedState, KeptPage, Story
from ingest.store.base import (
    FAILING_FEEDS_SETTINGS,
    AmbiguousId,
    ArticleFilter,
    MissingReference,
    SettingsChange,
    Store,
    StoreError,
    settings_changes,
)
from ingest.store.migrations import migrations
from ingest.store.placing import reasons_row
from ingest.store.records import (
    ARTICLE_COLUMNS,
    FEED_COLUMNS,
    SQLITE,
    article_conditions,
    article_of,
    article_row,
    feed_of,
    moment,
    now_moment,
    story_conditions,
    story_event,
    story_of,
    story_row,
    where_clause,
)
from ingest.store.sqlite_errors import BUSY_TIMEOUT_S, explained, writes, writing
from ingest.store.sqlite_events import SQLiteEvents, emit
from ingest.store.sqlite_fleet import SQLiteFleet
from ingest.store.sqlite_health import SQLiteHealth
from ingest.store.sqlite_placing import SQLitePlacing, feed_row, insert_fingerprint, keep_page, merge_stories
from ingest.store.sqlite_read import SQLiteRead
from ingest.text.dates import iso, parse_datetime

if TYPE_CHECKING:  # the dedupe modules pull in numpy and scipy, which read-only commands never need
    from ingest.dedupe.assign import Placement
    from ingest.dedupe.neardup import FingerprintRow

# Articles in the order a story lists them: by publication, the undated by when they were fetched.
_BY_DATE = "coalesce(published, fetched_at), rowid"
_SQL = SQLITE  # how a filter's conditions are written here (named parameters, json_each, FTS5)


class SQLiteStore(SQLiteFleet, SQLiteHealth, SQLiteEvents, SQLiteRead, SQLitePlacing, Store):
    """One connection to a SQLite file; WAL lets other processes read while the daemon writes."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path
        self.location = str(path)

    @classmethod
    def connect(cls, location: Path | str, *, create: bool = True) -> SQLiteStore:
        """Open (and create, migrate) the database at `location`, a file path, in WAL mode."""
        path = Path(location)
        if not create and not path.exists():
            raise StoreError(f"{path}: no such database (run `ingest --once` first)")
        if create and not path.parent.is_dir():  # a typo in --db must not quietly grow a tree of folders
            raise StoreError(f"{path}: no such folder: {path.parent} (create it, or correct the path)")
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
            db = Database(conn)
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if create:
                db.enable_wal()
                migrations.apply(db)
            db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses no committed page
            db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: {explained(exc)}") from None
        except OSError as exc:
            raise StoreError(f"{path}: {exc}") from None
        return cls(db, path)

    def close(self) -> None:
        self.db.close()

    # -- feeds --------------------------------------------------------------------------------

    @writes
    def sync_feeds(self, feeds: Iterable[tuple[str, str]]) -> None:
        """Make sure every configured (url, name) has a row; names follow the configuration."""
        with self.db.atomic():
            for url, name in feeds:
                self.db.execute(
                    "INSERT INTO feeds (url, name) VALUES (?, ?) "
                    "ON CONFLICT(url) DO UPDATE SET name = excluded.name",
                    [url, name],
                )

    @writes
    def update_settings(self, settings: dict[str, str]) -> list[SettingsChange]:
        with writing(self.db):
            recorded = {row["url"]: row["settings"] for row in self.db.query(FAILING_FEEDS_SETTINGS)}
            changes = [
                SettingsChange(url, recorded[url] or "", self.clear_failures([url])[0])
                for url in settings_changes(recorded, settings)
            ]
            self.db.conn.executemany(
                "UPDATE feeds SET settings = ? WHERE url = ?", [(now, url) for url, now in settings.items()]
            )
        return changes

    def feed_state(self, url: str) -> FeedState:
        row = next(self.db.query(f"SELECT {', '.join(FEED_COLUMNS)} FROM feeds WHERE url = ?", [url]), None)
        return feed_of(row) if row else FeedState(url)

    @writes
    def record_success(
        self,
        url: str,
        *,
        status: int,
        at: datetime,
        next_poll: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        problem: str | None = None,
    ) -> None:
        """A poll that reached the feed: validators kept, failures reset, any parse problem noted."""
        self.db.execute(
            """UPDATE feeds SET etag = coalesce(?, etag), last_modified = coalesce(?, last_modified),
                   title = coalesce(?, title), last_polled = ?, last_success = ?, last_status = ?,
                   last_error = ?, failures = 0, next_poll = ?, gone_since = NULL,
                   lease_owner = NULL, lease_until = NULL
               WHERE url = ?""",
            [etag, last_modified, title, iso(at), iso(at), status, problem, moment(next_poll), url],
        )

    @writes
    def record_failure(
        self, url: str, *, error: str, status: int | None, at: datetime, next_poll: datetime
    ) -> None:
        """A poll that failed: the reason kept, the failure counted, a 410 remembered."""
        self.db.execute(
            """UPDATE feeds SET last_polled = ?, last_status = ?, last_error = ?,
                   failures = failures + 1, next_poll = ?,
                   gone_since = CASE WHEN ? = 410 THEN coalesce(gone_since, ?) END,
                   lease_owner = NULL, lease_until = NULL
               WHERE url = ?""",
            [iso(at), status, error, moment(next_poll), status, iso(at), url],
        )

    def answers(self, timeout: float = 2.0) -> bool:
        """Whether the database file answers a read, on a connection of its own (any thread may ask)."""
        try:
            conn = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True, timeout=timeout)
        except sqlite3.Error:
            return False
        try:
            return conn.execute("SELECT count(*) FROM feeds").fetchone() is not None
        except sqlite3.Error:
            return False
        finally:
            conn.close()

    # -- entries and articles -------------------------------------------------------------------

    def seen(self, guid: str | None, urls: Iterable[str], *, max_attempts: int) -> bool:
        urls = [u for u in urls if u]
        keys = [k for k in (guid, *urls) if k]
        if not keys:
            return False
        marks = ", ".join("?" * len(urls)) or "NULL"
        stored = self.db.query(
            f"""SELECT 1 FROM articles WHERE guid = ? OR canonical_url IN ({marks})
                OR entry_url IN ({marks}) LIMIT 1""",
            [guid, *urls, *urls],
        )
        if next(stored, None):
            return True
        given_up = self.db.query(
            f"""SELECT 1 FROM entry_failures WHERE key IN ({", ".join("?" * len(keys))})
                AND (permanent OR attempts >= ?) LIMIT 1""",
            [*keys, max_attempts],
        )
        return next(given_up, None) is not None

    @writes
    def add_article(
        self,
        article: Article,
        entry_url: str | None,
        *,
        placement: Placement | None = None,
        page: KeptPage | None = None,
    ) -> bool:
        record = article_row(article, entry_url) | reasons_row(placement)
        columns = ", ".join(record)
        marks = ", ".join("?" * len(record))
        try:
            with self.db.atomic():
                feed_row(self.db, article)
                self.db.execute(
                    f"INSERT INTO articles ({columns}) VALUES ({marks})", list(record.values())
                )
                if article.guid or entry_url:
                    self.db.execute(
                        "DELETE FROM entry_failures WHERE key IN (?, ?)", [article.guid, entry_url]
                    )
                if page is not None:
                    keep_page(self.db, article.id, page, article.fetched_at)
                if placement is not None and placement.fingerprint is not None:
                    insert_fingerprint(self.db, placement.fingerprint)
                for gone, keep in placement.merges if placement else ():
                    merge_stories(self.db, gone, keep)
                if article.story_id:
                    self.db.execute(
                        """INSERT INTO stories (id, first_seen, updated_at, articles) VALUES (?, ?, ?, 1)
                           ON CONFLICT(id) DO UPDATE SET updated_at = max(updated_at, excluded.updated_at),
                               articles = articles + 1, stale = 1""",
                        [article.story_id, article.fetched_at, article.fetched_at],
                    )
                    emit(self.db, "article.new", article.id, now_moment())
        except sqlite3.IntegrityError as exc:
            if "FOREIGN KEY" in str(exc):  # not "already stored": a reference to what is not stored
                raise MissingReference(f"{self.path}: article {article.id} ({article.url}): {exc}") from None
            return False
        return True

    def has_article(self, article_id: str) -> bool:
        return next(self.db.query("SELECT 1 FROM articles WHERE id = ?", [article_id]), None) is not None

    def same_text(self, content_hash: str) -> tuple[str, str | None] | None:
        """A stored article with exactly this text, as (its original's id, that original's story)."""
        rows = self.db.query(
            """SELECT coalesce(a.duplicate_of, a.id) AS original, coalesce(o.story_id, a.story_id) AS story
               FROM articles a LEFT JOIN articles o ON o.id = a.duplicate_of
               WHERE a.content_hash = ? ORDER BY a.rowid LIMIT 1""",
            [content_hash],
        )
        row = next(rows, None)
        return (row["original"], row["story"]) if row else None

    def fingerprints(self) -> Iterator[tuple[FingerprintRow, str | None]]:
        """Every fingerprint in order of arrival, with its article's story: the index after a restart."""
        from ingest.dedupe.neardup import FingerprintRow

        rows = self.db.execute(
            """SELECT f.article_id, f.signature, f.shingles, f.duplicate_of, a.story_id
               FROM fingerprints f JOIN articles a ON a.id = f.article_id ORDER BY f.rowid"""
        )
        for article_id, signature, shingles, duplicate_of, story_id in rows:
            yield FingerprintRow(article_id, signature, shingles, duplicate_of), story_id

    def recent_articles(self, days: float, now: datetime) -> list[Article]:
        newest = next(self.db.query("SELECT max(coalesce(published, fetched_at)) AS t FROM articles"))["t"]
        if newest is None:
            return []
        since = iso(min(parse_datetime(newest) or now, now) - timedelta(days=days))
        # Two indexed conditions rather than coalesce(), which no index covers.
        return self._articles(
            f"""WHERE published >= :since OR (published IS NULL AND fetched_at >= :since) ORDER BY {_BY_DATE}""",
            {"since": since},
        )

    def unplaced_articles(self, *, stored_order: bool = False) -> list[Article]:
        return self._articles(f"WHERE story_id IS NULL ORDER BY {'rowid' if stored_order else _BY_DATE}")

    @writes
    def record_entry_failure(
        self, key: str, *, feed: str, url: str | None, reason: str, permanent: bool, at: datetime
    ) -> None:
        """Count a failed entry, so a page that keeps failing is not fetched on every poll."""
        self.db.execute(
            """INSERT INTO entry_failures (key, feed, url, reason, attempts, permanent, last_attempt)
               VALUES (?, ?, ?, ?, 1, ?, ?)
               ON CONFLICT(key) DO UPDATE SET reason = excluded.reason,
                   attempts = attempts + 1, permanent = excluded.permanent,
                   last_attempt = excluded.last_attempt""",
            [key, feed, url, reason, int(permanent), iso(at)],
        )

    def articles(self, where: ArticleFilter = ArticleFilter()) -> Iterator[Article]:
        conditions, params = article_conditions(where, _SQL)
        query = f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles {where_clause(conditions)} ORDER BY rowid"
        for row in self.db.query(query, params):
            yield article_of(row)

    def article(self, key: str) -> Article | None:
        row = self._by_id("articles", key, "article")
        return article_of(row) if row is not None else None

    def _articles(self, where: str, params: Any = ()) -> list[Article]:
        rows = self.db.query(f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles {where}", params)
        return [article_of(row) for row in rows]

    # -- stories ----------------------------------------------------------------------------------

    def stale_stories(self) -> list[str]:
        rows = self.db.execute("SELECT id FROM stories WHERE stale ORDER BY updated_at").fetchall()
        return [row[0] for row in rows]

    def is_stale(self, story_id: str) -> bool:
        row = self.db.execute("SELECT stale FROM stories WHERE id = ?", [story_id]).fetchone()
        return bool(row and row[0])

    def story_members(self, story_id: str) -> list[Article]:
        return self._articles(f"WHERE story_id = ? ORDER BY {_BY_DATE}", [story_id])

    @writes
    def save_story(self, story: Story, members: int) -> None:
        row = story_row(story)
        assignments = ", ".join(f"{name} = :{name}" for name in row if name not in ("id", "first_seen", "updated_at"))
        with writing(self.db):
            before = next(self.db.query("SELECT * FROM stories WHERE id = ?", [story.id]), None)
            # first_seen and updated_at are the store's own bookkeeping, kept by add_article and merges.
            self.db.execute(
                f"UPDATE stories SET {assignments}, stale = (articles != :members) WHERE id = :id",
                row | {"members": members},
            )
            if kind := story_event(before, row):
                emit(self.db, kind, story.id, now_moment())

    def story(self, key: str) -> Story | None:
        row = self._by_id("stories", key, "story")
        return self._story(row) if row else None

    def stories(self, where: ArticleFilter = ArticleFilter()) -> Iterator[Story]:
        conditions, params = story_conditions(where, _SQL)
        query = f"SELECT * FROM stories {where_clause(conditions)} ORDER BY updated_at, id"
        for row in list(self.db.query(query, params)):
            yield self._story(row)

    def _story(self, row: dict[str, Any]) -> Story:
        articles = self.db.execute(
            f"SELECT id FROM articles WHERE story_id = ? ORDER BY {_BY_DATE}", [row["id"]]
        ).fetchall()
        return story_of(row, [a[0] for a in articles])

    def _by_id(self, table: str, key: str, noun: str) -> dict[str, Any] | None:
        """The row whose id is `key`, else the only one whose id starts with it (as git takes hashes)."""
        exact = next(self.db.query(f"SELECT * FROM {table} WHERE id = ?", [key]), None)
        if exact is not None:
            return exact
        # A range, not LIKE: LIKE ignores case and cannot use the primary key's index.
        rows = list(
            self.db.query(f"SELECT * FROM {table} WHERE id > ? AND id < ? LIMIT 2", [key, key + "\U0010ffff"])
        )
        if len(rows) > 1:
            raise AmbiguousId(f"{key!r} starts more than one {noun} id; give more of it")
        return rows[0] if rows else None
