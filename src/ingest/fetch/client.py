"""HTTP GET with every limit a hostile server needs: one aiohttp session per run."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from ingest import defaults
from ingest.fetch.guard import BlockedAddress, public_socket

REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024


class FetchError(Exception):
    """A URL could not be fetched; str() names the URL and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class HTTPStatusError(FetchError):
    """The server answered with a status that carries no usable body."""

    def __init__(self, url: str, status: int, retry_after: str | None = None) -> None:
        super().__init__(url, f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class FetchTimeout(FetchError):
    """No complete response within the time allowed."""


class TooLarge(FetchError):
    """The body, after decompression, is larger than allowed."""


class TooManyRedirects(FetchError):
    """The redirect chain is longer than allowed, or loops."""


class AddressRefused(FetchError):
    """The host resolves to an address this request may not connect to."""


class ShuttingDown(FetchError):
    """The fetcher was closed to new requests: the process is stopping."""


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """The limits of one request, redirects included."""

    timeout: float = defaults.TIMEOUT  # for the whole request, every hop and the body included
    connect_timeout: float = defaults.CONNECT_TIMEOUT
    max_bytes: int = defaults.MAX_BYTES  # after decompression
    max_redirects: int = defaults.MAX_REDIRECTS
    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class Response:
    """A final (non-redirect) 2xx or 304 response, its body read in full."""

    url: str  # after redirects
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")


class Fetcher:
    """GETs URLs politely and defensively; use as `async with Fetcher(...) as fetcher`.

    Two connection pools that never share a connection: one whose sockets may only reach public
    addresses, for everything else, and an unrestricted one for trusted hosts and feeds that say
    `allow_private`; so a kept-alive connection never carries a request past the guard.
    """

    def __init__(
        self,
        *,
        user_agent: str,
        trusted_hosts: Iterable[str] = (),
        max_connections: int = 16,
        max_per_host: int = 2,
        min_host_gap: float = 0.0,
    ) -> None:
        self._user_agent = user_agent
        self._trusted: frozenset[str] = frozenset()
        self.trust(trusted_hosts)
        self._max_connections = max_connections
        self._gates = _Gates(max_connections, max_per_host, min_host_gap)
        self._public: aiohttp.ClientSession | None = None
        self._any: aiohttp.ClientSession | None = None

    def refuse_new_requests(self) -> None:
        """Let requests already under way finish; any other raises ShuttingDown, waiting ones too."""
        self._gates.close()

    def trust(self, hosts: Iterable[str]) -> None:
        """Make `hosts` (and only them) the trusted ones, e.g. after the feed list changed."""
        self._trusted = frozenset(host.lower() for host in hosts)

    async def __aenter__(self) -> Fetcher:
        self._public = self._session(public_socket)
        self._any = self._session(None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for session in (self._public, self._any):
            if session is not None:
                await session.close()
        self._public = self._any = None

    def _session(self, socket_factory: Callable[..., socket.socket] | None) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections, socket_factory=socket_factory, ttl_dns_cache=300
        )
        return aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self._user_agent},
            # Proxies from the environment would hide the real destination from the address guard.
            trust_env=False,
        )

    async def get(
        self,
        url: str,
        policy: FetchPolicy,
        *,
        accept: str = "*/*",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Response:
        """GET `url`, following redirects ourselves so every hop is checked and counted."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        target = _parse_url(url)
        deadline: float | None = None
        for _ in range(policy.max_redirects + 1):
            async with self._gates.slot(target.host or "", str(target)):
                # The clock starts once the first slot is ours: queueing is not the server's fault.
                deadline = deadline or asyncio.get_running_loop().time() + policy.timeout
                response = await self._hop(target, headers, policy, deadline)
            if response.status not in REDIRECTS:
                return _final(response)
            target = _redirect_target(target, response)
        raise TooManyRedirects(url, f"more than {policy.max_redirects} redirects")

    async def _hop(
        self, url: URL, headers: dict[str, str], policy: FetchPolicy, deadline: float
    ) -> Response:
        try:
            async with asyncio.timeout_at(deadline):
                return await self._request(url, headers, policy)
        except TimeoutError:
            raise FetchTimeout(str(url), f"no complete response within {policy.timeout:g}s") from None
        except aiohttp.ClientConnectorDNSError:
            raise FetchError(str(url), f"cannot resolve host {url.host!r}") from None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, BlockedAddress):
                blocked = exc.os_error
                reason = f"address not allowed: {blocked.address} ({blocked.reason})"
                raise AddressRefused(str(url), reason) from None
            raise FetchError(str(url), f"cannot connect: {exc.os_error}") from None
        except (aiohttp.InvalidURL, ValueError) as exc:
            raise FetchError(str(url), f"invalid URL: {exc}") from None
        except aiohttp.ClientResponseError as exc:
            # aiohttp's "400" for a response it cannot parse, e.g. a Content-Encoding it cannot decode.
            raise FetchError(str(url), f"unreadable response: {exc.message}") from None
        except aiohttp.ClientError as exc:
            raise FetchError(str(url), f"{type(exc).__name__}: {exc}") from None

    async def _request(self, url: URL, headers: dict[str, str], policy: FetchPolicy) -> Response:
        trusted = policy.allow_private or (url.host or "").lower() in self._trusted
        session = self._any if trusted else self._public
        assert session is not None, "use Fetcher as an async context manager"
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=policy.connect_timeout)
        async with session.get(url, headers=headers, allow_redirects=False, timeout=timeout) as resp:
            body = b""
            if resp.status not in REDIRECTS and resp.status != 304 and resp.status < 400:
                body = await _read_capped(resp, policy.max_bytes)
            return Response(str(resp.url), resp.status, resp.headers, body)


class _Gates:
    """A cap on concurrent requests in all and to each host, and a minimum gap between one host's."""

    def __init__(self, total: int, per_host: int, gap: float) -> None:
        self._total = asyncio.Semaphore(total)
        self._per_host = per_host
        self._gap = gap
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self._closed = False

    def close(self) -> None:
        self._closed = True

    @asynccontextmanager
    async def slot(self, host: str, url: str) -> AsyncIterator[None]:
        gate = self._hosts.setdefault(host, asyncio.Semaphore(self._per_host))
        async with gate:
            await self._keep_gap(host)
            async with self._total:
                if self._closed:  # checked after every wait: queued requests end here too
                    raise ShuttingDown(url, "not started: shutting down")
                yield

    async def _keep_gap(self, host: str) -> None:
        now = asyncio.get_running_loop().time()
        start = max(now, self._next_start.get(host, now))
        # Reserve the start before sleeping, so concurrent waiters line up one gap apart.
        self._next_start[host] = start + self._gap
        if start > now:
            await asyncio.sleep(start - now)


async def _read_capped(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """Read the decompressed body, refusing it as soon as it passes `max_bytes`."""
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise TooLarge(str(resp.url), f"Content-Length {resp.content_length} exceeds {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(str(resp.url), f"body exceeds {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_url(url: str) -> URL:
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as exc:
        raise FetchError(url, f"invalid URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(url, "not an absolute http(s) URL")
    return parsed


def _redirect_target(current: URL, response: Response) -> URL:
    location = response.headers.get("Location")
    if not location:
        raise FetchError(str(current), f"HTTP {response.status} redirect without a Location")
    try:
        target = str(current.join(URL(location)))
    except (ValueError, TypeError) as exc:
        raise FetchError(str(current), f"bad redirect Location {location!r}: {exc}") from None
    return _parse_url(target)


def _final(response: Response) -> Response:
    if response.status == 304 or 200 <= response.status < 300:
        return response
    raise HTTPStatusError(response.url, response.status, response.headers.get("Retry-After"))
