"""The read API and the stories' feeds on the daemon's listener: /api/stories, /api/articles (lists and one
record each), /api/feeds, /api/openapi.json, /feeds/stories.json and /feeds/stories.xml. Read-only JSON
(records as `ingest export` writes them), with an optional bearer token.

Every read runs on one thread of the API's own, on a store of its own (Store.reopen): the daemon's event
loop never waits on a query, a sqlite3 connection stays on the thread that made it, and on PostgreSQL
the API's reads never run inside the daemon's transactions. One thread serves the requests in turn: a
page is at most MAX_PAGE records, and a second reader would only compete with the daemon's writes."""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import hmac
import ipaddress
import json
import os
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from aiohttp import web
from multidict import MultiDict

from ingest.config import Config, ConfigError, FeedConfig
from ingest.ops.health import FeedHealth, feed_health
from ingest.outputs import feeds, openapi
from ingest.render import article_record, story_record
from ingest.store import AmbiguousId, ArticleFilter, Store, StoreError
from ingest.store.base import Place
from ingest.store.records import query_words, time_bound
from ingest.stories.record import current_story
from ingest.text.dates import iso

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# A query parameter's text: printable, and short enough that no query over it is costly.
MAX_TEXT = 500
# Every stored id is hex (a hash's start); anything else names no record.
_ID = re.compile(r"[0-9a-f]{1,64}")
_REALM = 'Bearer realm="ingest"'
_dumps = partial(json.dumps, ensure_ascii=False)


