"""A real aiohttp server on a loopback address, run in its own thread, that records every request.

Tests use it to play one or several web sites (127.0.0.1, 127.0.0.2, ...) serving the shared fixture
files, so both synchronous tests (driving `ingest` in a subprocess) and async ones can use it.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Seen:
    """One request the site received."""

    method: str
    path: str  # path and query string
    headers: dict[str, str]
    at: float = 0.0  # time.monotonic() when it arrived


@dataclass
class Resource:
    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] | None = None
    conditional: bool = True  # answer If-None-Match / If-Modified-Since with 304


LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)


class LocalSite:
    """Serve registered resources and handlers at http://<host>:<port>/."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.requests: list[Seen] = []
        self._resources: dict[str, Resource | Handler] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    # -- registering content -------------------------------------------------

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def add(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        conditional: bool = True,
    ) -> str:
        """Serve `body` at `path`; return its full URL."""
        data = body.encode() if isinstance(body, str) else body
        self._resources[path] = Resource(data, content_type, status, headers, conditional)
        return self.url(path)

    def handle(self, path: str, handler: Handler) -> str:
        """Answer requests for `path` with a handler of the test's own."""
        self._resources[path] = handler
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.add(path, b"", status=status, headers={"Location": location}, conditional=False)

    def hits(self, path: str | None = None) -> list[Seen]:
        """Requests received, for one path (query string ignored) or all."""
        return [r for r in self.requests if path is None or r.path.split("?")[0] == path]

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> LocalSite:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # surfaced to the starting thread below
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name=f"site-{self.host}", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop and self._thread:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(Seen(request.method, request.path_qs, dict(request.headers), time.monotonic()))
        target = self._resources.get(request.path)
        if target is None:
            return web.Response(status=404, text="not found")
        if not isinstance(target, Resource):
            return await target(request)
        return _respond(request, target)

    def __enter__(self) -> LocalSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _respond(request: web.Request, res: Resource) -> web.Response:
    headers = dict(res.headers or {})
    if res.conditional and res.status == 200:
        etag = '"' + hashlib.sha256(res.body).hexdigest()[:16] + '"'
        headers.setdefault("ETag", etag)
        headers.setdefault("Last-Modified", LAST_MODIFIED)
        if request.headers.get("If-None-Match") == etag or (
            "If-None-Match" not in request.headers
            and request.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            return web.Response(status=304, headers=headers)
    headers["Content-Type"] = res.content_type
    return web.Response(status=res.status, body=res.body, headers=headers)


# -- the shared fixtures ------------------------------------------------------


def fixture_feed(fixtures: Path, name: str) -> tuple[bytes, str]:
    """A fixture feed's bytes and the Content-Type its test case says a server sends."""
    body = (fixtures / "feeds" / name).read_bytes()
    return body, feed_content_type(fixtures, name)


def feed_content_type(fixtures: Path, name: str) -> str:
    for row in feed_index(fixtures):
        if row["file"] == name:
            for header in row.get("http_headers") or []:
                key, _, value = header.partition(":")
                if key.strip().lower() == "content-type":
                    return value.strip()
            break
    return "application/json" if name.endswith(".json") else "application/xml"


_feed_rows: dict[Path, list[dict]] = {}


def feed_index(fixtures: Path) -> list[dict]:
    if fixtures not in _feed_rows:
        lines = (fixtures / "feeds" / "feeds.jsonl").read_text(encoding="utf-8").split("\n")
        _feed_rows[fixtures] = [json.loads(line) for line in lines if line.strip()]
    return _feed_rows[fixtures]


_page_rows: dict[Path, dict[str, dict]] = {}


def page_index(fixtures: Path) -> dict[str, dict]:
    """pages.jsonl keyed by page id (`readability-bbc-1`, ...)."""
    if fixtures not in _page_rows:
        lines = (fixtures / "pages" / "pages.jsonl").read_text(encoding="utf-8").split("\n")
        rows = (json.loads(line) for line in lines if line.strip())
        _page_rows[fixtures] = {row["id"]: row for row in rows}
    return _page_rows[fixtures]


def page_html(fixtures: Path, page_id: str) -> bytes:
    return gzip.decompress((fixtures / "pages" / page_index(fixtures)[page_id]["file"]).read_bytes())
