"""The HTTP client against a real aiohttp server on loopback: bodies, redirects, limits, statuses."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
from pathlib import Path

import pytest
from aiohttp import web

from ingest.defaults import USER_AGENT as DEFAULT_USER_AGENT
from ingest.fetch import (
    Fetcher,
    FetchError,
    FetchPolicy,
    FetchTimeout,
    HTTPStatusError,
    ShuttingDown,
    TooLarge,
    TooManyRedirects,
)
from support.localsite import LocalSite, page_html, page_index

LOCAL = "127.0.0.1"
# Generous: these bound that something finishes, they do not measure speed.
MARGIN = 3.0


def fetcher(**kwargs) -> Fetcher:
    """A fetcher that trusts the `site` fixture's host (127.0.0.1), as feeds.yaml hosts are."""
    kwargs.setdefault("trusted_hosts", {LOCAL})
    return Fetcher(user_agent=kwargs.pop("user_agent", "ingest-tests"), **kwargs)


# ---------------------------------------------------------------- bodies and redirects


async def test_200_body_of_a_real_gzipped_page(site: LocalSite, fixtures: Path) -> None:
    page_id = "readability-bbc-1"
    raw = (fixtures / "pages" / page_index(fixtures)[page_id]["file"]).read_bytes()
    url = site.add(
        "/news/bbc-1", raw, "text/html; charset=utf-8", headers={"Content-Encoding": "gzip"}
    )
    async with fetcher() as f:
        response = await f.get(url, FetchPolicy(timeout=10))
    assert response.status == 200
    assert response.url == url
    assert response.body == page_html(fixtures, page_id)  # decompressed, byte for byte
    assert response.content_type == "text/html; charset=utf-8"
    assert len(site.hits("/news/bbc-1")) == 1


async def test_final_url_after_redirects(site: LocalSite) -> None:
    final = site.add("/final", "<p>arrived</p>")
    site.redirect("/start", "/middle", status=301)
    site.redirect("/middle", final, status=307)
    async with fetcher() as f:
        response = await f.get(site.url("/start"), FetchPolicy(timeout=10))
    assert response.url == final
    assert response.body == b"<p>arrived</p>"
    assert [r.path for r in site.requests] == ["/start", "/middle", "/final"]


async def test_relative_location_is_resolved_against_the_current_hop(site: LocalSite) -> None:
    site.redirect("/a/b/start", "next?x=1", status=302)  # -> /a/b/next?x=1
    site.redirect("/a/b/next", "../c/page", status=303)  # -> /a/c/page
    site.add("/a/c/page", "done")
    async with fetcher() as f:
        response = await f.get(site.url("/a/b/start"), FetchPolicy(timeout=10))
    assert response.body == b"done"
    assert response.url == site.url("/a/c/page")
    assert [r.path for r in site.requests] == ["/a/b/start", "/a/b/next?x=1", "/a/c/page"]


def _chain(site: LocalSite, hops: int) -> str:
    """hops redirects in a row, then a page; returns the first URL."""
    for i in range(hops):
        site.redirect(f"/r{i}", f"/r{i + 1}" if i + 1 < hops else "/end")
    site.add("/end", "end")
    return site.url("/r0")


async def test_max_redirects_reached_exactly_is_fine(site: LocalSite) -> None:
    start = _chain(site, 5)
    async with fetcher() as f:
        response = await f.get(start, FetchPolicy(timeout=10, max_redirects=5))
    assert response.body == b"end"
    assert len(site.requests) == 6


async def test_one_redirect_too_many(site: LocalSite) -> None:
    start = _chain(site, 6)
    async with fetcher() as f:
        with pytest.raises(TooManyRedirects) as info:
            await f.get(start, FetchPolicy(timeout=10, max_redirects=5))
    assert info.value.url == start
    assert not site.hits("/end")  # the sixth redirect is never followed
    assert len(site.requests) == 6


async def test_self_redirect_loop_is_cut_off(site: LocalSite) -> None:
    loop = site.redirect("/loop", "/loop")
    async with fetcher() as f:
        with pytest.raises(TooManyRedirects):
            await f.get(loop, FetchPolicy(timeout=10, max_redirects=3))
    assert len(site.hits("/loop")) == 4  # bounded: the first request and 3 redirects


async def test_redirect_without_location_is_an_error(site: LocalSite) -> None:
    url = site.add("/nowhere", b"", status=302, conditional=False)
    async with fetcher() as f:
        with pytest.raises(FetchError, match="without a Location"):
            await f.get(url, FetchPolicy(timeout=10))


