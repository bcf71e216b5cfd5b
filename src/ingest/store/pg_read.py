"""PostgresStore's pages for the read API: articles and stories newest first, a page at a time after the
place of the last one read, and a session of its own for the thread that serves them."""

from __future__ import annotations

from collections.abc import Callable

from ingest.model import Article, Story
from ingest.store.base import ArticleFilter, Place, Store
from ingest.store.pg_session import PgSession
from ingest.store.records import POSTGRES, article_of, articles_page, place_of, stories_page


class PostgresRead(PgSession):
    """PostgresStore's newest-first pages, on its session."""

    story: Callable[[str], Story | None]

    def reopen(self) -> Store:
        return Store.open(self.url, create=False)

    def newest_articles(
        self, where: ArticleFilter, limit: int, after: Place | None = None
    ) -> list[tuple[Article, Place]]:
        query, params = articles_page(where, limit, after, POSTGRES)
        return [(article_of(row), place_of(row)) for row in self._rows(query, params)]

    def newest_stories(
        self, where: ArticleFilter, limit: int, after: Place | None = None
    ) -> list[tuple[Story, Place]]:
        query, params = stories_page(where, limit, after, POSTGRES)
        # Each story as story() reads it, with its article ids in order: a page is at most a few hundred.
        found = [(self.story(row["id"]), place_of(row)) for row in self._rows(query, params)]
        return [(story, place) for story, place in found if story is not None]  # merged away meanwhile
