"""SQLiteStore's placements (an article's original and story, as the deduper decides them) and its kept
pages, which `ingest reextract` reads back and whose records it rewrites."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from ingest.dedupe.overrides import MERGE, SPLIT, Override
from ingest.dedupe.reasons import Reason, from_json, to_json
from ingest.model import Article, KeptPage
from ingest.store.base import ArticleFilter
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
    SQLITE,
    article_conditions,
    article_of,
    article_row,
    now_moment,
    where_clause,
)
from ingest.store.sqlite_errors import writes, writing
from ingest.store.sqlite_events import emit

if TYPE_CHECKING:
    from ingest.dedupe.assign import Placement
    from ingest.dedupe.neardup import FingerprintRow


def insert_fingerprint(db: Database, row: FingerprintRow) -> None:
    db.execute(
        "INSERT INTO fingerprints (article_id, signature, shingles, duplicate_of) VALUES (?, ?, ?, ?)",
        [row.article_id, row.signature, row.shingles, row.duplicate_of],
    )


def merge_stories(db: Database, gone: str, keep: str) -> None:
    """Relabel the absorbed story's articles and fold its bookkeeping into the surviving story."""
    db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", [keep, gone])
    db.execute(
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
    db.execute("DELETE FROM stories WHERE id = ?", [gone])
    # The corrections people made name stories by id: they follow the merge, as the articles do.
    for column in ("story_id", "other_story_id"):
        moved = f"UPDATE overrides SET {column} = :keep WHERE {column} = :gone"
        db.execute(moved, {"gone": gone, "keep": keep})


def keep_page(db: Database, article_id: str, page: KeptPage, kept_at: str) -> None:
    row = page_row(article_id, page, kept_at)
    db.execute(f"INSERT INTO pages ({', '.join(row)}) VALUES ({', '.join(f':{n}' for n in row)})", row)


def feed_row(db: Database, article: Article) -> None:
    """The article's feed's row, made if it has none (a store's caller need not have synced its feeds):
    articles.feed is a foreign key, and an article must not be refused for want of it."""
    made = "INSERT INTO feeds (url, name) VALUES (:feed, :feed) ON CONFLICT(url) DO NOTHING"
    db.execute(made, {"feed": article.feed})


def _place(db: Database, placements: Sequence[tuple[Article, Placement]]) -> None:
    for article, placement in placements:
        db.execute(
            """UPDATE articles SET duplicate_of = :duplicate_of, story_id = :story_id,
                   duplicate_reason = :duplicate_reason, story_reason = :story_reason WHERE id = :id""",
            {"id": article.id, "duplicate_of": placement.duplicate_of, "story_id": placement.story_id,
             **reasons_row(placement)},
        )  # fmt: skip
        if placement.fingerprint:
            insert_fingerprint(db, placement.fingerprint)
        for gone, keep in placement.merges:
            merge_stories(db, gone, keep)
        if placement.story_id:
            emit(db, "article.new", article.id, now_moment())
    for story_id in placed_stories(placements):
        _recount(db, story_id)


def _recount(db: Database, story_id: str) -> None:
    """A story's bookkeeping from its articles, stale; deleted if none is left in it."""
    db.execute(
        """INSERT INTO stories (id, first_seen, updated_at, articles)
           SELECT story_id, min(fetched_at), max(fetched_at), count(*) FROM articles
           WHERE story_id = :id GROUP BY story_id
           ON CONFLICT(id) DO UPDATE SET first_seen = excluded.first_seen,
               updated_at = excluded.updated_at, articles = excluded.articles, stale = 1""",
        {"id": story_id},
    )
    db.execute(
        "DELETE FROM stories WHERE id = :id AND NOT EXISTS (SELECT 1 FROM articles WHERE story_id = :id)",
        {"id": story_id},
    )


class SQLitePlacing(Placing):
    """SQLiteStore's placements and kept pages, on its database."""

    db: Database

    @writes
    def place(self, placements: Iterable[tuple[Article, Placement]]) -> None:
        with self.db.atomic():
            _place(self.db, list(placements))

    @writes
    def replace_placements(self, placements: Sequence[tuple[Article, Placement]]) -> None:
        if not placements:
            return
        with writing(self.db):
            ids = [article.id for article, _ in placements]
            marks = ", ".join("?" * len(ids))
            left = [row[0] for row in self.db.execute(
                f"SELECT DISTINCT story_id FROM articles WHERE id IN ({marks}) AND story_id IS NOT NULL", ids
            ).fetchall()]  # fmt: skip
            self.db.execute(f"DELETE FROM fingerprints WHERE article_id IN ({marks})", ids)
            _place(self.db, placements)
            for story_id in left:
                _recount(self.db, story_id)
            self.db.execute("UPDATE counters SET value = value + 1 WHERE name = 'placements'")

    @writes
    def replace_articles(self, articles: Sequence[Article]) -> None:
        if not articles:
            return
        assignments = ", ".join(f"{name} = :{name}" for name in EXTRACTED)
        with self.db.atomic():
            update = f"UPDATE articles SET {assignments} WHERE id = :id"
            for article in articles:
                self.db.execute(update, article_row(article, None))
            self.db.execute(
                f"""UPDATE stories SET stale = 1 WHERE id IN (SELECT story_id FROM articles
                    WHERE id IN ({', '.join('?' * len(articles))}))""",
                [article.id for article in articles],
            )

    def reasons(self, article_id: str) -> tuple[Reason | None, Reason | None]:
        row = self.db.execute(
            "SELECT duplicate_reason, story_reason FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        return (from_json(row[0]), from_json(row[1])) if row else (None, None)

    def overrides(self) -> list[Override]:
        rows = self.db.query(f"SELECT {', '.join(OVERRIDE_COLUMNS)} FROM overrides ORDER BY id")
        return [Override(**row) for row in rows]

    @writes
    def correct(self, override: Override) -> list[str]:
        why = to_json(override.reason())
        with writing(self.db):
            if override.kind == SPLIT:
                moved = self._ids("id = :a OR duplicate_of = :a", {"a": override.article_id})
                self._set("story_id = ?, story_reason = ?", [override.story_id, why], moved)
                for story_id in filter(None, (override.story_id, override.other_story_id)):
                    _recount(self.db, story_id)
            elif override.kind == MERGE:
                moved = self._ids("story_id = :gone", {"gone": override.other_story_id})
                merge_stories(self.db, override.other_story_id, override.story_id)
                self._set("story_reason = ?", [why], moved)
            else:  # UNMARK
                moved = [override.article_id]
                self._set("duplicate_of = NULL, duplicate_reason = ?", [why], moved)
                self.db.execute("UPDATE fingerprints SET duplicate_of = NULL WHERE article_id = ?", moved)
            for row in override_rows(override, moved, now_moment()):
                marks = ", ".join(f":{name}" for name in row)
                self.db.execute(f"INSERT INTO overrides ({', '.join(row)}) VALUES ({marks})", row)
            self.db.execute("UPDATE counters SET value = value + 1 WHERE name = 'placements'")
        return moved

    def _ids(self, where: str, params: dict[str, Any]) -> list[str]:
        rows = self.db.execute(f"SELECT id FROM articles WHERE {where} ORDER BY rowid", params)
        return [row[0] for row in rows]

    def _set(self, assignments: str, values: list[Any], ids: Sequence[str]) -> None:
        marks = ", ".join("?" * len(ids))
        self.db.execute(f"UPDATE articles SET {assignments} WHERE id IN ({marks})", [*values, *ids])

    def kept_pages(self, where: ArticleFilter, *, after: int, limit: int) -> list[Kept]:
        conditions, params = article_conditions(where, SQLITE, "a")
        columns = ", ".join(f"a.{name}" for name in ARTICLE_COLUMNS)
        rows = self.db.query(
            f"""SELECT a.rowid AS position, {columns}, p.url AS page_url, p.content_type, p.entry, p.html,
                    p.fragment
                FROM articles a JOIN pages p ON p.article_id = a.id
                WHERE a.rowid > :after {where_clause(conditions, 'AND')} ORDER BY a.rowid LIMIT :limit""",
            params | {"after": after, "limit": limit},
        )
        return [(row["position"], article_of(row), _page(row)) for row in rows]

    def articles_without_page(self, where: ArticleFilter) -> int:
        conditions, params = article_conditions(where, SQLITE, "a")
        query = f"""SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM pages p WHERE
                    p.article_id = a.id) {where_clause(conditions, 'AND')}"""
        return self.db.execute(query, params).fetchone()[0]

    def placements_counter(self) -> int:
        return self.db.execute("SELECT value FROM counters WHERE name = 'placements'").fetchone()[0]

    @writes
    def prune_pages(self, before: str) -> int:
        return self.db.execute("DELETE FROM pages WHERE kept_at < ?", [before]).rowcount


def _page(row: dict[str, Any]) -> KeptPage:
    return page_of(row | {"url": row["page_url"]})