# ---------------------------------------------------------------- conditional GET


async def test_conditional_get_with_etag_and_last_modified(site: LocalSite) -> None:
    url = site.add("/feed.xml", "<rss/>", "application/rss+xml")
    async with fetcher() as f:
        first = await f.get(url, FetchPolicy(timeout=10))
        etag, last_modified = first.headers.get("ETag"), first.headers.get("Last-Modified")
        assert first.status == 200 and first.body == b"<rss/>"
        assert etag and last_modified

        by_etag = await f.get(url, FetchPolicy(timeout=10), etag=etag)
        by_date = await f.get(url, FetchPolicy(timeout=10), last_modified=last_modified)
        stale = await f.get(url, FetchPolicy(timeout=10), etag='"not-the-current-one"')

    assert by_etag.status == 304 and by_etag.body == b""
    assert by_date.status == 304 and by_date.body == b""
    assert stale.status == 200 and stale.body == b"<rss/>"
    seen = site.hits("/feed.xml")
    assert "If-None-Match" not in seen[0].headers
    assert seen[1].headers["If-None-Match"] == etag
    assert seen[2].headers["If-Modified-Since"] == last_modified
    assert "If-None-Match" not in seen[2].headers


# ---------------------------------------------------------------- statuses


@pytest.mark.parametrize("status", [404, 410, 500])
async def test_error_status_raises_with_the_status(site: LocalSite, status: int) -> None:
    url = site.add(f"/s{status}", "error page", status=status)
    async with fetcher() as f:
        with pytest.raises(HTTPStatusError) as info:
            await f.get(url, FetchPolicy(timeout=10))
    assert info.value.status == status
    assert info.value.url == url
    assert info.value.retry_after is None
    assert str(status) in str(info.value)


async def test_unknown_path_is_a_404(site: LocalSite) -> None:
    async with fetcher() as f:
        with pytest.raises(HTTPStatusError) as info:
            await f.get(site.url("/missing"), FetchPolicy(timeout=10))
    assert info.value.status == 404


@pytest.mark.parametrize(
    ("status", "retry_after"), [(429, "120"), (503, "Wed, 21 Oct 2026 07:28:00 GMT")]
)
async def test_retry_after_is_captured(site: LocalSite, status: int, retry_after: str) -> None:
    url = site.add("/busy", "slow down", status=status, headers={"Retry-After": retry_after})
    async with fetcher() as f:
        with pytest.raises(HTTPStatusError) as info:
            await f.get(url, FetchPolicy(timeout=10))
    assert info.value.status == status
    assert info.value.retry_after == retry_after


# ---------------------------------------------------------------- size caps


async def test_too_large_by_content_length(site: LocalSite) -> None:
    url = site.add("/big", b"x" * 5000)
    async with fetcher() as f:
        with pytest.raises(TooLarge, match="Content-Length 5000"):
            await f.get(url, FetchPolicy(timeout=10, max_bytes=1000))
        ok = await f.get(url, FetchPolicy(timeout=10, max_bytes=5000))
    assert len(ok.body) == 5000  # exactly at the cap is allowed


def _streamer(chunks: int, size: int):
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()  # no Content-Length: the client must count
        await response.prepare(request)
        for _ in range(chunks):
            await response.write(b"y" * size)
            await asyncio.sleep(0)
        await response.write_eof()
        return response

    return handler


async def test_too_large_while_streaming_without_content_length(site: LocalSite) -> None:
    url = site.handle("/stream", _streamer(chunks=10, size=1000))
    async with fetcher() as f:
        with pytest.raises(TooLarge, match="body exceeds 4000"):
            await f.get(url, FetchPolicy(timeout=10, max_bytes=4000))
        ok = await f.get(url, FetchPolicy(timeout=10, max_bytes=20000))
    assert ok.body == b"y" * 10000
    assert "Content-Length" not in ok.headers  # the cap was enforced on the stream itself
    assert ok.headers.get("Transfer-Encoding") == "chunked"


