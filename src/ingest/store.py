"""The SQLite database: schema, migrations and every query the daemon and the commands run."""

from __future__ import annotations

import dataclasses
import functools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlite_utils import Database, Migrations

from ingest.model import Article, Story
from ingest.text.dates import iso, parse_datetime

if TYPE_CHECKING:  # the dedupe modules pull in numpy and scipy, which read-only commands never need
    from ingest.dedupe.neardup import FingerprintRow

# Readers and a second writer wait this long for a lock before giving up.
BUSY_TIMEOUT_S = 30.0
# An entry whose page failed this many times is not tried again.
MAX_ENTRY_ATTEMPTS = 3

migrations = Migrations("ingest")


class StoreError(Exception):
    """The database cannot be opened or written; str() names the file."""


# What an operator can do about a write SQLite refused, by the start of its error code's name.
_WRITE_HINTS = (
    ("SQLITE_READONLY", "the file or its folder is read-only: check their permissions and the mount"),
    ("SQLITE_FULL", "the disk is full"),
    ("SQLITE_IOERR", "the disk may be full or failing"),
    ("SQLITE_CANTOPEN", "its folder must exist and be writable, for the -wal and -shm files"),
    ("SQLITE_BUSY", f"another process held the write lock for more than {BUSY_TIMEOUT_S:g}s"),
)
_T = TypeVar("_T")


def _writes(method: Callable[..., _T]) -> Callable[..., _T]:
    """A Store method whose refused write (read-only file, full disk, I/O error) is a StoreError naming
    the file and why, rather than a bare sqlite3 error that the callers' catch-alls would log as a crash."""

    @functools.wraps(method)
    def write(self: Store, *args: Any, **kwargs: Any) -> _T:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot write: {_explained(exc)}") from None

    return write


def _explained(exc: sqlite3.Error) -> str:
    """SQLite's message, and what to do about it when its error code says."""
    name = getattr(exc, "sqlite_errorname", "")
    hint = next((text for prefix, text in _WRITE_HINTS if name.startswith(prefix)), None)
    return f"{exc} ({hint})" if hint else str(exc)


