"""The coordination code in one process: polls, articles and story records over the fetch and pool doubles.

Services are built by hand: a real SQLite store, a real Fetcher and Deduper, real fixture pages and real
extraction; only the exchange (TableTransport) and the worker processes (InlinePool) are doubles. The
loopback and subprocess tests (test_once.py, test_daemon.py, test_hostile_*.py) cover the same ground
through real sockets and processes. Assertions read PollResults, Outcomes, feed_state() and SQL, not the
store's row types.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from xml.sax.saxutils import escape

import pytest

from ingest.config import FeedConfig
from ingest.dedupe.assign import Deduper
from ingest.extract.errors import HTML_TYPES
from ingest.fetch import Fetcher, FetchError, Request
from ingest.ops.workers import WorkerTimeout
from ingest.run.pipeline import PollResult, poll_feed
from ingest.run.services import DeduperLoader, Services
from ingest.store import Store
from ingest.stories.refresh import refresh_stories
from support.localsite import page_html, page_index
from support.pool import InlinePool
from support.transport import Reply, TableTransport

T = TypeVar("T")

SITE = "https://news.example"
FEED = f"{SITE}/feed.xml"
INTERVAL = 600.0
JITTER = 1.1  # next_delay adds up to 10 %
RSS = "application/rss+xml"
# Real pages that extract well, on three unrelated subjects: three stories.
PAGES = ("readability-bbc-1", "readability-ars-1", "readability-guardian-1")


def rss(*links: str) -> bytes:
    items = "".join(
        f"<item><title>Story {n}</title><link>{escape(link)}</link><guid>{escape(link)}</guid></item>"
        for n, link in enumerate(links)
    )
    channel = f"<channel><title>News</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def feed(url: str = FEED, **settings: Any) -> FeedConfig:
    return FeedConfig(url=url, name=url.rpartition("/")[2], interval=INTERVAL, **settings)


@pytest.fixture
def web() -> TableTransport:
    return TableTransport()


@pytest.fixture
async def svc(web: TableTransport, tmp_path: Path) -> AsyncIterator[Services]:
    store = Store.open(tmp_path / "x.db")
    try:
        async with Fetcher(user_agent="ingest-tests", transport=web) as fetcher:
            yield Services(store, fetcher, InlinePool(), DeduperLoader(store, Deduper()), asyncio.Semaphore(4))
    finally:
        store.close()


@pytest.fixture
def pages(web: TableTransport, fixtures: Path) -> dict[str, str]:
    """The PAGES answered at SITE/articles/<n>.html; page id -> URL."""
    urls = {pid: f"{SITE}/articles/{n}.html" for n, pid in enumerate(PAGES)}
    for pid, url in urls.items():
        web[url] = Reply.of(page_html(fixtures, pid))
    return urls


def gold_phrase(fixtures: Path, page_id: str) -> str:
    """The start of the page's longest gold paragraph: text only a real extraction finds."""
    gold = page_index(fixtures)[page_id]["gold_text"]
    return max(gold.split("\n"), key=len)[:60]


async def poll(svc: Services, config: FeedConfig) -> PollResult:
    svc.store.sync_feeds([(config.url, config.name)])  # as run_once and the daemon do first
    return await poll_feed(svc, config)


def sql(svc: Services, query: str, *params: object) -> list[tuple]:
    return svc.store.db.execute(query, params).fetchall()


def stored_urls(svc: Services) -> set[str]:
    return {url for (url,) in sql(svc, "SELECT url FROM articles")}


def due_in(result: PollResult, since: datetime) -> float:
    assert result.next_poll is not None
    return (result.next_poll - since).total_seconds()


# ---------------------------------------------------------------- poll_feed


async def test_a_feed_and_its_pages_become_articles(
    svc: Services, web: TableTransport, pages: dict[str, str], fixtures: Path
) -> None:
    web[FEED] = Reply.of(rss(*pages.values()), RSS, ETag='"v1"')
    before = datetime.now(UTC)

    result = await poll(svc, feed())

    assert (result.ok, result.status, result.error) == (True, 200, None)
    assert (result.stored, result.duplicates, result.failed_entries) == (3, 0, 0)
    assert INTERVAL <= due_in(result, before)
    assert stored_urls(svc) == set(pages.values())
    for pid, url in pages.items():
        [(text, words)] = sql(svc, "SELECT text, word_count FROM articles WHERE url = ?", url)
        assert gold_phrase(fixtures, pid) in text
        assert words > 100
        [request] = web.hits(url)
        assert request.headers["Accept"].split(",")[0] in HTML_TYPES
    assert web.hits(FEED)[0].headers["Accept"].startswith(RSS)
    assert svc.store.feed_state(FEED).etag == '"v1"'
    # The CPU-heavy steps went to the pool: one feed parse, one job per page (extraction, record, sketch).
    assert sorted(set(svc.pool.calls)) == ["build_article_job", "parse_feed_job"]
    assert svc.pool.calls.count("build_article_job") == 3


