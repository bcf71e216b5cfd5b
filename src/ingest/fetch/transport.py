"""One HTTP exchange, and nothing else: the I/O under the Fetcher, which keeps every policy.

A transport sends one GET (one hop: it never follows a redirect) and returns the status, headers, URL
and body, or raises the FetchError family. The Fetcher above it holds the gates, the deadline, redirect
following and counting, and status -> exception, so those are the same whatever answers the request:
`AiohttpTransport` on real sockets behind the address guard, or a test double answering from a table.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from ingest import defaults
from ingest.fetch.errors import AddressRefused, FetchError, TooLarge
from ingest.fetch.guard import BlockedAddress, public_socket

REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Request:
    """One hop of a GET (or a webhook's POST), as the Fetcher decided it."""

    url: URL
    headers: Mapping[str, str]  # User-Agent, Accept, and If-None-Match / If-Modified-Since if known
    allow_private: bool  # may connect to non-public addresses: a trusted host, or the feed says so
    connect_timeout: float
    max_bytes: int  # the body's cap after decompression: refuse it (TooLarge) while reading, not after
    truncate: bool = False  # past max_bytes, keep the start of the body instead of refusing it
    method: str = "GET"
    body: bytes | None = None  # what a POST sends (a webhook's delivery)


@dataclass(frozen=True, slots=True)
class Response:
    """A response, its body read in full. Fetcher.get returns only final 2xx and 304 ones."""

    url: str  # after redirects
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")


def carries_body(status: int) -> bool:
    """Whether a response's body is wanted: not a redirect's, a 304's or an error's."""
    return status not in REDIRECTS and status != 304 and status < 400


class Transport:
    """Sends one request and returns its response; open() before the first, close() after the last.

    `send` raises the FetchError family for what went wrong on the way, or TimeoutError for a
    connection that took too long (the Fetcher reports it as FetchTimeout, as it does its deadline).
    """

    async def open(self) -> None:
        """Get ready to send: sessions, connection pools. Nothing by default."""

    async def close(self) -> None:
        """Release what open() took. Nothing by default."""

    async def send(self, request: Request) -> Response:
        raise NotImplementedError


class AiohttpTransport(Transport):
    """Real HTTP through two aiohttp connection pools that never share a connection: one whose sockets
    may only reach public addresses (the guard runs in its socket factory, so it sees every address
    actually connected to), and an unrestricted one for requests that `allow_private`; so a kept-alive
    connection never carries a request past the guard."""

    def __init__(self, *, max_connections: int = defaults.MAX_CONNECTIONS) -> None:
        self._max_connections = max_connections
        self._public: aiohttp.ClientSession | None = None
        self._any: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self._public = self._session(public_socket)
        self._any = self._session(None)

    async def close(self) -> None:
        for session in (self._public, self._any):
            if session is not None:
                await session.close()
        self._public = self._any = None

    def _session(self, socket_factory: Callable[..., socket.socket] | None) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections, socket_factory=socket_factory, ttl_dns_cache=300
        )
        # Proxies from the environment would hide the real destination from the address guard.
        return aiohttp.ClientSession(connector=connector, trust_env=False)

    async def send(self, request: Request) -> Response:
        url = request.url
        try:
            return await self._exchange(request)
        except TimeoutError:
            raise  # aiohttp's connect timeouts are ClientErrors too: leave them to the fetcher's clock
        except aiohttp.ClientConnectorDNSError:
            raise FetchError(str(url), f"cannot resolve host {url.host!r}") from None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, BlockedAddress):
                blocked = exc.os_error
                refusal = f"address not allowed: {blocked.address} ({blocked.reason})"
                reason = f"{refusal}; set allow_private: true on this feed to fetch it"
                raise AddressRefused(str(url), reason, refusal) from None
            raise FetchError(str(url), f"cannot connect: {exc.os_error}") from None
        except (aiohttp.InvalidURL, ValueError) as exc:
            raise FetchError(str(url), f"invalid URL: {exc}") from None
        except aiohttp.ClientResponseError as exc:
            # aiohttp's "400" for a response it cannot parse, e.g. a Content-Encoding it cannot decode.
            raise FetchError(str(url), f"unreadable response: {exc.message}") from None
        except aiohttp.ClientError as exc:
            raise FetchError(str(url), f"{type(exc).__name__}: {exc}") from None

    async def _exchange(self, request: Request) -> Response:
        session = self._any if request.allow_private else self._public
        assert session is not None, "use Fetcher as an async context manager"
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=request.connect_timeout)
        async with session.request(
            request.method, request.url, headers=dict(request.headers), data=request.body,
            allow_redirects=False, timeout=timeout,
        ) as resp:  # fmt: skip
            wanted = carries_body(resp.status)
            body = await _read_capped(resp, request.max_bytes, request.truncate) if wanted else b""
            return Response(str(resp.url), resp.status, resp.headers, body)


async def _read_capped(resp: aiohttp.ClientResponse, max_bytes: int, truncate: bool = False) -> bytes:
    """Read the decompressed body, refusing it as soon as it passes `max_bytes` (or, to `truncate`, keeping
    its first `max_bytes` and reading no further)."""
    if not truncate and resp.content_length is not None and resp.content_length > max_bytes:
        raise TooLarge(str(resp.url), f"Content-Length {resp.content_length} exceeds {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            if truncate:
                chunks.append(chunk[: len(chunk) - (size - max_bytes)])
                break
            raise TooLarge(str(resp.url), f"body exceeds {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
