"""The PostgreSQL backend: one database several daemons (and any number of readers) may share, every
query the store interface runs, meaning what the SQLite backend's mean.

One synchronous psycopg connection per Store, as with SQLite: the interface is synchronous, and each
call is a round trip of a millisecond or so on the daemon's event loop. The connection is in
autocommit; a method that writes more than one statement does so in an explicit transaction.
Parameters are bound by the server. psycopg is imported only when a database is opened (pg_session).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from ingest.store.pg_events import PostgresEvents, emit
from ingest.store.pg_fleet import STORING_LOCK, PostgresFleet
from ingest.store.pg_health import PostgresHealth
from ingest.store.pg_placing import PostgresPlacing, feed_row, insert_fingerprint, keep_page, merge_stories
from ingest.store.pg_read import PostgresRead
from ingest.store.pg_schema import migrate, migrated
from ingest.store.pg_session import CONNECT_TIMEOUT_S, open_connection
from ingest.store.placing import reasons_row
from ingest.store.records import (
    ARTICLE_COLUMNS,
    FEED_COLUMNS,
    POSTGRES,
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
from ingest.text.dates import iso, parse_datetime

if TYPE_CHECKING:  # the dedupe modules pull in numpy and scipy, which read-only commands never need

    from ingest.dedupe.assign import Placement
    from ingest.dedupe.neardup import FingerprintRow

# Articles in the order a story lists them: by publication, the undated by when they were fetched.
_BY_DATE = "coalesce(published, fetched_at), seq"
_ARTICLES = f"SELECT seq, {', '.join(ARTICLE_COLUMNS)} FROM articles"
# A story's row with its article ids in order, in one query rather than one more per story.
_STORIES = f"""SELECT s.*, ARRAY(SELECT a.id FROM articles a WHERE a.story_id = s.id ORDER BY {_BY_DATE})
               AS article_ids FROM stories s"""
# Rows per query when a caller walks a whole table (articles, fingerprints).
_PAGE = 1000
_SQL = POSTGRES  # how a filter's conditions are written here (psycopg's parameters, JSON items, tsvector)


def _pages(fetch: Callable[[int], list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """A large table's rows, _PAGE at a time after the last one's `seq`: no query holds the connection
    or a transaction while the caller works through them, and the caller may use the store meanwhile."""
    after = 0
    while True:
        rows = fetch(after)
        yield from rows
        if len(rows) < _PAGE:
            return
        after = rows[-1]["seq"]


class PostgresStore(
    PostgresFleet, PostgresHealth, PostgresEvents, PostgresRead, PostgresPlacing, Store, scheme="postgresql"
):
    """One session with a PostgreSQL database (postgresql:// or postgres:// URLs, as libpq reads them)."""

    @classmethod
    def connect(cls, location: Path | str, *, create: bool = True) -> PostgresStore:
        """Connect to the database at the URL `location`, and migrate it unless `create` is false (the
        database itself is never created: its owner makes it, as with any server)."""
        store = cls(str(location), open_connection(str(location)))
        try:
            with store._session() as conn:
                if create:
                    migrate(conn)
                elif not migrated(conn):
                    raise StoreError(f"{store.location}: no ingest tables here (run `ingest --once` first)")
        except BaseException:
            store.close()
            raise
        return store

    def answers(self, timeout: float = 2.0) -> bool:
        """Whether the database answers a read within `timeout`, on a connection of its own."""
        import psycopg

        try:
            conn = open_connection(self.url, timeout=min(timeout, CONNECT_TIMEOUT_S))
        except StoreError:
            return False
        try:
            conn.execute("SELECT set_config('statement_timeout', %s, false)", [f"{int(timeout * 1000)}ms"])
            conn.execute("SELECT 1 FROM feeds LIMIT 1")
            return True
        except psycopg.Error:
            return False
        finally:
            conn.close()

    # -- feeds --------------------------------------------------------------------------------

    def sync_feeds(self, feeds: Iterable[tuple[str, str]]) -> None:
        with self._session(atomic=True) as conn:
            conn.cursor().executemany(
                "INSERT INTO feeds (url, name) VALUES (%s, %s) ON CONFLICT (url) DO UPDATE SET name = excluded.name",
                list(feeds),
            )

    def update_settings(self, settings: dict[str, str]) -> list[SettingsChange]:
        with self._session(atomic=True) as conn:
            recorded = {row["url"]: row["settings"] for row in conn.execute(FAILING_FEEDS_SETTINGS)}
            changes = [
                SettingsChange(url, recorded[url] or "", self.clear_failures([url])[0])
                for url in settings_changes(recorded, settings)
            ]
            conn.cursor().executemany(
                "UPDATE feeds SET settings = %s WHERE url = %s", [(now, url) for url, now in settings.items()]
            )
        return changes

    def feed_state(self, url: str) -> FeedState:
        row = self._one(f"SELECT {', '.join(FEED_COLUMNS)} FROM feeds WHERE url = %s", [url])
        return feed_of(row) if row else FeedState(url)

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
        self._run(
            """UPDATE feeds SET etag = coalesce(%(etag)s, etag), last_modified = coalesce(%(modified)s,
                   last_modified), title = coalesce(%(title)s, title), last_polled = %(at)s,
                   last_success = %(at)s, last_status = %(status)s, last_error = %(problem)s, failures = 0,
                   next_poll = %(next)s, gone_since = NULL, lease_owner = NULL, lease_until = NULL
               WHERE url = %(url)s""",
            {"etag": etag, "modified": last_modified, "title": title, "at": iso(at), "status": status,
             "problem": problem, "next": moment(next_poll), "url": url},
        )  # fmt: skip

    def record_failure(
        self, url: str, *, error: str, status: int | None, at: datetime, next_poll: datetime
    ) -> None:
        self._run(
            """UPDATE feeds SET last_polled = %(at)s, last_status = %(status)s, last_error = %(error)s,
                   failures = failures + 1, next_poll = %(next)s,
                   gone_since = CASE WHEN %(status)s::integer = 410 THEN coalesce(gone_since, %(at)s) END,
                   lease_owner = NULL, lease_until = NULL
               WHERE url = %(url)s""",
            {"at": iso(at), "status": status, "error": error, "next": moment(next_poll), "url": url},
        )

    # -- entries and articles -------------------------------------------------------------------

    def seen(self, guid: str | None, urls: Iterable[str], *, max_attempts: int) -> bool:
        urls = [u for u in urls if u]
        keys = [k for k in (guid, *urls) if k]
        if not keys:
            return False
        row = self._one(
            """SELECT EXISTS (SELECT 1 FROM articles WHERE guid = %(guid)s
                              OR canonical_url = ANY(%(urls)s::text[]) OR entry_url = ANY(%(urls)s::text[]))
                   OR EXISTS (SELECT 1 FROM entry_failures WHERE key = ANY(%(keys)s::text[])
                              AND (permanent OR attempts >= %(max)s)) AS seen""",
            {"guid": guid, "urls": urls, "keys": keys, "max": max_attempts},
        )
        return bool(row and row["seen"])

    def add_article(
        self,
        article: Article,
        entry_url: str | None,
        *,
        placement: Placement | None = None,
        page: KeptPage | None = None,
    ) -> bool:
        import psycopg

        record = article_row(article, entry_url) | reasons_row(placement)
        columns = ", ".join(record)
        marks = ", ".join(f"%({name})s" for name in record)
        try:
            with self._session(atomic=True) as conn:
                conn.execute("SELECT pg_advisory_xact_lock_shared(%s)", [STORING_LOCK])  # see unplaced_articles
                feed_row(conn, article)
                # ON CONFLICT rather than an error: two daemons storing one page is expected, and a
                # unique violation would be an ERROR line in the server's log every time.
                stored = conn.execute(
                    f"INSERT INTO articles ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING RETURNING seq",
                    record,
                ).fetchone()
                if stored is None:
                    return False  # nothing was written: the empty transaction commits
                if article.guid or entry_url:
                    conn.execute(
                        "DELETE FROM entry_failures WHERE key = ANY(%s::text[])",
                        [[key for key in (article.guid, entry_url) if key]],
                    )
                if page is not None:
                    keep_page(conn, article.id, page, article.fetched_at)
                if placement is not None and placement.fingerprint is not None:
                    insert_fingerprint(conn, placement.fingerprint)
                for gone, keep in placement.merges if placement else ():
                    merge_stories(conn, gone, keep)
                if article.story_id:
                    conn.execute(
                        """INSERT INTO stories (id, first_seen, updated_at, articles) VALUES (%(id)s, %(at)s, %(at)s, 1)
                           ON CONFLICT (id) DO UPDATE SET updated_at = greatest(stories.updated_at,
                               excluded.updated_at), articles = stories.articles + 1, stale = true""",
                        {"id": article.story_id, "at": article.fetched_at},
                    )
                    emit(conn, "article.new", article.id, now_moment())
        except psycopg.errors.ForeignKeyViolation as exc:  # not "already stored": see MissingReference
            raise MissingReference(f"{self.location}: article {article.id} ({article.url}): {exc}") from None
        return True

    def has_article(self, article_id: str) -> bool:
        return self._one("SELECT 1 FROM articles WHERE id = %s", [article_id]) is not None

    def same_text(self, content_hash: str) -> tuple[str, str | None] | None:
        row = self._one(
            """SELECT coalesce(a.duplicate_of, a.id) AS original, coalesce(o.story_id, a.story_id) AS story
               FROM articles a LEFT JOIN articles o ON o.id = a.duplicate_of
               WHERE a.content_hash = %s ORDER BY a.seq LIMIT 1""",
            [content_hash],
        )
        return (row["original"], row["story"]) if row else None

    def fingerprints(self) -> Iterator[tuple[FingerprintRow, str | None]]:
        from ingest.dedupe.neardup import FingerprintRow

        rows = _pages(
            lambda after: self._rows(
                """SELECT f.seq, f.article_id, f.signature, f.shingles, f.duplicate_of, a.story_id
                   FROM fingerprints f JOIN articles a ON a.id = f.article_id
                   WHERE f.seq > %s ORDER BY f.seq LIMIT %s""",
                [after, _PAGE],
            )
        )
        for row in rows:
            fingerprint = FingerprintRow(row["article_id"], row["signature"], row["shingles"], row["duplicate_of"])
            yield fingerprint, row["story_id"]

    def recent_articles(self, days: float, now: datetime) -> list[Article]:
        newest = self._one("SELECT max(coalesce(published, fetched_at)) AS t FROM articles")
        if newest is None or newest["t"] is None:
            return []
        since = iso(min(parse_datetime(newest["t"]) or now, now) - timedelta(days=days))
        # Two indexed conditions rather than coalesce(), which no index covers.
        return self._articles(
            f"WHERE published >= %(since)s OR (published IS NULL AND fetched_at >= %(since)s) ORDER BY {_BY_DATE}",
            {"since": since},
        )

    def unplaced_articles(self, *, stored_order: bool = False) -> list[Article]:
        if not stored_order:
            return self._articles(f"WHERE story_id IS NULL ORDER BY {_BY_DATE}")
        with self._session(atomic=True) as conn:
            # Every store holds STORING_LOCK shared: once it is ours, no insert is under way, so no lower
            # seq than those read can commit after this read.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [STORING_LOCK])
            rows = conn.execute(f"{_ARTICLES} WHERE story_id IS NULL ORDER BY seq").fetchall()
        return [article_of(row) for row in rows]

    def record_entry_failure(
        self, key: str, *, feed: str, url: str | None, reason: str, permanent: bool, at: datetime
    ) -> None:
        self._run(
            """INSERT INTO entry_failures (key, feed, url, reason, attempts, permanent, last_attempt)
               VALUES (%s, %s, %s, %s, 1, %s, %s)
               ON CONFLICT (key) DO UPDATE SET reason = excluded.reason,
                   attempts = entry_failures.attempts + 1, permanent = excluded.permanent,
                   last_attempt = excluded.last_attempt""",
            [key, feed, url, reason, permanent, iso(at)],
        )

    def articles(self, where: ArticleFilter = ArticleFilter()) -> Iterator[Article]:
        conditions, params = article_conditions(where, _SQL)
        query = f"{_ARTICLES} WHERE seq > %(after)s {where_clause(conditions, 'AND')} ORDER BY seq LIMIT %(page)s"
        rows = _pages(lambda after: self._rows(query, params | {"after": after, "page": _PAGE}))
        return (article_of(row) for row in rows)

    def article(self, key: str) -> Article | None:
        row = self._by_id(_ARTICLES, key, "article")
        return article_of(row) if row is not None else None

    def _articles(self, where: str, params: Any = None) -> list[Article]:
        return [article_of(row) for row in self._rows(f"{_ARTICLES} {where}", params)]

    # -- stories ----------------------------------------------------------------------------------

    def stale_stories(self) -> list[str]:
        return [row["id"] for row in self._rows("SELECT id FROM stories WHERE stale ORDER BY updated_at, id")]

    def is_stale(self, story_id: str) -> bool:
        row = self._one("SELECT stale FROM stories WHERE id = %s", [story_id])
        return bool(row and row["stale"])

    def story_members(self, story_id: str) -> list[Article]:
        return self._articles(f"WHERE story_id = %s ORDER BY {_BY_DATE}", [story_id])

    def save_story(self, story: Story, members: int) -> None:
        row = story_row(story)
        assignments = ", ".join(
            f"{name} = %({name})s" for name in row if name not in ("id", "first_seen", "updated_at")
        )
        with self._session(atomic=True) as conn:
            before = conn.execute("SELECT * FROM stories WHERE id = %s FOR UPDATE", [story.id]).fetchone()
            # first_seen and updated_at are the store's own bookkeeping, kept by add_article and merges.
            conn.execute(
                f"UPDATE stories SET {assignments}, stale = (articles <> %(members)s) WHERE id = %(id)s",
                row | {"members": members},
            )
            if kind := story_event(before, row):
                emit(conn, kind, story.id, now_moment())

    def story(self, key: str) -> Story | None:
        row = self._by_id(_STORIES, key, "story")
        return story_of(row, row["article_ids"]) if row else None

    def stories(self, where: ArticleFilter = ArticleFilter()) -> Iterator[Story]:
        conditions, params = story_conditions(where, _SQL, "s")
        rows = self._rows(f"{_STORIES} {where_clause(conditions)} ORDER BY s.updated_at, s.id", params)
        return (story_of(row, row["article_ids"]) for row in rows)

    def _by_id(self, select: str, key: str, noun: str) -> dict[str, Any] | None:
        """The row whose id is `key`, else the only one whose id starts with it (as git takes hashes)."""
        # One range scan of the primary key: an exact match sorts first, being a prefix of the others.
        rows = self._rows(f"{select} WHERE id >= %s AND id < %s ORDER BY id LIMIT 2", [key, key + "\U0010ffff"])
        if rows and rows[0]["id"] == key:
            return rows[0]
        if len(rows) > 1:
            raise AmbiguousId(f"{key!r} starts more than one {noun} id; give more of it")
        return rows[0] if rows else None

