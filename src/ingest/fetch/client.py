"""HTTP GET with every limit a hostile server needs: the policy over a transport that does the I/O."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import partial

from yarl import URL

from ingest import defaults
from ingest.fetch.errors import (
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NotClaimed,
    ShuttingDown,
    TooLarge,
    TooManyRedirects,
)
from ingest.fetch.transport import REDIRECTS, AiohttpTransport, Request, Response, Transport


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """The limits of one request, redirects included."""

    timeout: float = defaults.TIMEOUT  # for the whole request, every hop and the body included
    connect_timeout: float = defaults.CONNECT_TIMEOUT
    max_bytes: int = defaults.MAX_BYTES  # after decompression
    max_redirects: int = defaults.MAX_REDIRECTS
    allow_private: bool = False


@dataclass(slots=True)
class Timing:
    """Where one fetch's time went, in seconds: waiting for the gates (connections, the host's share and
    gap, the caller's `ready`), and on the requests themselves, every redirect hop included."""

    queued: float = 0.0
    requesting: float = 0.0


class Fetcher:
    """GETs URLs politely and defensively; use as `async with Fetcher(...) as fetcher`.

    The policy lives here and holds for any transport: the gates (connections in all, per host, a gap
    between one host's requests), which hosts are trusted past the address guard, redirects followed
    by hand and counted, one deadline over the whole chain, the body cap, and statuses as exceptions.
    The transport does one exchange per hop; by default `AiohttpTransport`, real sockets behind the
    address guard.
    """

    def __init__(
        self,
        *,
        user_agent: str,
        trusted_hosts: Iterable[str] = (),
        max_connections: int = defaults.MAX_CONNECTIONS,
        max_per_host: int = defaults.MAX_PER_HOST,
        min_host_gap: float = 0.0,  # none unless asked: the daemon passes the configured one
        transport: Transport | None = None,
        host_clock: HostClock | None = None,
    ) -> None:
        self._user_agent = user_agent
        self._trusted: frozenset[str] = frozenset()
        self.trust(trusted_hosts)
        self._gates = _Gates(max_connections, max_per_host, min_host_gap, host_clock)
        self._transport = transport or AiohttpTransport(max_connections=max_connections)

    @property
    def user_agent(self) -> str:
        return self._user_agent

    def set_host_gap(self, host: str, gap: float | None) -> None:
        """Space this host's requests at least `gap` seconds apart, on top of min_host_gap, which it never
        lowers (robots.txt's Crawl-delay); None drops the host's own gap."""
        self._gates.set_host_gap(host.lower(), gap)

    def refuse_new_requests(self) -> None:
        """Let requests already under way finish; any other raises ShuttingDown, waiting ones too."""
        self._gates.close()

    def trust(self, hosts: Iterable[str]) -> None:
        """Make `hosts` (and only them) the trusted ones, e.g. after the feed list changed."""
        self._trusted = frozenset(host.lower() for host in hosts)

    async def __aenter__(self) -> Fetcher:
        await self._transport.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._transport.close()

    async def get(
        self,
        url: str,
        policy: FetchPolicy,
        *,
        accept: str = "*/*",
        etag: str | None = None,
        last_modified: str | None = None,
        ready: Callable[[], Awaitable[object]] | None = None,
        claim: Callable[[], Validators | None] | None = None,
        timing: Timing | None = None,
        truncate: bool = False,
    ) -> Response:
        """GET `url`, following redirects ourselves so every hop is checked and counted.

        `ready`, if given, is awaited once, when the host's gate and gap let the first hop start and
        before it takes a connection: the caller's back-pressure (a slot for the page it will hold),
        which then never waits behind another host's politeness. `claim`, if given, is asked once the
        first hop holds one of the host's connections and before it reserves its start: it gives the
        validators to send (etag, last_modified: what the claim read, in place of the arguments), or None,
        and then nothing is sent (NotClaimed); so a process claims no more than it can send soon.
        `timing`, if given, is filled in with where the time went, whether the fetch succeeds or not.
        With `truncate`, a body past policy.max_bytes is cut there rather than refused (TooLarge)."""
        headers = {"User-Agent": self._user_agent, "Accept": accept}
        _conditional(headers, etag, last_modified)
        target = _parse_url(url)
        deadline: float | None = None
        clock = asyncio.get_running_loop().time
        timing = timing or Timing()
        for hop in range(policy.max_redirects + 1):
            first = hop == 0
            claimed = partial(_claimed, claim, headers) if claim and first else None
            queued, sent = clock(), None
            try:
                async with self._gates.slot(target.host or "", str(target), ready if first else None, claimed):
                    sent = clock()
                    timing.queued += sent - queued
                    # The clock starts once the first slot is ours: queueing is not the server's fault.
                    deadline = deadline or sent + policy.timeout
                    try:
                        request = self._request(target, headers, policy, truncate)
                        response = await self._hop(request, policy, deadline)
                    finally:
                        timing.requesting += clock() - sent
            finally:
                if sent is None:  # never sent (shutting down, or not claimed): it was all queueing
                    timing.queued += clock() - queued
            if response.status not in REDIRECTS:
                return _final(response)
            target = _redirect_target(target, response)
        raise TooManyRedirects(url, f"more than {policy.max_redirects} redirects")

    async def post(self, url: str, body: bytes, headers: Mapping[str, str], policy: FetchPolicy) -> Response:
        """POST `body` once, checked by the address guard (whatever hosts are trusted for feeds) and bounded
        by `policy` like a GET, outside the hosts' politeness gaps (a receiver asked for what it gets). A
        redirect is not followed (a receiver that moved is configured anew) and fails as any status but
        2xx does: HTTPStatusError."""
        target = _parse_url(url)
        # Only the receiver's own allow_private lets it be private: that a feed lives on its host is no
        # reason to send it our data.
        headers = {"User-Agent": self._user_agent, **headers}
        request = Request(target, headers, policy.allow_private, policy.connect_timeout, policy.max_bytes,
                          truncate=True, method="POST", body=body)  # fmt: skip
        response = await self._hop(request, policy, asyncio.get_running_loop().time() + policy.timeout)
        if not 200 <= response.status < 300:
            raise HTTPStatusError(response.url, response.status, response.headers.get("Retry-After"))
        return response

    def _request(self, url: URL, headers: dict[str, str], policy: FetchPolicy, truncate: bool) -> Request:
        trusted = policy.allow_private or (url.host or "").lower() in self._trusted
        return Request(url, headers, trusted, policy.connect_timeout, policy.max_bytes, truncate)

    async def _hop(self, request: Request, policy: FetchPolicy, deadline: float) -> Response:
        try:
            async with asyncio.timeout_at(deadline):
                response = await self._transport.send(request)
        except TimeoutError:
            raise FetchTimeout(str(request.url), f"no complete response within {policy.timeout:g}s") from None
        if len(response.body) > policy.max_bytes:  # the transport refuses it while reading; this is the floor
            if not request.truncate:
                raise TooLarge(response.url, f"body exceeds {policy.max_bytes} bytes")
            response = replace(response, body=response.body[: policy.max_bytes])
        return response