async def test_a_304_answers_the_stored_validators_and_nothing_is_parsed(
    svc: Services, web: TableTransport, pages: dict[str, str]
) -> None:
    first, second = list(pages.values())[:1], list(pages.values())[1:]
    web[FEED] = Reply.of(rss(*first), RSS, ETag='"v1"', Last_Modified="Wed, 21 Oct 2015 07:28:00 GMT")
    assert (await poll(svc, feed())).stored == 1

    def conditional(request: Request) -> Reply:
        if request.headers.get("If-None-Match") == '"v1"':
            return Reply(304, {"ETag": '"v1"'})
        return Reply.of(rss(*first, *second), RSS)  # had the ETag not been sent: two new articles

    web[FEED] = conditional
    result = await poll(svc, feed())

    assert (result.ok, result.status, result.stored) == (True, 304, 0)
    sent = web.hits(FEED)[-1].headers
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == ('"v1"', "Wed, 21 Oct 2015 07:28:00 GMT")
    assert svc.pool.calls.count("parse_feed_job") == 1
    assert stored_urls(svc) == set(first)
    assert all(not web.hits(url) for url in second)


async def test_a_404_fails_and_backs_off_more_each_time(svc: Services, web: TableTransport) -> None:
    before = datetime.now(UTC)
    results = [await poll(svc, feed()) for _ in range(2)]  # the table has no FEED: 404

    for n, result in enumerate(results, start=1):
        assert (result.ok, result.status, result.error) == (False, 404, "HTTP 404")
        assert INTERVAL * 2**n <= due_in(result, before) <= INTERVAL * 2**n * JITTER + 60
    state = svc.store.feed_state(FEED)
    assert state.failures == 2
    assert state.next_poll is not None
    due = results[-1].next_poll
    assert datetime.fromisoformat(state.next_poll) == due.replace(microsecond=due.microsecond // 1000 * 1000)
    assert sql(svc, "SELECT last_status, last_error FROM feeds") == [(404, "HTTP 404")]


async def test_a_410_is_reported_gone_and_still_checked(
    svc: Services, web: TableTransport, pages: dict[str, str]
) -> None:
    web[FEED] = Reply(410)
    gone = await poll(svc, feed())

    assert (gone.ok, gone.status) == (False, 410)
    assert gone.error is not None and gone.error.startswith("HTTP 410: the server says the feed is gone")
    assert svc.store.feed_state(FEED).gone_since is not None
    assert due_in(gone, datetime.now(UTC)) > 0  # a next poll is set: never given up

    web[FEED] = Reply.of(rss(pages["readability-ars-1"]), RSS)  # back after all
    back = await poll(svc, feed())
    assert (back.ok, back.stored) == (True, 1)
    state = svc.store.feed_state(FEED)
    assert (state.gone_since, state.failures) == (None, 0)


async def test_redirects_are_followed_for_the_feed_and_its_pages(
    svc: Services, web: TableTransport, pages: dict[str, str]
) -> None:
    final_page = pages["readability-bbc-1"]
    web[FEED] = Reply.redirect("/feeds/rss", status=301)
    web[f"{SITE}/feeds/rss"] = Reply.redirect("https://cdn.example/rss.xml", status=302)
    web["https://cdn.example/rss.xml"] = Reply.of(rss(f"{SITE}/go/1"), RSS)
    web[f"{SITE}/go/1"] = Reply.redirect(final_page, status=307)

    result = await poll(svc, feed())

    assert (result.ok, result.status, result.stored) == (True, 200, 1)
    assert [str(r.url) for r in web.requests] == [
        FEED, f"{SITE}/feeds/rss", "https://cdn.example/rss.xml", f"{SITE}/go/1", final_page
    ]
    # The record keeps the URL the page was fetched from; the feed's link is remembered as the entry's.
    assert sql(svc, "SELECT url, entry_url FROM articles") == [(final_page, f"{SITE}/go/1")]


async def test_a_feed_redirected_too_often_fails(svc: Services, web: TableTransport) -> None:
    web[FEED] = Reply.redirect("/feed2.xml")
    web[f"{SITE}/feed2.xml"] = Reply.redirect("/feed3.xml")
    web[f"{SITE}/feed3.xml"] = Reply.of(rss(), RSS)

    result = await poll(svc, feed(max_redirects=1))

    assert (result.ok, result.status) == (False, None)
    assert result.error is not None and "more than 1 redirects" in result.error
    assert len(web.requests) == 2


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_honoured(svc: Services, web: TableTransport, status: int) -> None:
    web[FEED] = Reply(status, {"Retry-After": "7200"})
    before = datetime.now(UTC)

    result = await poll(svc, feed())

    assert (result.ok, result.status) == (False, status)
    # Backoff alone would be twice the interval (1200 s); the server asked for two hours.
    assert 7200 <= due_in(result, before) <= 7200 * JITTER + 60


# ---------------------------------------------------------------- articles


async def test_a_page_that_is_not_html_fails_for_good_and_is_not_fetched_again(
    svc: Services, web: TableTransport, pages: dict[str, str]
) -> None:
    pdf = f"{SITE}/report.pdf"
    web[pdf] = Reply.of(b"%PDF-1.4 not a page", "application/pdf")
    web[FEED] = Reply.of(rss(pdf, pages["readability-ars-1"]), RSS)

    first = await poll(svc, feed())
    again = await poll(svc, feed())

    assert (first.stored, first.failed_entries) == (1, 1)
    assert (again.stored, again.failed_entries, again.duplicates) == (0, 0, 0)
    assert len(web.hits(pdf)) == 1
    [(reason, permanent, attempts)] = sql(svc, "SELECT reason, permanent, attempts FROM entry_failures")
    assert "not HTML" in reason
    assert (permanent, attempts) == (1, 1)


async def test_two_feeds_linking_one_article_fetch_it_once(
    svc: Services, web: TableTransport, pages: dict[str, str]
) -> None:
    shared = pages["readability-guardian-1"]
    web[f"{SITE}/a.xml"] = Reply.of(rss(shared), RSS)
    web["https://other.example/b.xml"] = Reply.of(rss(shared), RSS)

    a = await poll(svc, feed(f"{SITE}/a.xml"))
    b = await poll(svc, feed("https://other.example/b.xml"))

    assert a.stored == 1
    assert (b.ok, b.stored, b.duplicates, b.failed_entries) == (True, 0, 0, 0)  # known: not even tried
    assert len(web.hits(shared)) == 1
    assert sql(svc, "SELECT count(*) FROM articles") == [(1,)]


async def test_two_feeds_at_once_fetch_a_shared_article_once(
    svc: Services, web: TableTransport, pages: dict[str, str], fixtures: Path
) -> None:
    shared = pages["readability-guardian-1"]
    page = Reply.of(page_html(fixtures, "readability-guardian-1"))
    asked, release = asyncio.Event(), asyncio.Event()

    async def held(request: Request) -> Reply:  # the first feed's fetch stays under way
        asked.set()
        await release.wait()
        return page

    web[shared] = held
    web[f"{SITE}/a.xml"] = Reply.of(rss(shared), RSS)
    web["https://other.example/b.xml"] = Reply.of(rss(shared), RSS)

    polling_a = asyncio.create_task(poll(svc, feed(f"{SITE}/a.xml")))
    await asyncio.wait_for(asked.wait(), timeout=30)
    b = await poll(svc, feed("https://other.example/b.xml"))  # while a's fetch of the page is in flight
    release.set()
    a = await polling_a

    assert (b.ok, b.stored, b.duplicates) == (True, 0, 1)
    assert (a.ok, a.stored, a.duplicates) == (True, 1, 0)
    assert len(web.hits(shared)) == 1
    assert svc.in_flight == set()


async def test_a_page_failing_transiently_is_tried_again_up_to_the_limit(
    svc: Services, web: TableTransport
) -> None:
    flaky = f"{SITE}/flaky.html"
    web[flaky] = Reply(503)
    web[FEED] = Reply.of(rss(flaky), RSS)

    results = [await poll(svc, feed()) for _ in range(6)]

    [(permanent, attempts)] = sql(svc, "SELECT permanent, attempts FROM entry_failures")
    assert permanent == 0
    assert 1 < attempts < len(results)  # tried more than once, and not forever
    assert len(web.hits(flaky)) == attempts
    assert [r.failed_entries for r in results] == [1] * attempts + [0] * (len(results) - attempts)
    assert all(r.ok for r in results)  # the feed itself is fine


async def test_a_page_that_recovers_is_stored_and_its_failure_forgotten(
    svc: Services, web: TableTransport, fixtures: Path
) -> None:
    url = f"{SITE}/articles/recovering.html"
    answers = [FetchError(url, "connection reset"), Reply.of(page_html(fixtures, "readability-ars-1"))]

    def recovering(request: Request) -> Reply:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    web[url] = recovering
    web[FEED] = unchanged_feed(rss(url))

    first = await poll(svc, feed())
    assert (first.stored, first.failed_entries) == (0, 1)
    assert sql(svc, "SELECT reason, permanent FROM entry_failures") == [(f"{url}: connection reset", 0)]
    assert svc.store.feed_state(FEED).etag is None  # or the next poll, a 304, would never retry it

    second = await poll(svc, feed())
    assert (second.status, second.stored, second.failed_entries) == (200, 1, 0)
    assert sql(svc, "SELECT count(*) FROM entry_failures") == [(0,)]
    assert stored_urls(svc) == {url}
    assert svc.store.feed_state(FEED).etag == '"v1"'  # nothing left to retry: cheap polls again
    assert (await poll(svc, feed())).status == 304


class CrashingOnce(InlinePool):
    """The pool double whose first article job raises what no rule expects, as a worker on a full disk
    does when it cannot unpack the language model."""

    async def run(self, fn: Callable[..., T], *args: Any, timeout: float) -> T:
        if fn.__name__ == "build_article_job" and "build_article_job" not in self.calls:
            self.calls.append(fn.__name__)
            raise OSError(27, "File too large")
        return await super().run(fn, *args, timeout=timeout)


async def test_an_article_that_crashes_is_counted_and_tried_again_though_the_feed_is_unchanged(
    svc: Services, web: TableTransport, pages: dict[str, str]
) -> None:
    url = next(iter(pages.values()))
    web[FEED] = unchanged_feed(rss(url))
    svc = dataclasses.replace(svc, pool=CrashingOnce())

    first = await poll(svc, feed())
    assert (first.stored, first.failed_entries) == (0, 1)
    [(reason, permanent, attempts)] = sql(svc, "SELECT reason, permanent, attempts FROM entry_failures")
    assert "File too large" in reason and (permanent, attempts) == (0, 1)

    second = await poll(svc, feed())
    assert (second.status, second.stored, second.failed_entries) == (200, 1, 0)
    assert stored_urls(svc) == {url}


def unchanged_feed(body: bytes) -> Callable[[Request], Reply]:
    """A feed that never changes: a 304 to a request with its ETag, the feed itself to any other."""

    def answer(request: Request) -> Reply:
        if request.headers.get("If-None-Match") == '"v1"':
            return Reply(304, {"ETag": '"v1"'})
        return Reply.of(body, RSS, ETag='"v1"')

    return answer


# ---------------------------------------------------------------- story records


def stale_count(svc: Services) -> int:
    return sql(svc, "SELECT count(*) FROM stories WHERE stale")[0][0]


async def test_stale_stories_get_records(svc: Services, web: TableTransport, pages: dict[str, str]) -> None:
    web[FEED] = Reply.of(rss(*pages.values()), RSS)
    assert (await poll(svc, feed())).stored == 3
    assert stale_count(svc) == 3  # three unrelated pages: three new stories, none written yet

    assert await refresh_stories(svc) == 3

    assert stale_count(svc) == 0
    rows = sql(svc, "SELECT title, summary, summarized_by, articles FROM stories")
    assert len(rows) == 3
    for title, summary, by, articles in rows:
        assert title and summary
        assert (by, articles) == ("extractive", 1)
    titles = {title for title, *_ in rows}
    assert titles == {title for (title,) in sql(svc, "SELECT title FROM articles")}
    assert await refresh_stories(svc) == 0  # nothing stale: nothing rewritten


async def test_a_story_that_gains_an_article_is_rewritten(
    svc: Services, web: TableTransport, pages: dict[str, str], fixtures: Path
) -> None:
    original = pages["readability-bbc-1"]
    web[FEED] = Reply.of(rss(original), RSS)
    await poll(svc, feed())
    assert await refresh_stories(svc) == 1

    copy = "https://mirror.example/obama-guns.html"  # the same page on another site: a copy, same story
    web[copy] = Reply.of(page_html(fixtures, "readability-bbc-1"))
    web["https://mirror.example/rss"] = Reply.of(rss(copy), RSS)
    assert (await poll(svc, feed("https://mirror.example/rss"))).stored == 1
    assert stale_count(svc) == 1

    assert await refresh_stories(svc) == 1
    assert sql(svc, "SELECT articles, stale FROM stories") == [(2, 0)]


class SummaryTimesOut(InlinePool):
    async def run(self, fn: Callable[..., T], *args: Any, timeout: float) -> T:
        if fn.__name__ == "summarize_many":
            raise WorkerTimeout(f"{fn.__name__} ran past its {timeout:g}s deadline")
        return await super().run(fn, *args, timeout=timeout)


async def test_stories_stay_stale_when_summarising_fails(
    svc: Services, web: TableTransport, pages: dict[str, str]
) -> None:
    web[FEED] = Reply.of(rss(*pages.values()), RSS)
    await poll(svc, feed())

    assert await refresh_stories(dataclasses.replace(svc, pool=SummaryTimesOut())) == 0

    assert stale_count(svc) == 3  # tried again at the next refresh
    assert sql(svc, "SELECT count(*) FROM stories WHERE summary IS NOT NULL") == [(0,)]
    assert await refresh_stories(svc) == 3
