"""The read API and the stories' feeds: the store's newest-first pages on both backends, then the real
daemon serving /api/*, /feeds/* and /api/openapi.json on its listener, over a loopback site of fixture
reports: lists, filters, cursor walks, one story with its articles, the errors, JSON Feed and Atom,
schemathesis driving every operation from the OpenAPI description, the bearer token, and the refusal
to serve a non-loopback address without one."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import feedparser
import pytest
import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_daemon import Daemon, wait_for
from test_export import HARBOUR, ROWS, STORY_A, STORY_B, WIRE, _article
from test_once import NO_GAP

from conftest import run_ingest
from ingest.config import Config, ConfigError, load_config
from ingest.ops.api import api_token, read_api
from ingest.store import ArticleFilter, Store
from support.localsite import LocalSite
from support.storysite import serve_reports

TOKEN = "a token of forty characters or so, 0123456789"
EXAMPLES = 25  # per operation: a dozen operations, a few seconds in all


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
    wire = ["The undated report", "The old report"]
    assert titles(words="report harbour", sources=("wire.example",)) == wire
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


async def test_the_api_reads_either_backend_on_a_thread_of_its_own(store: Store) -> None:
    _filled(store)
    server = TestServer(_app(read_api(store, lambda: (), None)))
    async with TestClient(server) as client:
        stories = await (await client.get("/api/stories?q=undated")).json()
        assert [story["id"] for story in stories["items"]] == [STORY_B] and stories["next"] is None
        page = await (await client.get("/api/articles?source=Wire&limit=1")).json()
        assert len(page["items"]) == 1 and "cursor=" in page["next"] and "source=Wire" in page["next"]
        rest = await (await client.get(page["next"].removeprefix(str(server.make_url(""))))).json()
        assert [a["title"] for a in page["items"] + rest["items"]] == ["The undated report", "The old report"]
        ambiguous = await client.get("/api/stories/5")  # both stories' ids start with 5
        assert ambiguous.status == 400
        assert (await ambiguous.json()) == {"error": "id: '5' starts more than one story id; give more of it",
                                            "parameter": "id"}  # fmt: skip
        one = await (await client.get("/api/stories/5a")).json()
        assert one["story"]["id"] == STORY_A and len(one["articles"]) == 2


def _app(mounted: dict[str, web.Application]) -> web.Application:
    app = web.Application()
    for prefix, sub in mounted.items():
        app.add_subapp(prefix, sub)
    return app


@pytest.mark.parametrize(
    ("listen", "env", "token"),
    [
        (None, {}, None),
        (("127.0.0.1", 9108), {}, None),
        (("::1", 9108), {}, None),
        (("localhost", 9108), {}, None),
        (("0.0.0.0", 9108), {"API_TOKEN": TOKEN}, TOKEN),
        (("127.0.0.1", 9108), {"API_TOKEN": TOKEN}, TOKEN),
    ],
)
def test_a_token_is_read_from_the_environment_and_only_loopback_goes_without(
    listen: tuple[str, int] | None, env: dict[str, str], token: str | None, tmp_path: Path
) -> None:
    config = Config(path=tmp_path / "feeds.yaml", database=tmp_path / "ingest.db", feeds=(), listen=listen,
                    api_token_env="API_TOKEN" if env else None)  # fmt: skip
    assert api_token(config, env) == token


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "::", "ingest.example.org"])
def test_a_public_address_without_a_token_is_refused(host: str, tmp_path: Path) -> None:
    config = Config(path=tmp_path / "feeds.yaml", database=tmp_path / "db", feeds=(), listen=(host, 80))
    with pytest.raises(ConfigError, match=f"api_token_env: listen: {re.escape(host)}:80 is not a loopback"):
        api_token(config, {})


def test_api_token_env_must_name_an_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("api_token_env: API_TOKEN\nfeeds: []\n")
    assert load_config(path).api_token_env == "API_TOKEN"
    path.write_text("api_token_env: 'not a name'\nfeeds: []\n")
    with pytest.raises(ConfigError, match="api_token_env: not an environment variable name"):
        load_config(path)


# -- the daemon's listener -------------------------------------------------------------------------------

# Reports of five events, two of them of one event (a story of two articles): six articles, five stories.
REPORTS = (
    "basil:01c59743-7082-44fc-8414-3c04126f470f_1", "basil:08bb9bee-c167-4c17-9c6d-4a1259231eb7_1",
    "basil:1b96a5db-8974-46d3-82d7-5dfef02f650e_2", "basil:1b96a5db-8974-46d3-82d7-5dfef02f650e_3",
    "basil:2058ec60-5372-4f5f-83a3-da780be3a350_1", "basil:450755dd-30d3-478b-933e-917be5c384ba_2",
)  # fmt: skip


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Listener:
    """A running daemon's listener, and the stored articles behind it."""

    base: str
    tmp: Path
    articles: list[dict]

    def get(self, path: str, **headers: str) -> Answer:
        request = urllib.request.Request(path if "://" in path else self.base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _daemon(config: Path, port: int) -> Daemon:
    daemon = Daemon(config, None, "--listen", f"127.0.0.1:{port}")
    try:
        wait_for(lambda: _answers(port), 20, "the listener")
    except AssertionError:
        daemon.kill()
        raise AssertionError(daemon.log_path.read_text()) from None
    return daemon


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def stored(fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A loopback site of fixture reports, and a database `ingest --once` filled from it: (feeds.yaml,
    its feed's URL). The feed is polled again only in an hour, so what is stored stays as it is."""
    path = fixtures / "stories" / "text" / "articles.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    reports = [next(row for row in rows if row["id"] == rid) for rid in REPORTS]
    tmp = tmp_path_factory.mktemp("api")
    with LocalSite("127.0.0.1") as site:
        feed = serve_reports(site, reports)
        config = tmp / "feeds.yaml"
        config.write_text(f"{NO_GAP}feeds:\n  - url: {feed}\n    name: Ledger\n    interval: 1h\n")
        done = run_ingest("--once", "--config", str(config), cwd=tmp)
        assert done.returncode == 0, done.stdout + done.stderr
        yield config, feed


@pytest.fixture(scope="module")
def listener(stored: tuple[Path, str]) -> Iterator[Listener]:
    """The daemon on that database, serving its listener on a free loopback port (no token)."""
    config, _ = stored
    port = free_port()
    daemon = _daemon(config, port)
    conn = sqlite3.connect(config.parent / "ingest.db")
    conn.row_factory = sqlite3.Row
    articles = [dict(row) for row in conn.execute("SELECT id, title, story_id FROM articles")]
    conn.close()
    yield Listener(f"http://127.0.0.1:{port}", config.parent, articles)
    assert daemon.stop() == 0


def _walk_pages(listener: Listener, path: str) -> list[dict]:
    """Every item of a list, following `next` links; no page larger than asked for."""
    items, url = [], path
    while url:
        answer = listener.get(url)
        assert answer.status == 200, answer.body
        page = answer.json()
        assert len(page["items"]) <= 2 or "limit=2" not in path
        items += page["items"]
        url = page["next"]
    return items


def test_lists_come_newest_first_and_a_cursor_walks_every_record_once(listener: Listener) -> None:
    stories = listener.get("/api/stories").json()
    assert stories["next"] is None and len(stories["items"]) == 5
    updated = [story["updated_at"] for story in stories["items"]]
    assert updated == sorted(updated, reverse=True)
    assert {story["id"] for story in stories["items"]} == {a["story_id"] for a in listener.articles}
    articles = listener.get("/api/articles").json()["items"]
    assert {article["id"] for article in articles} == {article["id"] for article in listener.articles}
    dates = [article["published"] for article in articles]
    assert dates == sorted(dates, reverse=True)
    assert list(articles[0]) == list(listener.get(f"/api/articles/{articles[0]['id']}").json())  # export's
    for path, every in (("/api/stories", stories["items"]), ("/api/articles", articles)):
        for limit in (1, 2, 4):
            walked = _walk_pages(listener, f"{path}?limit={limit}")
            assert [item["id"] for item in walked] == [item["id"] for item in every]


def test_filters_narrow_the_lists(listener: Listener) -> None:
    def ids(path: str) -> list[str]:
        answer = listener.get(path)
        assert answer.status == 200, answer.body
        return [item["id"] for item in answer.json()["items"]]

    veto = [a for a in listener.articles if "Veto" in (a["title"] or "") or "veto" in (a["title"] or "")]
    assert len(veto) == 2 and veto[0]["story_id"] == veto[1]["story_id"]
    assert sorted(ids("/api/articles?q=veto%20override")) == sorted(a["id"] for a in veto)
    assert ids("/api/stories?q=Obama%20veto") == [veto[0]["story_id"]]
    assert ids("/api/articles?q=zyzzyva") == []
    # Published 2011-03-29, 2012-08-01 and 2012-08-21, 2016-09-28 and 29, 2018-12-23.
    assert len(ids("/api/articles?since=2016-01-01")) == 3
    assert len(ids("/api/articles?since=2012-01-01&until=2016-01-01")) == 2
    assert len(ids("/api/articles?until=2011-12-31T23:59:59Z")) == 1
    assert ids("/api/articles?since=7d") == []  # all are years old
    assert len(ids("/api/stories?since=7d")) == 5  # but the stories were all updated just now
    assert len(ids("/api/articles?source=127.0.0.1")) == 6 and ids("/api/articles?source=elsewhere.org") == []
    assert len(ids("/api/articles?source=elsewhere.org&source=127.0.0.1")) == 6


def test_one_story_with_its_articles_and_one_article(listener: Listener) -> None:
    story_id = next(a["story_id"] for a in listener.articles if "veto" in (a["title"] or "").lower())
    answer = listener.get(f"/api/stories/{story_id}")
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("application/json")
    found = answer.json()
    assert found["story"]["id"] == story_id and found["story"]["title"] and found["story"]["summary"]
    assert [a["id"] for a in found["articles"]] == found["story"]["articles"] and len(found["articles"]) == 2
    assert found["articles"][0]["text"] and found["articles"][0]["story_id"] == story_id
    assert listener.get(f"/api/stories/{story_id[:10]}").json()["story"]["id"] == story_id  # a start will do
    article = listener.articles[0]
    assert listener.get(f"/api/articles/{article['id']}").json()["title"] == article["title"]


@pytest.mark.parametrize(
    ("path", "status", "said"),
    [
        ("/api/stories/0123456789abcdef", 404, "no story with id '0123456789abcdef'"),
        ("/api/articles/0123456789abcdef", 404, "no article with id"),
        ("/api/articles/not-an-id", 404, "ids are hex"),
        ("/api/nothing", 404, "no such endpoint"),
        ("/api/stories?limit=0", 400, "limit: give a whole number from 1 to 200"),
        ("/api/stories?limit=201", 400, "limit: give a whole number from 1 to 200"),
        ("/api/articles?limit=ten", 400, "limit: give a whole number"),
        ("/api/articles?since=yesterday-ish", 400, "since: since='yesterday-ish': give an ISO 8601 date"),
        ("/api/articles?until=2025-13-01", 400, "e.g. until=2h or until=7d"),
        ("/api/articles?since=2d&until=3d", 400, "since: 2d is not before until=3d"),
        ("/api/articles?q=%21%3F", 400, "q: give at least one word"),
        ("/api/articles?q=a%00b", 400, "q: give text of 1 to 500 characters, with no control characters"),
        ("/api/articles?source=", 400, "source: give text of 1 to 500"),
        ("/api/articles?cursor=bm90IGEgY3Vyc29y", 400, "cursor: not one this API gave"),
        ("/api/articles?cursor=%E2%98%83", 400, "cursor: not one this API gave"),
        ("/api/articles?limit=1&limit=2", 400, "limit: give it once"),
        ("/api/articles?sort=oldest", 400, "sort: not a parameter of this list; give since, until, source"),
    ],
)  # fmt: skip
def test_bad_requests_are_json_errors_that_name_what_is_wrong(
    listener: Listener, path: str, status: int, said: str
) -> None:
    answer = listener.get(path)
    assert answer.status == status and answer.headers["Content-Type"].startswith("application/json")
    assert said in answer.json()["error"], answer.json()
    if status == 400:  # the parameter named, first in the message and on its own
        assert answer.json()["error"].startswith(answer.json()["parameter"] + ": ")
        assert answer.json()["parameter"] + "=" in path


def test_api_feeds_gives_the_health_rows_of_ingest_feeds(
    listener: Listener, stored: tuple[Path, str]
) -> None:
    rows = listener.get("/api/feeds").json()["items"]
    printed = run_ingest("feeds", "--json", "--config", str(stored[0]), cwd=listener.tmp)
    assert printed.returncode == 0, printed.stderr
    assert rows == [json.loads(line) for line in printed.stdout.splitlines()]
    assert rows[0]["name"] == "Ledger" and rows[0]["articles"] == 6 and rows[0]["state"] == "ok"


def test_the_stories_as_a_json_feed(listener: Listener) -> None:
    answer = listener.get("/feeds/stories.json")
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("application/feed+json")
    feed = answer.json()
    # JSON Feed 1.1's required fields: version and title of the feed, id of an item and its content.
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and isinstance(feed["title"], str)
    assert feed["feed_url"] == f"{listener.base}/feeds/stories.json"
    assert feed["home_page_url"] == f"{listener.base}/api/stories"
    stories = listener.get("/api/stories").json()["items"]
    assert len(feed["items"]) == len(stories) == 5
    for item, story in zip(feed["items"], stories, strict=True):
        assert isinstance(item["id"], str) and item["id"].endswith(story["id"])
        assert item["content_html"] or item["content_text"]
        assert item["title"] == story["title"] and item["url"] == f"{listener.base}/api/stories/{story['id']}"
        assert item["date_modified"] == story["updated_at"] and item["date_published"] == story["first_seen"]
        assert story["summary"][:40] in item["content_text"]
        for point in story["key_points"]:
            assert point in item["content_text"]
        for article_id in story["articles"]:
            url = listener.get(f"/api/articles/{article_id}").json()["url"]
            assert f'href="{url}"' in item["content_html"] and url in item["content_text"]


def test_the_stories_as_an_atom_feed_that_feedparser_reads(listener: Listener) -> None:
    answer = listener.get("/feeds/stories.xml")
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(answer.body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    stories = listener.get("/api/stories").json()["items"]
    assert [entry.title for entry in parsed.entries] == [story["title"] for story in stories]
    entry, story = parsed.entries[0], stories[0]
    assert entry.id == f"urn:ingest:story:{story['id']}" and entry.updated == story["updated_at"]
    assert story["key_points"][0] in entry.content[0].value
    assert len([link for link in entry.links if link.rel == "related"]) == len(story["articles"])


def test_schemathesis_drives_every_operation_from_the_openapi_description(listener: Listener) -> None:
    schema = schemathesis.openapi.from_url(f"{listener.base}/api/openapi.json")
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_headers_conformance, response_schema_conformance]  # fmt: skip
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/stories", "/api/stories/{id}", "/api/articles",
                                                "/api/articles/{id}", "/api/feeds", "/feeds/stories.json"}

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck),
                  phases=[Phase.explicit, Phase.generate])  # fmt: skip
        def drive(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=listener.base, checks=checks)

        drive()


