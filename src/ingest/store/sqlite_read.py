"""SQLiteStore's pages for the read API: articles and stories newest first, a page at a time after the
place of the last one read, and a store of its own for the thread that serves them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ingest.model import Article, Story
from ingest.store.base import ArticleFilter, Place, Store
from ingest.store.records import SQLITE, article_of, articles_page, place_of, stories_page


class SQLiteRead:
    """SQLiteStore's newest-first pages, on its database."""

    db: Database
    path: Path
    _story: Callable[[dict[str, Any]], Story]

    def reopen(self) -> Store:
        # sqlite3 refuses a connection made on another thread: the thread that reads with it opens it.
        return Store.open(self.path, create=False)

    def newest_articles(
        self, where: ArticleFilter, limit: int, after: Place | None = None
    ) -> list[tuple[Article, Place]]:
        query, params = articles_page(where, limit, after, SQLITE)
        return [(article_of(row), place_of(row)) for row in self.db.query(query, params)]

    def newest_stories(
        self, where: ArticleFilter, limit: int, after: Place | None = None
    ) -> list[tuple[Story, Place]]:
        query, params = stories_page(where, limit, after, SQLITE)
        return [(self._story(row), place_of(row)) for row in list(self.db.query(query, params))]
