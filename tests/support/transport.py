"""A fetch transport that answers from a table, in the style of httpx's MockTransport: no sockets.

    web = TableTransport({
        "https://news.example/feed.xml": Reply.of(rss, "application/rss+xml", ETag='"v1"'),
        "https://news.example/old": Reply.redirect("/feed.xml", status=301),
        "https://news.example/a.html": Reply.of(page_bytes),
        "https://news.example/down": FetchError("https://news.example/down", "connection reset"),
        "https://news.example/dynamic": lambda request: Reply(304) if ... else Reply.of(...),
    })
    async with Fetcher(user_agent="tests", transport=web) as fetcher: ...
    web.hits("https://news.example/feed.xml")[-1].headers["If-None-Match"]

Only the exchange is faked: the Fetcher above still follows and counts redirects, keeps its gates and
deadline, caps the body and turns statuses into exceptions. A URL not in the table answers 404.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ingest.fetch import Request, Response, Transport

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """What the server answers: a status, headers and a body."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def of(cls, body: bytes | str, content_type: str = HTML, status: int = 200, **headers: str) -> Reply:
        """A response with a body; extra headers by keyword, with `_` for `-` (Cache_Control=...)."""
        raw = body.encode() if isinstance(body, str) else body
        named = {key.replace("_", "-"): value for key, value in headers.items()}
        return cls(status, {"Content-Type": content_type, **named}, raw)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Reply:
        return cls(status, {"Location": location})


# An answer: a Reply, an exception to raise, or a function of the request (plain or async) giving either.
Answer = Reply | BaseException | Callable[[Request], "Reply | Awaitable[Reply]"]


class TableTransport(Transport):
    """Answers each request from `answers` ({url: answer}), recording every request it was sent."""

    def __init__(self, answers: Mapping[str, Answer] | None = None) -> None:
        self._answers: dict[str, Answer] = {}
        self.requests: list[Request] = []  # in the order they were sent, every redirect hop included
        for url, answer in (answers or {}).items():
            self[url] = answer

    def __setitem__(self, url: str, answer: Answer) -> None:
        self._answers[_key(url)] = answer

    def hits(self, url: str | None = None) -> list[Request]:
        """The requests sent for `url` (every request if None), oldest first."""
        return [r for r in self.requests if url is None or str(r.url) == _key(url)]

    async def send(self, request: Request) -> Response:
        self.requests.append(request)
        await asyncio.sleep(0)  # a real exchange always yields to the loop; so other tasks run here too
        answer = self._answers.get(str(request.url), Reply(404))
        if callable(answer):
            answer = answer(request)
            if inspect.isawaitable(answer):
                answer = await answer
        if isinstance(answer, BaseException):
            raise answer
        headers = CIMultiDictProxy(CIMultiDict(answer.headers))
        return Response(str(request.url), answer.status, headers, answer.body)


def _key(url: str) -> str:
    """The URL as the Fetcher sends it (yarl's form), so that table keys and requests compare."""
    return str(URL(url))
