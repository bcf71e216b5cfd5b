"""PostgresStore's placements (an article's original and story, as the deduper decides them) and its kept
pages, which `ingest reextract` reads back and whose records it rewrites; as sqlite_placing.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ingest.dedupe.overrides import MERGE, SPLIT, Override
from ingest.dedupe.reasons import Reason, from_json, to_json
from ingest.model import Article, KeptPage
from ingest.store.base import ArticleFilter
from ingest.store.pg_events import emit
from ingest.store.pg_session import PgSession
from ingest.store.placing import (
    EXTRACTED,
    OVERRIDE_COLUMNS,
    Kept,
    Placing,
    override_rows,
    page_of,
    page_row,
    placed_stories,
    reasons_row,
)
from ingest.store.records import (
    ARTICLE_COLUMNS,
    POSTGRES,
    article_conditions,
    article_of,
    article_row,
    now_moment,
    where_clause,
)

if TYPE_CHECKING:
    import psycopg

    from ingest.dedupe.assign import Placement
    from ingest.dedupe.neardup import FingerprintRow


def insert_fingerprint(conn: psycopg.Connection[Any], row: FingerprintRow) -> None:
    conn.execute(
        "INSERT INTO fingerprints (article_id, signature, shingles, duplicate_of) VALUES (%s, %s, %s, %s)",
        [row.article_id, row.signature, row.shingles, row.duplicate_of],
    )


def merge_stories(conn: psycopg.Connection[Any], gone: str, keep: str) -> None:
    """Relabel the absorbed story's articles and fold its bookkeeping into the surviving story."""
    conn.execute("UPDATE articles SET story_id = %s WHERE story_id = %s", [keep, gone])
    conn.execute(
        """WITH gone AS (DELETE FROM stories WHERE id = %(gone)s RETURNING first_seen, updated_at, articles)
           UPDATE stories SET first_seen = least(first_seen, (SELECT first_seen FROM gone)),
               updated_at = greatest(updated_at, (SELECT updated_at FROM gone)),
               articles = articles + coalesce((SELECT articles FROM gone), 0), stale = true
           WHERE id = %(keep)s""",
        {"gone": gone, "keep": keep},
    )
    # The corrections people made name stories by id: they follow the merge, as the articles do.
    for column in ("story_id", "other_story_id"):
        moved = f"UPDATE overrides SET {column} = %(keep)s WHERE {column} = %(gone)s"
        conn.execute(moved, {"gone": gone, "keep": keep})


def keep_page(conn: psycopg.Connection[Any], article_id: str, page: KeptPage, kept_at: str) -> None:
    row = page_row(article_id, page, kept_at)
    conn.execute(f"INSERT INTO pages ({', '.join(row)}) VALUES ({', '.join(f'%({n})s' for n in row)})", row)


def feed_row(conn: psycopg.Connection[Any], article: Article) -> None:
    """The article's feed's row, made if it has none: articles.feed is a foreign key (sqlite_placing.py)."""
    conn.execute(
        "INSERT INTO feeds (url, name) VALUES (%(feed)s, %(feed)s) ON CONFLICT (url) DO NOTHING",
        {"feed": article.feed},
    )


def _place(conn: psycopg.Connection[Any], placements: Sequence[tuple[Article, Placement]]) -> None:
    for article, placement in placements:
        conn.execute(
            """UPDATE articles SET duplicate_of = %(duplicate_of)s, story_id = %(story_id)s,
                   duplicate_reason = %(duplicate_reason)s, story_reason = %(story_reason)s
               WHERE id = %(id)s""",
            {"id": article.id, "duplicate_of": placement.duplicate_of, "story_id": placement.story_id,
             **reasons_row(placement)},
        )  # fmt: skip
        if placement.fingerprint:
            insert_fingerprint(conn, placement.fingerprint)
        for gone, keep in placement.merges:
            merge_stories(conn, gone, keep)
        if placement.story_id:
            emit(conn, "article.new", article.id, now_moment())
    for story_id in placed_stories(placements):
        _recount(conn, story_id)


def _recount(conn: psycopg.Connection[Any], story_id: str) -> None:
    """A story's bookkeeping from its articles, stale; deleted if none is left in it."""
    conn.execute(
        """INSERT INTO stories (id, first_seen, updated_at, articles)
           SELECT story_id, min(fetched_at), max(fetched_at), count(*) FROM articles
           WHERE story_id = %(id)s GROUP BY story_id
           ON CONFLICT (id) DO UPDATE SET first_seen = excluded.first_seen,
               updated_at = excluded.updated_at, articles = excluded.articles, stale = true""",
        {"id": story_id},
    )
    conn.execute(
        "DELETE FROM stories s WHERE id = %(id)s AND NOT EXISTS (SELECT FROM articles WHERE story_id = s.id)",
        {"id": story_id},
    )


def _ids(conn: psycopg.Connection[Any], where: str, params: dict[str, Any]) -> list[str]:
    return [row["id"] for row in conn.execute(f"SELECT id FROM articles WHERE {where} ORDER BY seq", params)]