# Where processes share the hosts' gaps (daemons on one database): the seconds until this process's next
# request to a host may start, that start reserved for it among all of theirs, given the host and the gap.
HostClock = Callable[[str, float], float]


class _Gates:
    """A cap on concurrent requests in all and to each host, and a minimum gap between one host's."""

    def __init__(self, total: int, per_host: int, gap: float, clock: HostClock | None = None) -> None:
        self._total = asyncio.Semaphore(total)
        self._per_host = per_host
        self._gap = gap
        self._host_gaps: dict[str, float] = {}  # hosts that asked for a longer gap (Crawl-delay)
        self._clock = clock
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self._closed = False
        self._closing = asyncio.Event()

    def close(self) -> None:
        self._closed = True
        self._closing.set()

    def set_host_gap(self, host: str, gap: float | None) -> None:
        before = self._gap_of(host)
        if gap is None:
            self._host_gaps.pop(host, None)
        else:
            self._host_gaps[host] = gap
        # The start reserved under the old gap moves with it: the request that told us (robots.txt) is
        # one of the host's, and the next keeps the new gap from it.
        if host in self._next_start:
            self._next_start[host] += self._gap_of(host) - before

    def _gap_of(self, host: str) -> float:
        return max(self._gap, self._host_gaps.get(host, 0.0))

    @asynccontextmanager
    async def slot(
        self,
        host: str,
        url: str,
        ready: Callable[[], Awaitable[object]] | None = None,
        claim: Callable[[], bool] | None = None,
    ) -> AsyncIterator[None]:
        # Every wait here ends at once when the gates close (SIGTERM): a request still queued is abandoned
        # rather than sent late, and the process waits only for those already on the wire.
        gate = self._hosts.setdefault(host, asyncio.Semaphore(self._per_host))
        async with self._holding(gate, url):
            if claim is not None and not self._closed and not claim():
                raise NotClaimed(url, "not sent: another process holds it")
            await self._keep_gap(host, url)
            if ready is not None:
                await self._unless_closed(ready(), url)
            async with self._holding(self._total, url):
                yield

    async def _keep_gap(self, host: str, url: str) -> None:
        gap = self._gap_of(host)
        if self._clock is not None and gap > 0:
            await self._sleep(self._clock(host, gap), url)
            return
        now = asyncio.get_running_loop().time()
        start = max(now, self._next_start.get(host, now))
        # Reserve the start before sleeping, so concurrent waiters line up one gap apart.
        self._next_start[host] = start + gap
        await self._sleep(start - now, url)

    @asynccontextmanager
    async def _holding(self, semaphore: asyncio.Semaphore, url: str) -> AsyncIterator[None]:
        if self._closed:
            raise ShuttingDown(url, "not started: shutting down")
        if semaphore.locked():
            await self._unless_closed(semaphore.acquire(), url, undo=semaphore.release)
        else:
            await semaphore.acquire()  # free: no wait to cut short
        try:
            yield
        finally:
            semaphore.release()

    async def _sleep(self, seconds: float, url: str) -> None:
        if seconds > 0:
            try:
                await asyncio.wait_for(self._closing.wait(), seconds)
            except TimeoutError:
                return
            raise ShuttingDown(url, "not started: shutting down")

    async def _unless_closed(
        self, wait: Awaitable[object], url: str, undo: Callable[[], object] | None = None
    ) -> None:
        """Await `wait` unless the gates close first; then cancel it (or `undo` what it took, if it got
        there anyway) and raise ShuttingDown."""
        waiting = asyncio.ensure_future(wait)
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            await asyncio.wait({waiting, closing}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            # Cancelled: what was waited for must not be taken after all, or must be given back if it was
            # (a host's or the pool's slot, kept by nobody, would stop every later request to it).
            if not waiting.cancel() and not waiting.cancelled() and waiting.exception() is None and undo:
                undo()
            raise
        finally:
            closing.cancel()
        if waiting.done() and not self._closed:
            waiting.result()
            return
        waiting.cancel()
        try:
            await waiting
        except asyncio.CancelledError:
            pass
        else:
            if undo is not None:
                undo()
        raise ShuttingDown(url, "not started: shutting down")


# A conditional request's validators: the ETag and the Last-Modified date a feed last answered with.
Validators = tuple[str | None, str | None]


def _conditional(headers: dict[str, str], etag: str | None, last_modified: str | None) -> None:
    for name, value in (("If-None-Match", etag), ("If-Modified-Since", last_modified)):
        if value:
            headers[name] = value
        else:
            headers.pop(name, None)


def _claimed(claim: Callable[[], Validators | None], headers: dict[str, str]) -> bool:
    """Ask the claim; if granted, send the validators it read."""
    validators = claim()
    if validators is None:
        return False
    _conditional(headers, *validators)
    return True


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
