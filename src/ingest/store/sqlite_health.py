"""SQLiteStore's operator methods: every feed with what it stored and what failed, and the repair that
lets failures be tried again."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from ingest.model import Article, FeedState
from ingest.store.records import (
    ARTICLE_COLUMNS,
    FEED_COLUMNS,
    SNIPPET_WORDS,
    article_of,
    failed_page_of,
    feed_of,
    fts5_query,
    query_words,
)
from ingest.store.sqlite_errors import writes


class SQLiteHealth:
    """SQLiteStore's health and repair methods, on its database."""

    db: Database

    def feed_states(self) -> list[FeedState]:
        rows = self.db.query(f"SELECT {', '.join(FEED_COLUMNS)} FROM feeds ORDER BY url")
        return [feed_of(row) for row in rows]

    def feed_counts(self) -> dict[str, tuple[int, int]]:
        counts = {row["feed"]: (row["n"], 0) for row in self.db.query(
            "SELECT feed, count(*) AS n FROM articles GROUP BY feed")}  # fmt: skip
        for row in self.db.query("SELECT feed, count(*) AS n FROM entry_failures GROUP BY feed"):
            counts[row["feed"]] = (counts.get(row["feed"], (0, 0))[0], row["n"])
        return counts

    def failed_pages(self, url: str) -> list[tuple[str, str, int, bool]]:
        rows = self.db.query(
            """SELECT coalesce(url, key) AS url, reason, attempts, permanent FROM entry_failures
               WHERE feed = ? ORDER BY last_attempt DESC, key""",
            [url],
        )
        return [failed_page_of(row) for row in rows]

    def search(self, query: str, limit: int) -> list[tuple[Article, str]]:
        words = query_words(query)
        if not words:
            return []
        columns = ", ".join(f"a.{name}" for name in ARTICLE_COLUMNS)
        rows = self.db.query(
            f"""SELECT {columns}, snippet(articles_fts, 1, '[', ']', '…', {SNIPPET_WORDS}) AS snippet
                FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
                WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?""",
            [fts5_query(words), limit],
        )
        return [(article_of(row), row["snippet"]) for row in rows]

    @writes
    def clear_failures(self, urls: Iterable[str] | None = None) -> tuple[int, int]:
        where, params = _among(urls)
        with self.db.atomic():
            pages = self.db.execute(f"DELETE FROM entry_failures WHERE feed {where}", params).rowcount
            feeds = self.db.execute(
                f"""UPDATE feeds SET failures = 0, next_poll = NULL, etag = NULL, last_modified = NULL
                    WHERE url {where}""",
                params,
            ).rowcount
        return pages, feeds


def _among(urls: Iterable[str] | None) -> tuple[str, list[str]]:
    """A WHERE tail for the given feeds (every feed if None)."""
    if urls is None:
        return "IS NOT NULL", []
    chosen = list(urls)
    return f"IN ({', '.join('?' * len(chosen))})", chosen