async def test_too_large_after_decompression(site: LocalSite) -> None:
    inflated = b"<p>" + b"a" * 2_000_000 + b"</p>"
    compressed = gzip.compress(inflated)
    max_bytes = 100_000
    assert len(compressed) < max_bytes < len(inflated)
    url = site.add(
        "/bomb", compressed, "text/html; charset=utf-8", headers={"Content-Encoding": "gzip"}
    )
    async with fetcher() as f:
        with pytest.raises(TooLarge, match="body exceeds"):
            await f.get(url, FetchPolicy(timeout=10, max_bytes=max_bytes))
        ok = await f.get(url, FetchPolicy(timeout=10, max_bytes=len(inflated)))
    assert ok.body == inflated  # under a larger cap the same response is inflated in full


# ---------------------------------------------------------------- timeouts


async def _drip(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    while True:  # one byte every 0.2 s, forever; ends when the client goes away
        await response.write(b"x")
        await asyncio.sleep(0.2)


async def test_dripping_server_is_cut_off_by_the_timeout(site: LocalSite) -> None:
    url = site.handle("/drip", _drip)
    timeout = 1.0
    async with fetcher() as f:
        started = time.monotonic()
        with pytest.raises(FetchTimeout) as info:
            await f.get(url, FetchPolicy(timeout=timeout))
        elapsed = time.monotonic() - started
    assert timeout * 0.9 <= elapsed < timeout + MARGIN
    assert info.value.url == url


async def test_server_that_never_answers_times_out() -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind((LOCAL, 0))
        listener.listen(8)  # the kernel completes the handshake; nobody ever reads or answers
        url = f"http://{LOCAL}:{listener.getsockname()[1]}/"
        timeout = 1.0
        async with fetcher() as f:
            started = time.monotonic()
            with pytest.raises(FetchTimeout):
                await f.get(url, FetchPolicy(timeout=timeout))
            elapsed = time.monotonic() - started
        assert timeout * 0.9 <= elapsed < timeout + MARGIN
    finally:
        listener.close()


async def test_timeout_covers_the_whole_redirect_chain(site: LocalSite) -> None:
    async def slow_redirect(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.4)
        return web.Response(status=302, headers={"Location": "/slow"})

    url = site.handle("/slow", slow_redirect)
    timeout = 1.0
    async with fetcher() as f:
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            # 20 hops of 0.4 s each would take 8 s: the deadline is for the whole request
            await f.get(url, FetchPolicy(timeout=timeout, max_redirects=20))
        elapsed = time.monotonic() - started
    assert elapsed < timeout + MARGIN
    assert 2 <= len(site.hits("/slow")) <= 4


# ---------------------------------------------------------------- concurrency


class InFlight:
    """Counts requests a handler is serving at once, across server threads."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.total = 0
        self._lock = threading.Lock()

    def handler(self, hold: float = 0.2):
        async def handle(request: web.Request) -> web.StreamResponse:
            with self._lock:
                self.now += 1
                self.total += 1
                self.peak = max(self.peak, self.now)
            try:
                await asyncio.sleep(hold)
            finally:
                with self._lock:
                    self.now -= 1
            return web.Response(text="ok")

        return handle


async def test_per_host_limit(site: LocalSite) -> None:
    counter = InFlight()
    url = site.handle("/work", counter.handler())
    async with fetcher(max_per_host=2, max_connections=16) as f:
        responses = await asyncio.gather(*(f.get(url, FetchPolicy(timeout=10)) for _ in range(6)))
    assert [r.body for r in responses] == [b"ok"] * 6
    assert counter.total == 6
    assert counter.peak == 2  # never more than 2, and the two slots were really used together


async def test_global_limit_across_hosts(site: LocalSite, other_site: LocalSite) -> None:
    counter = InFlight()
    urls = [site.handle("/work", counter.handler()), other_site.handle("/work", counter.handler())]
    async with fetcher(
        trusted_hosts={site.host, other_site.host}, max_per_host=4, max_connections=3
    ) as f:
        responses = await asyncio.gather(
            *(f.get(urls[i % 2], FetchPolicy(timeout=10)) for i in range(8))
        )
    assert len(responses) == 8 and counter.total == 8
    assert counter.peak == 3


async def test_waiting_for_a_host_slot_does_not_use_up_the_timeout(site: LocalSite) -> None:
    counter = InFlight()
    url = site.handle("/slow", counter.handler(hold=0.5))
    async with fetcher(max_per_host=1) as f:
        # Each request needs 0.5 s of a 0.8 s allowance; the second waits 0.5 s for the slot first.
        results = await asyncio.gather(
            *(f.get(url, FetchPolicy(timeout=0.8)) for _ in range(2)), return_exceptions=True
        )
    assert [type(r).__name__ for r in results] == ["Response", "Response"]


async def test_requests_to_one_host_start_a_gap_apart(site: LocalSite, other_site: LocalSite) -> None:
    mine = site.add("/gap", "ok")
    theirs = other_site.add("/gap", "ok")
    async with fetcher(trusted_hosts={site.host, other_site.host}, max_per_host=4, min_host_gap=0.3) as f:
        await asyncio.gather(
            *(f.get(mine, FetchPolicy(timeout=10)) for _ in range(4)),
            f.get(theirs, FetchPolicy(timeout=10)),
        )
    starts = sorted(r.at for r in site.hits("/gap"))
    assert all(b - a >= 0.29 for a, b in zip(starts, starts[1:], strict=False)), starts
    assert other_site.hits("/gap")[0].at - starts[0] < 0.2  # another host does not queue behind


async def _one_in_flight_one_queued(f: Fetcher, url: str) -> tuple[asyncio.Task, asyncio.Task]:
    """Two requests to a host taking one at a time: the first in flight, the second waiting for the slot."""
    first = asyncio.create_task(f.get(url, FetchPolicy(timeout=10)))
    queued = asyncio.create_task(f.get(url, FetchPolicy(timeout=10)))
    await asyncio.sleep(0.2)
    return first, queued


async def test_refused_after_shutdown_begins_even_when_queued(site: LocalSite) -> None:
    counter = InFlight()
    url = site.handle("/slow", counter.handler(hold=0.5))
    async with fetcher(max_per_host=1) as f:
        first, queued = await _one_in_flight_one_queued(f, url)
        f.refuse_new_requests()
        results = await asyncio.gather(first, queued, return_exceptions=True)
    assert type(results[0]).__name__ == "Response"  # in flight: allowed to finish
    assert isinstance(results[1], ShuttingDown)
    assert counter.total == 1


async def test_a_request_cancelled_while_queued_for_a_host_leaves_its_slot_free(site: LocalSite) -> None:
    counter = InFlight()
    url = site.handle("/slow", counter.handler(hold=0.5))
    async with fetcher(max_per_host=1) as f:
        first, queued = await _one_in_flight_one_queued(f, url)
        queued.cancel()  # as a poll's other entries are, once a write is refused
        await asyncio.gather(first, queued, return_exceptions=True)
        # The slot the cancelled request waited for is free again: a later request gets it (a slot kept
        # by nobody would make this wait for ever, so the bound is a hang detector, not a speed check).
        later = await asyncio.wait_for(f.get(url, FetchPolicy(timeout=10)), 10 * MARGIN)
    assert later.status == 200 and queued.cancelled()
    assert counter.total == 2  # the cancelled one never reached the site


# ---------------------------------------------------------------- headers and bad input


async def test_user_agent_names_the_project(site: LocalSite) -> None:
    url = site.add("/ua", "ok")
    async with Fetcher(user_agent=DEFAULT_USER_AGENT, trusted_hosts={LOCAL}) as f:
        await f.get(url, FetchPolicy(timeout=10), accept="text/html")
    (seen,) = site.hits("/ua")
    assert seen.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert seen.headers["User-Agent"].startswith("ingest/")
    assert seen.headers["Accept"] == "text/html"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "mailto:someone@example.com",
        "data:text/html,<p>hi</p>",
        "not a url",
        "",
        "http://",
        "//127.0.0.1/no-scheme",
        "/just/a/path",
        "http://[::1",
        "http://127.0.0.1:99999/",
        "http://127.0.0.1:-1/",
    ],
)
async def test_bad_urls_raise_fetch_error_only(url: str) -> None:
    async with fetcher() as f:
        with pytest.raises(FetchError) as info:
            await f.get(url, FetchPolicy(timeout=5))
    assert type(info.value) is FetchError  # not a status, timeout or size error
    assert info.value.url == url


async def test_redirect_to_a_non_http_scheme_is_refused(site: LocalSite) -> None:
    url = site.redirect("/to-file", "file:///etc/passwd")
    async with fetcher() as f:
        with pytest.raises(FetchError, match="not an absolute http"):
            await f.get(url, FetchPolicy(timeout=5))


async def test_connection_refused_is_a_fetch_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, now closed
        probe.bind((LOCAL, 0))
        port = probe.getsockname()[1]
    async with fetcher() as f:
        with pytest.raises(FetchError, match="cannot connect"):
            await f.get(f"http://{LOCAL}:{port}/", FetchPolicy(timeout=5))