def _set(conn: psycopg.Connection[Any], assignments: str, values: list[Any], ids: Sequence[str]) -> None:
    conn.execute(f"UPDATE articles SET {assignments} WHERE id = ANY(%s)", [*values, list(ids)])


class PostgresPlacing(PgSession, Placing):
    """PostgresStore's placements and kept pages, on its session."""

    def place(self, placements: Iterable[tuple[Article, Placement]]) -> None:
        with self._session(atomic=True) as conn:
            _place(conn, list(placements))

    def replace_placements(self, placements: Sequence[tuple[Article, Placement]]) -> None:
        if not placements:
            return
        ids = [article.id for article, _ in placements]
        with self._session(atomic=True) as conn:
            left = conn.execute(
                "SELECT DISTINCT story_id FROM articles WHERE id = ANY(%s) AND story_id IS NOT NULL", [ids]
            ).fetchall()
            conn.execute("DELETE FROM fingerprints WHERE article_id = ANY(%s)", [ids])
            _place(conn, placements)
            for row in left:
                _recount(conn, row["story_id"])
            conn.execute("UPDATE counters SET value = value + 1 WHERE name = 'placements'")

    def replace_articles(self, articles: Sequence[Article]) -> None:
        if not articles:
            return
        assignments = ", ".join(f"{name} = %({name})s" for name in EXTRACTED)
        with self._session(atomic=True) as conn:
            update = f"UPDATE articles SET {assignments} WHERE id = %(id)s"
            for article in articles:
                conn.execute(update, article_row(article, None))
            conn.execute(
                """UPDATE stories SET stale = true
                   WHERE id IN (SELECT story_id FROM articles WHERE id = ANY(%s))""",
                [[article.id for article in articles]],
            )

    def reasons(self, article_id: str) -> tuple[Reason | None, Reason | None]:
        row = self._one("SELECT duplicate_reason, story_reason FROM articles WHERE id = %s", [article_id])
        return (from_json(row["duplicate_reason"]), from_json(row["story_reason"])) if row else (None, None)

    def overrides(self) -> list[Override]:
        rows = self._rows(f"SELECT {', '.join(OVERRIDE_COLUMNS)} FROM overrides ORDER BY id")
        return [Override(**row) for row in rows]

    def correct(self, override: Override) -> list[str]:
        why = to_json(override.reason())
        with self._session(atomic=True) as conn:
            conn.execute("SELECT value FROM counters WHERE name = 'placements' FOR UPDATE")  # one at a time
            if override.kind == SPLIT:
                moved = _ids(conn, "id = %(a)s OR duplicate_of = %(a)s", {"a": override.article_id})
                _set(conn, "story_id = %s, story_reason = %s", [override.story_id, why], moved)
                for story_id in filter(None, (override.story_id, override.other_story_id)):
                    _recount(conn, story_id)
            elif override.kind == MERGE:
                moved = _ids(conn, "story_id = %(gone)s", {"gone": override.other_story_id})
                merge_stories(conn, override.other_story_id, override.story_id)
                _set(conn, "story_reason = %s", [why], moved)
            else:  # UNMARK
                moved = [override.article_id]
                _set(conn, "duplicate_of = NULL, duplicate_reason = %s", [why], moved)
                conn.execute("UPDATE fingerprints SET duplicate_of = NULL WHERE article_id = %s", moved)
            for row in override_rows(override, moved, now_moment()):
                marks = ", ".join(f"%({name})s" for name in row)
                conn.execute(f"INSERT INTO overrides ({', '.join(row)}) VALUES ({marks})", row)
            conn.execute("UPDATE counters SET value = value + 1 WHERE name = 'placements'")
        return moved

    def kept_pages(self, where: ArticleFilter, *, after: int, limit: int) -> list[Kept]:
        conditions, params = article_conditions(where, POSTGRES, "a")
        columns = ", ".join(f"a.{name}" for name in ARTICLE_COLUMNS)
        rows = self._rows(
            f"""SELECT a.seq AS position, {columns}, p.url AS page_url, p.content_type, p.entry, p.html,
                    p.fragment
                FROM articles a JOIN pages p ON p.article_id = a.id
                WHERE a.seq > %(after)s {where_clause(conditions, 'AND')} ORDER BY a.seq LIMIT %(limit)s""",
            params | {"after": after, "limit": limit},
        )
        return [(row["position"], article_of(row), page_of(row | {"url": row["page_url"]})) for row in rows]

    def articles_without_page(self, where: ArticleFilter) -> int:
        conditions, params = article_conditions(where, POSTGRES, "a")
        row = self._one(
            f"""SELECT count(*) AS n FROM articles a WHERE NOT EXISTS (SELECT 1 FROM pages p WHERE
                p.article_id = a.id) {where_clause(conditions, 'AND')}""",
            params,
        )
        return int(row["n"]) if row else 0

    def placements_counter(self) -> int:
        row = self._one("SELECT value FROM counters WHERE name = 'placements'")
        return int(row["value"]) if row else 0

    def prune_pages(self, before: str) -> int:
        with self._session() as conn:
            return conn.execute("DELETE FROM pages WHERE kept_at < %s", [before]).rowcount
