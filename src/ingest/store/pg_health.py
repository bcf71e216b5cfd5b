"""PostgresStore's operator methods: every feed with what it stored and what failed, and the repair that
lets failures be tried again."""

from __future__ import annotations

from collections.abc import Iterable

from ingest.model import Article, FeedState
from ingest.store.pg_session import PgSession
from ingest.store.records import (
    ARTICLE_COLUMNS,
    FEED_COLUMNS,
    SNIPPET_WORDS,
    article_of,
    failed_page_of,
    feed_of,
    query_words,
)


class PostgresHealth(PgSession):
    """PostgresStore's health and repair methods, on its session."""

    def feed_states(self) -> list[FeedState]:
        rows = self._rows(f"SELECT {', '.join(FEED_COLUMNS)} FROM feeds ORDER BY url")
        return [feed_of(row) for row in rows]

    def feed_counts(self) -> dict[str, tuple[int, int]]:
        rows = self._rows(
            """SELECT coalesce(a.feed, f.feed) AS feed, coalesce(a.n, 0) AS stored,
                      coalesce(f.n, 0) AS failed
               FROM (SELECT feed, count(*) AS n FROM articles GROUP BY feed) a
               FULL JOIN (SELECT feed, count(*) AS n FROM entry_failures GROUP BY feed) f
                    ON f.feed = a.feed"""
        )
        return {row["feed"]: (row["stored"], row["failed"]) for row in rows}

    def failed_pages(self, url: str) -> list[tuple[str, str, int, bool]]:
        rows = self._rows(
            """SELECT coalesce(url, key) AS url, reason, attempts, permanent FROM entry_failures
               WHERE feed = %s ORDER BY last_attempt DESC, key""",
            [url],
        )
        return [failed_page_of(row) for row in rows]

    def search(self, query: str, limit: int) -> list[tuple[Article, str]]:
        words = query_words(query)
        if not words:
            return []
        options = f"StartSel=[, StopSel=], MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}"
        rows = self._rows(
            f"""SELECT {", ".join(ARTICLE_COLUMNS)}, ts_headline('simple', text, q, %(options)s) AS snippet
                FROM articles, plainto_tsquery('simple', %(words)s) q
                WHERE search @@ q ORDER BY ts_rank(search, q) DESC, seq LIMIT %(limit)s""",
            {"words": " ".join(words), "options": options, "limit": limit},
        )
        return [(article_of(row), row["snippet"]) for row in rows]

    def clear_failures(self, urls: Iterable[str] | None = None) -> tuple[int, int]:
        chosen = None if urls is None else list(urls)
        only = "= ANY(%(urls)s::text[])"
        by_feed, by_url = ("", "") if chosen is None else (f"WHERE feed {only}", f"WHERE url {only}")
        with self._session(atomic=True) as conn:
            pages = conn.execute(f"DELETE FROM entry_failures {by_feed}", {"urls": chosen}).rowcount
            feeds = conn.execute(
                f"""UPDATE feeds SET failures = 0, next_poll = NULL, etag = NULL, last_modified = NULL
                    {by_url}""",
                {"urls": chosen},
            ).rowcount
        return pages, feeds