class BadParameter(Exception):
    """A query parameter (or a path's id) that cannot be used: its name, and what is wrong and valid."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(problem)
        self.name = name


class NotFound(Exception):
    """No record with the id asked for; str() says so."""


def api_token(config: Config, environ: Mapping[str, str] = os.environ) -> str | None:
    """The token /api/* and /feeds/* ask for, from the environment variable `api_token_env` names (None:
    no token). A ConfigError when that variable is not set, or when `listen` is not a loopback address
    and no token is configured: the stored articles would be served to whoever can reach it."""
    if config.listen is None:
        return None
    if config.api_token_env:
        token = environ.get(config.api_token_env)
        if not token:
            problem = (
                f"the environment variable {config.api_token_env} (the read API's bearer token) is not set"
            )
            raise ConfigError(str(config.path), None, "api_token_env", problem)
        return token
    host, port = config.listen
    if not _loopback(host):
        problem = (
            f"listen: {host}:{port} is not a loopback address, so the read API and feeds need a token: set "
            "api_token_env to the name of an environment variable that holds one, or listen on 127.0.0.1"
        )
        raise ConfigError(str(config.path), None, "api_token_env", problem)
    return None


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


class Reader:
    """The API's store, opened on its thread at the first read, and that thread."""

    def __init__(self, store: Store) -> None:
        self._of = store
        self._store: Store | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-api")

    async def read(self, work: Callable[[Store], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._read, work)

    def _read(self, work: Callable[[Store], T]) -> T:
        if self._store is None:
            self._store = self._of.reopen()
        return work(self._store)

    async def close(self, _: web.Application | None = None) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close)
        self._thread.shutdown()

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def read_api(
    store: Store, configured: Callable[[], Sequence[FeedConfig]], token: str | None
) -> dict[str, web.Application]:
    """The API's applications by the prefix they are served under: /api and /feeds, behind `token` if
    any. `configured` gives the feeds feeds.yaml lists now (it may be reloaded). The reads' store closes
    with the listener."""
    reader = Reader(store)
    middlewares = [_errors, *([_bearer(token)] if token else [])]
    api, served = web.Application(middlewares=middlewares), web.Application(middlewares=middlewares)
    api.on_cleanup.append(reader.close)
    spec = openapi.document(FeedHealth)

    async def stories(request: web.Request) -> web.Response:
        return await _listing(request, reader, _stories)

    async def articles(request: web.Request) -> web.Response:
        return await _listing(request, reader, _articles)

    async def story(request: web.Request) -> web.Response:
        key = _id(request)
        found = await reader.read(lambda store: _story_with_articles(store, key))
        return web.json_response(found, dumps=_dumps)

    async def article(request: web.Request) -> web.Response:
        key = _id(request)
        found = await reader.read(lambda store: store.article(key))
        if found is None:
            raise NotFound(f"no article with id {key!r}")
        return web.json_response(article_record(found), dumps=_dumps)

    async def feed_rows(request: web.Request) -> web.Response:
        def rows(store: Store) -> list[FeedHealth]:
            return feed_health(configured(), store.feed_states(), store.feed_counts())

        found = await reader.read(rows)
        return web.json_response({"items": [dataclasses.asdict(row) for row in found]}, dumps=_dumps)

    async def description(request: web.Request) -> web.Response:
        return web.json_response(spec, dumps=_dumps)

    async def json_feed(request: web.Request) -> web.Response:
        items = await reader.read(_latest)
        document = feeds.json_feed(items, _links(request, ".json"))
        return web.Response(text=_dumps(document), content_type=feeds.JSON_FEED_TYPE)

    async def atom_feed(request: web.Request) -> web.Response:
        items = await reader.read(_latest)
        document = feeds.atom_feed(items, _links(request, ".xml"), iso(datetime.now(UTC)) or "")
        return web.Response(body=document, content_type=feeds.ATOM_TYPE)

    api.router.add_get("/stories", stories)
    api.router.add_get("/stories/{id}", story)
    api.router.add_get("/articles", articles)
    api.router.add_get("/articles/{id}", article)
    api.router.add_get("/feeds", feed_rows)
    api.router.add_get("/openapi.json", description)
    served.router.add_get("/stories.json", json_feed)
    served.router.add_get("/stories.xml", atom_feed)
    return {"/api": api, "/feeds": served}


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """What went wrong as JSON: a bad parameter (400, naming it), an unknown id or path (404), a database
    that does not answer (503)."""
    try:
        return await handler(request)
    except BadParameter as exc:
        return _error(400, f"{exc.name}: {exc}", parameter=exc.name)
    except AmbiguousId as exc:  # an id's start that more than one record's id has
        return _error(400, f"id: {exc}", parameter="id")
    except NotFound as exc:
        return _error(404, str(exc))
    except web.HTTPNotFound:
        return _error(404, f"no such endpoint: {request.path} (the endpoints: /api/openapi.json)")
    except StoreError as exc:
        return _error(503, f"the database does not answer: {exc}")


def _bearer(token: str) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    expected = f"Bearer {token}".encode()

    @web.middleware
    async def bearer(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get("Authorization", "")
        # In constant time, so the answer's timing tells nothing of how much of a guess was right.
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected):
            said = "a wrong token" if given else "no token"
            challenge = _REALM + (', error="invalid_token"' if given else "")
            return _error(401, f"{said}: send the header Authorization: Bearer <token>", challenge=challenge)
        return await handler(request)

    return bearer


def _error(
    status: int, message: str, *, parameter: str | None = None, challenge: str | None = None
) -> web.Response:
    body = {"error": message} | ({"parameter": parameter} if parameter else {})
    headers = {"WWW-Authenticate": challenge} if challenge else None
    return web.json_response(body, status=status, headers=headers, dumps=_dumps)


# -- the reads -------------------------------------------------------------------------------------

# A read of a list's page: (store, filter, how many, after which place) -> records with their places.
Lister = Callable[[Store, ArticleFilter, int, Place | None], list[tuple[dict[str, Any], Place]]]


async def _listing(request: web.Request, reader: Reader, read: Lister) -> web.Response:
    """A page of records, with the URL of the next when there is more (the read asks for one more)."""
    where, limit, after = _query(request)
    found = await reader.read(lambda store: read(store, where, limit + 1, after))
    following = None
    if len(found) > limit:
        query = MultiDict(request.query)
        query["cursor"] = _cursor_of(found[limit - 1][1])
        following = str(request.url.with_query(query))
    return web.json_response(
        {"items": [record for record, _ in found[:limit]], "next": following}, dumps=_dumps
    )


def _stories(
    store: Store, where: ArticleFilter, limit: int, after: Place | None
) -> list[tuple[dict[str, Any], Place]]:
    found = store.newest_stories(where, limit, after)
    return [(story_record(current_story(store, story)), place) for story, place in found]


def _articles(
    store: Store, where: ArticleFilter, limit: int, after: Place | None
) -> list[tuple[dict[str, Any], Place]]:
    return [(article_record(article), place) for article, place in store.newest_articles(where, limit, after)]


def _story_with_articles(store: Store, key: str) -> dict[str, Any]:
    found = store.story(key)
    if found is None:
        raise NotFound(f"no story with id {key!r}")
    members = store.story_members(found.id)
    return {"story": story_record(current_story(store, found, members)),
            "articles": [article_record(article) for article in members]}  # fmt: skip


def _latest(store: Store) -> list[feeds.Item]:
    """The stories a feed holds, each with its articles."""
    items = []
    for story, _ in store.newest_stories(ArticleFilter(), feeds.FEED_ITEMS):
        members = store.story_members(story.id)
        items.append((current_story(store, story, members), members))
    return items


def _links(request: web.Request, ending: str) -> feeds.Links:
    origin = request.url.origin()
    feed, home = origin.with_path(f"/feeds/stories{ending}"), origin.with_path("/api/stories")
    return feeds.Links(feed=str(feed), home=str(home), story=f"{home}/{{id}}")


# -- parameters --------------------------------------------------------------------------------------


def _query(request: web.Request) -> tuple[ArticleFilter, int, Place | None]:
    """A list's query parameters: the filter, how many records, and after which place."""
    given = request.query
    for name in given:
        if name not in openapi.LIST_PARAMETERS:
            raise BadParameter(
                name, f"not a parameter of this list; give {', '.join(openapi.LIST_PARAMETERS)}"
            )
        if name not in openapi.REPEATABLE and len(given.getall(name)) > 1:
            raise BadParameter(name, "give it once")
    now = datetime.now(UTC)
    since, until = (_when(name, given.get(name), now) for name in ("since", "until"))
    if since and until and since >= until:
        raise BadParameter(
            "since", f"{given['since']} is not before until={given['until']}: nothing could match"
        )
    words = _text("q", given["q"]) if "q" in given else None
    if words is not None and not query_words(words):
        raise BadParameter("q", "give at least one word (letters or digits)")
    sources = tuple(_text("source", value) for value in given.getall("source", []))
    where = ArticleFilter(since=since, until=until, sources=sources, words=words)
    return where, _limit(given.get("limit")), _cursor(given.get("cursor"))


def _when(name: str, value: str | None, now: datetime) -> str | None:
    if value is None:
        return None
    try:
        return time_bound(_text(name, value), now, lambda given: f"{name}={given}")
    except ValueError as exc:
        raise BadParameter(name, str(exc)) from None


def _text(name: str, value: str) -> str:
    if not 0 < len(value) <= MAX_TEXT or any(
        ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000 for c in value
    ):
        raise BadParameter(name, f"give text of 1 to {MAX_TEXT} characters, with no control characters")
    return value


def _limit(value: str | None) -> int:
    if value is None:
        return openapi.PAGE_SIZE
    if not re.fullmatch(r"[0-9]{1,4}", value) or not 1 <= int(value) <= openapi.MAX_PAGE:
        raise BadParameter(
            "limit", f"give a whole number from 1 to {openapi.MAX_PAGE} (default {openapi.PAGE_SIZE})"
        )
    return int(value)


def _cursor(value: str | None) -> Place | None:
    """The place a cursor names: opaque to clients, the base64 of a JSON [time, id]."""
    if value is None:
        return None
    try:
        place = json.loads(base64.urlsafe_b64decode(value.encode("ascii") + b"=" * (-len(value) % 4)))
        time, key = place
        return _text("cursor", time), _text("cursor", key)
    except (ValueError, TypeError, UnicodeError, binascii.Error, BadParameter):
        raise BadParameter(
            "cursor", "not one this API gave: follow the `next` link of the page before"
        ) from None


def _cursor_of(place: Place) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(place)).encode()).decode("ascii").rstrip("=")


def _id(request: web.Request) -> str:
    key = request.match_info["id"]
    if not _ID.fullmatch(key):
        raise NotFound(f"no record with id {key!r} (ids are hex, as the lists give them)")
    return key
