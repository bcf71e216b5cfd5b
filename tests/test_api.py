"""The read API and the stories' feeds: the store's newest-first pages on both backends, then the real
daemon serving /api/*, /feeds/* and /api/openapi.json on its listener, over a loopback site of fixture
reports: lists, filters, cursor walks, one story with its articles, the errors, JSON Feed and Atom,
schemathesis driving every operation from the OpenAPI description, the bearer token, and the refusal
to serve a non-loopback address without one."""

from __future__ import annotations

import threading

from test_export import HARBOUR, ROWS, STORY_A, STORY_B, WIRE, _article

from ingest.store import ArticleFilter, Store


def _filled(store: Store) -> Store:
    store.sync_feeds([HARBOUR, WIRE])
    for row in ROWS:
        assert store.add_article(_article(*row), entry_url=row[3])
    return store


def _walk(read, limit: int) -> list[str]:
    """Every id a newest-first read gives, `limit` at a time after the place of each page's last."""
    ids, after = [], None
    while page := read(limit, after):
        ids += [record.id for record, _ in page]
        after = page[-1][1]
    return ids


def test_articles_come_newest_first_by_date_a_page_at_a_time(store: Store) -> None:
    _filled(store)
    newest = [article.title for article, _ in store.newest_articles(ArticleFilter(), 10)]
    # Published 3 h and 48 h ago, one undated fetched 120 h ago, one published 240 h ago.
    assert newest == ["The fresh report", "The older report", "The undated report", "The old report"]
    every = [article.id for article, _ in store.newest_articles(ArticleFilter(), 10)]
    assert _walk(lambda n, after: store.newest_articles(ArticleFilter(), n, after), 3) == every
    assert _walk(lambda n, after: store.newest_articles(ArticleFilter(), n, after), 1) == every
    (article, place), *_ = store.newest_articles(ArticleFilter(), 1)
    assert place == (article.published, article.id)


def test_pages_take_the_filters_and_full_text_words(store: Store) -> None:
    _filled(store)

    def titles(**given: object) -> list[str | None]:
        return [article.title for article, _ in store.newest_articles(ArticleFilter(**given), 10)]

    assert titles(words="older REPORT") == ["The older report"]
    assert titles(words="report harbour", sources=("wire.example",)) == ["The undated report", "The old report"]
    assert titles(words="nowhere") == [] and titles(words="!?") == []
    second = store.newest_articles(ArticleFilter(), 10)[1][1][0]  # since includes it, until does not
    assert titles(since=second) == ["The fresh report", "The older report"]
    assert titles(until=second) == ["The undated report", "The old report"]
    # A story is found by its articles' words and sources, and pages by its last update.
    stories = [story.id for story, _ in store.newest_stories(ArticleFilter(), 10)]
    assert sorted(stories) == sorted([STORY_A, STORY_B])
    assert [s.id for s, _ in store.newest_stories(ArticleFilter(words="undated"), 10)] == [STORY_B]
    assert [s.id for s, _ in store.newest_stories(ArticleFilter(sources=("Wire",)), 10)] == [STORY_B]
    assert _walk(lambda n, after: store.newest_stories(ArticleFilter(), n, after), 1) == stories
    (story, place), *_ = store.newest_stories(ArticleFilter(), 1)
    assert place == (story.updated_at, story.id) and story.articles


def test_a_reopened_store_reads_on_another_thread(store: Store) -> None:
    _filled(store)
    found: list[int] = []

    def read() -> None:
        other = store.reopen()
        try:
            found.append(len(other.newest_articles(ArticleFilter(), 10)))
        finally:
            other.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(30)
    assert found == [len(ROWS)]