class AmbiguousId(LookupError):
    """An id prefix that matches more than one record."""


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE feeds (
            url TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            title TEXT,
            etag TEXT,
            last_modified TEXT,
            last_polled TEXT,
            last_success TEXT,
            last_status INTEGER,
            last_error TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            next_poll TEXT
        );
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            canonical_url TEXT NOT NULL UNIQUE,
            entry_url TEXT,
            guid TEXT,
            feed TEXT NOT NULL,
            source TEXT NOT NULL,
            site_name TEXT,
            title TEXT,
            description TEXT,
            author TEXT,
            published TEXT,
            fetched_at TEXT NOT NULL,
            language TEXT,
            text TEXT NOT NULL,
            word_count INTEGER NOT NULL,
            image_url TEXT,
            image_caption TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL,
            duplicate_of TEXT REFERENCES articles(id),
            story_id TEXT
        );
        CREATE INDEX articles_guid ON articles(guid);
        CREATE INDEX articles_entry_url ON articles(entry_url);
        CREATE INDEX articles_content_hash ON articles(content_hash);
        CREATE INDEX articles_fetched_at ON articles(fetched_at);
        CREATE INDEX articles_published ON articles(published);
        CREATE TABLE entry_failures (
            key TEXT PRIMARY KEY,
            feed TEXT NOT NULL,
            url TEXT,
            reason TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            permanent INTEGER NOT NULL,
            last_attempt TEXT NOT NULL
        );
        """
    )
    db["articles"].enable_fts(["title", "text"], create_triggers=True)


@migrations()
def m002_feed_gone(db: Database) -> None:
    # 410 Gone: when the server first said so; the feed is still polled (with backoff), never dropped.
    db.execute("ALTER TABLE feeds ADD COLUMN gone_since TEXT")


@migrations()
def m003_stories(db: Database) -> None:
    # An article's near-duplicate fingerprint, kept so that the index survives a restart.
    db.executescript(
        """
        CREATE TABLE fingerprints (
            article_id TEXT PRIMARY KEY REFERENCES articles(id),
            signature BLOB NOT NULL,
            shingles INTEGER NOT NULL,
            duplicate_of TEXT
        );
        CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            first_seen TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            articles INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX articles_story_id ON articles(story_id);
        CREATE INDEX articles_duplicate_of ON articles(duplicate_of);
        """
    )
    _place_stored_articles(db)


def _place_stored_articles(db: Database) -> None:
    """Give the articles stored before m003 their original and story, in order of publication."""
    from ingest.dedupe.assign import Deduper  # heavy, and needed once

    deduper = Deduper()
    by_hash: dict[str, tuple[str, str]] = {}
    fields = [f.name for f in dataclasses.fields(Article)]
    # The order first, then one row at a time: the loop updates the table it reads.
    by_date = "SELECT rowid FROM articles ORDER BY coalesce(published, fetched_at), rowid"
    order = [r[0] for r in db.execute(by_date)]
    for rowid in order:
        row = next(db.query("SELECT * FROM articles WHERE rowid = ?", [rowid]))
        article = Article(**{name: row[name] for name in fields})
        article.tags = json.loads(row["tags"] or "[]")
        placed = deduper.place(article, by_hash.get(article.content_hash))
        by_hash.setdefault(article.content_hash, (placed.duplicate_of or article.id, placed.story_id))
        db.execute(
            "UPDATE articles SET duplicate_of = ?, story_id = ? WHERE id = ?",
            [placed.duplicate_of, placed.story_id, article.id],
        )
        if placed.fingerprint:
            _insert_fingerprint(db, placed.fingerprint)
        for gone, keep in placed.merges:
            db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", [keep, gone])
    db.execute(
        """INSERT INTO stories (id, first_seen, updated_at, articles)
           SELECT story_id, min(fetched_at), max(fetched_at), count(*) FROM articles
           WHERE story_id IS NOT NULL GROUP BY story_id"""
    )


@migrations()
def m004_story_records(db: Database) -> None:
    # What a reader sees of a story, refreshed (off the write path) whenever `stale` says it changed.
    for column in (
        "title TEXT", "date TEXT", "sources TEXT", "summary TEXT", "key_points TEXT", "image_url TEXT",
        "image_caption TEXT", "image_source TEXT", "summarized_by TEXT", "stale INTEGER NOT NULL DEFAULT 1",
    ):
        db.execute(f"ALTER TABLE stories ADD COLUMN {column}")
    db.execute("CREATE INDEX stories_stale ON stories(stale) WHERE stale")
    db.execute("CREATE INDEX stories_updated_at ON stories(updated_at)")


def _insert_fingerprint(db: Database, row: FingerprintRow) -> None:
    db.execute(
        "INSERT INTO fingerprints (article_id, signature, shingles, duplicate_of) VALUES (?, ?, ?, ?)",
        [row.article_id, row.signature, row.shingles, row.duplicate_of],
    )


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the database remembers of a feed between polls."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    next_poll: str | None = None
    gone_since: str | None = None


class Store:
    """One connection to the database; the daemon's writes and the commands' reads go through here."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Store:
        """Open (and create, migrate) the database at `path`, in WAL mode."""
        if not create and not path.exists():
            raise StoreError(f"{path}: no such database (run `ingest --once` first)")
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
            db = Database(conn)
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if create:
                db.enable_wal()
                migrations.apply(db)
            db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses no committed page
            db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: {_explained(exc)}") from None
        except OSError as exc:
            raise StoreError(f"{path}: {exc}") from None
        return cls(db, path)

    def close(self) -> None:
        self.db.close()

    # -- feeds --------------------------------------------------------------------------------

    @_writes
    def sync_feeds(self, feeds: Iterable[tuple[str, str]]) -> None:
        """Make sure every configured (url, name) has a row; names follow the configuration."""
        with self.db.atomic():
            for url, name in feeds:
                self.db.execute(
                    "INSERT INTO feeds (url, name) VALUES (?, ?) "
                    "ON CONFLICT(url) DO UPDATE SET name = excluded.name",
                    [url, name],
                )

    def feed_state(self, url: str) -> FeedState:
        rows = self.db.query(
            "SELECT url, etag, last_modified, failures, next_poll, gone_since FROM feeds WHERE url = ?",
            [url],
        )
        row = next(rows, None)
        return FeedState(**row) if row else FeedState(url)

    @_writes
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
                   last_error = ?, failures = 0, next_poll = ?, gone_since = NULL
               WHERE url = ?""",
            [etag, last_modified, title, iso(at), iso(at), status, problem, iso(next_poll), url],
        )

    @_writes
    def record_failure(
        self, url: str, *, error: str, status: int | None, at: datetime, next_poll: datetime
    ) -> None:
        """A poll that failed: the reason kept, the failure counted, a 410 remembered."""
        self.db.execute(
            """UPDATE feeds SET last_polled = ?, last_status = ?, last_error = ?,
                   failures = failures + 1, next_poll = ?,
                   gone_since = CASE WHEN ? = 410 THEN coalesce(gone_since, ?) END
               WHERE url = ?""",
            [iso(at), status, error, iso(next_poll), status, iso(at), url],
        )

    def feeds(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM feeds ORDER BY name"))

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

    def seen(self, guid: str | None, urls: Iterable[str]) -> bool:
        """Whether an entry is already stored, or has failed for good, by its guid or any of its URLs."""
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
            [*keys, MAX_ENTRY_ATTEMPTS],
        )
        return next(given_up, None) is not None

    @_writes
    def add_article(
        self,
        article: Article,
        entry_url: str | None,
        *,
        fingerprint: FingerprintRow | None = None,
        merges: Iterable[tuple[str, str]] = (),
    ) -> bool:
        """Store one article in its own transaction, with its fingerprint, its story's bookkeeping and the
        story merges it caused (absorbed, surviving); False if its canonical URL is already stored."""
        record = dataclasses.asdict(article)
        record["tags"] = json.dumps(article.tags, ensure_ascii=False)
        record["entry_url"] = entry_url
        columns = ", ".join(record)
        marks = ", ".join("?" * len(record))
        try:
            with self.db.atomic():
                self.db.execute(
                    f"INSERT INTO articles ({columns}) VALUES ({marks})", list(record.values())
                )
                if article.guid or entry_url:
                    self.db.execute(
                        "DELETE FROM entry_failures WHERE key IN (?, ?)", [article.guid, entry_url]
                    )
                if fingerprint is not None:
                    _insert_fingerprint(self.db, fingerprint)
                for gone, keep in merges:
                    self._merge_stories(gone, keep)
                if article.story_id:
                    self.db.execute(
                        """INSERT INTO stories (id, first_seen, updated_at, articles) VALUES (?, ?, ?, 1)
                           ON CONFLICT(id) DO UPDATE SET updated_at = max(updated_at, excluded.updated_at),
                               articles = articles + 1, stale = 1""",
                        [article.story_id, article.fetched_at, article.fetched_at],
                    )
        except sqlite3.IntegrityError:
            return False
        return True

    def _merge_stories(self, gone: str, keep: str) -> None:
        """Relabel the absorbed story's articles and fold its bookkeeping into the surviving story."""
        self.db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", [keep, gone])
        self.db.execute(
            """UPDATE stories SET
                   first_seen = min(first_seen, coalesce((SELECT first_seen FROM stories WHERE id = :gone),
                                                         first_seen)),
                   updated_at = max(updated_at, coalesce((SELECT updated_at FROM stories WHERE id = :gone),
                                                         updated_at)),
                   articles = articles + coalesce((SELECT articles FROM stories WHERE id = :gone), 0),
                   stale = 1
               WHERE id = :keep""",
            {"gone": gone, "keep": keep},
        )
        self.db.execute("DELETE FROM stories WHERE id = ?", [gone])

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

    def recent_articles(self, days: float, now: datetime) -> list[dict[str, Any]]:
        """The articles dated (published, else fetched) within `days` before the newest one (or now, if
        that is earlier), oldest first: what the story clusterer replays after a restart."""
        newest = next(self.db.query("SELECT max(coalesce(published, fetched_at)) AS t FROM articles"))["t"]
        if newest is None:
            return []
        since = iso(min(parse_datetime(newest) or now, now) - timedelta(days=days))
        # Two indexed conditions rather than coalesce(), which no index covers.
        return list(
            self.db.query(
                """SELECT id, title, text, source, published, fetched_at, duplicate_of, story_id
                   FROM articles WHERE published >= :since OR (published IS NULL AND fetched_at >= :since)
                   ORDER BY coalesce(published, fetched_at), rowid""",
                {"since": since},
            )
        )

    @_writes
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

    def articles(self, since: str | None = None) -> Iterator[dict[str, Any]]:
        """Every article in the order it was stored, optionally only those fetched at or after `since`."""
        where, params = ("WHERE fetched_at >= ?", [since]) if since else ("", [])
        for row in self.db.query(f"SELECT * FROM articles {where} ORDER BY rowid", params):
            row["tags"] = json.loads(row["tags"] or "[]")
            yield row

    def article(self, key: str) -> dict[str, Any] | None:
        """The article with this id, or with the one id that starts with `key`."""
        row = self._by_id("articles", key, "article")
        if row is not None:
            row["tags"] = json.loads(row["tags"] or "[]")
        return row

    # -- stories ----------------------------------------------------------------------------------

    def stale_stories(self) -> list[str]:
        """Stories whose articles changed since their record was last written, oldest change first."""
        rows = self.db.execute("SELECT id FROM stories WHERE stale ORDER BY updated_at").fetchall()
        return [row[0] for row in rows]

    def is_stale(self, story_id: str) -> bool:
        row = self.db.execute("SELECT stale FROM stories WHERE id = ?", [story_id]).fetchone()
        return bool(row and row[0])

    def story_members(self, story_id: str) -> list[dict[str, Any]]:
        """The story's articles with what its record is made of, in order of publication."""
        return list(
            self.db.query(
                """SELECT id, title, text, source, site_name, published, fetched_at, image_url,
                          image_caption, description, duplicate_of
                   FROM articles WHERE story_id = ? ORDER BY coalesce(published, fetched_at), rowid""",
                [story_id],
            )
        )

    @_writes
    def save_story(self, story: Story, members: int) -> None:
        """Write the story's record, made from `members` articles; it stays stale if more joined meanwhile."""
        self.db.execute(
            """UPDATE stories SET title = :title, date = :date, sources = :sources, summary = :summary,
                   key_points = :key_points, image_url = :image_url, image_caption = :image_caption,
                   image_source = :image_source, summarized_by = :summarized_by,
                   stale = (articles != :members)
               WHERE id = :id""",
            {
                "id": story.id,
                "title": story.title,
                "date": story.date,
                "sources": json.dumps(story.sources, ensure_ascii=False),
                "summary": story.summary,
                "key_points": json.dumps(story.key_points, ensure_ascii=False),
                "image_url": story.image_url,
                "image_caption": story.image_caption,
                "image_source": story.image_source,
                "summarized_by": story.summarized_by,
                "members": members,
            },
        )

    def story(self, key: str) -> Story | None:
        """The story with this id, or with the one id that starts with `key`; None if there is none."""
        row = self._by_id("stories", key, "story")
        return self._story(row) if row else None

    def stories(self, since: str | None = None) -> Iterator[Story]:
        """Every story, most recently updated last; only those updated at or after `since` if given."""
        where, params = ("WHERE updated_at >= ?", [since]) if since else ("", [])
        for row in list(self.db.query(f"SELECT * FROM stories {where} ORDER BY updated_at, id", params)):
            yield self._story(row)

    def _story(self, row: dict[str, Any]) -> Story:
        articles = self.db.execute(
            "SELECT id FROM articles WHERE story_id = ? ORDER BY coalesce(published, fetched_at), rowid",
            [row["id"]],
        ).fetchall()
        return Story(
            id=row["id"],
            title=row["title"],
            date=row["date"],
            sources=json.loads(row["sources"] or "{}"),
            articles=[a[0] for a in articles],
            summary=row["summary"] or "",
            key_points=json.loads(row["key_points"] or "[]"),
            image_url=row["image_url"],
            image_caption=row["image_caption"],
            image_source=row["image_source"],
            first_seen=row["first_seen"],
            updated_at=row["updated_at"],
            summarized_by=row["summarized_by"] or "extractive",
        )

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

    def count_articles(self) -> int:
        return next(self.db.query("SELECT count(*) AS n FROM articles"))["n"]