def test_a_token_guards_the_api_and_feeds_but_not_health(
    stored: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, copy = sqlite3.connect(stored[0].parent / "ingest.db"), sqlite3.connect(tmp_path / "ingest.db")
    source.backup(copy)  # a daemon of its own, on a copy: the module's keeps the original
    source.close()
    copy.close()
    config = tmp_path / "feeds.yaml"
    config.write_text(stored[0].read_text() + "api_token_env: API_TOKEN\n")
    monkeypatch.setenv("API_TOKEN", TOKEN)
    port = free_port()
    daemon = _daemon(config, port)
    try:
        guarded = Listener(f"http://127.0.0.1:{port}", tmp_path, [])
        for path in ("/api/stories", "/api/openapi.json", "/feeds/stories.xml"):
            refused = guarded.get(path)
            assert refused.status == 401 and refused.headers["WWW-Authenticate"] == 'Bearer realm="ingest"'
            assert "no token" in refused.json()["error"]
            wrong = guarded.get(path, Authorization=f"Bearer {TOKEN[:-1]}")
            assert wrong.status == 401 and 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]
            assert guarded.get(path, Authorization=f"Bearer {TOKEN}").status == 200
        assert len(guarded.get("/api/stories", Authorization=f"Bearer {TOKEN}").json()["items"]) == 5
        assert guarded.get("/healthz").status == 200 and guarded.get("/metrics").status == 200
    finally:
        assert daemon.stop() == 0


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ("listen: 0.0.0.0:{port}\n", "api_token_env: listen: 0.0.0.0:{port} is not a loopback address"),
        ("listen: 127.0.0.1:{port}\napi_token_env: NO_SUCH_TOKEN\n", "environment variable NO_SUCH_TOKEN"),
    ],
)
def test_the_daemon_refuses_to_serve_without_a_token_it_needs(
    stored: tuple[Path, str], tmp_path: Path, settings: str, said: str
) -> None:
    port = free_port()
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}{settings.format(port=port)}feeds:\n  - {stored[1]}\n")
    done = run_ingest("--config", str(config), cwd=tmp_path, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert said.format(port=port) in done.stderr and "api_token_env" in done.stderr
    assert not _answers(port)
