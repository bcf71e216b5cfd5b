"""The Fetcher's policy over the table transport: redirects, limits, statuses and what is sent, no sockets.

test_fetch.py and test_guard.py hold the same Fetcher to a real server on loopback; these show that the
policy is the Fetcher's own, whatever transport answers, and that the double answers as tests expect.
"""

from __future__ import annotations

import asyncio

import pytest

from ingest.fetch import (
    Fetcher,
    FetchError,
    FetchPolicy,
    FetchTimeout,
    HTTPStatusError,
    NotClaimed,
    Request,
    ShuttingDown,
    Timing,
    TooLarge,
    TooManyRedirects,
)
from support.transport import Reply, TableTransport

SITE = "https://news.example"
POLICY = FetchPolicy(timeout=5)


def fetcher(web: TableTransport, **kwargs) -> Fetcher:
    return Fetcher(user_agent="ingest-tests", transport=web, **kwargs)


async def test_a_redirect_chain_is_followed_hop_by_hop() -> None:
    web = TableTransport({
        f"{SITE}/a/start": Reply.redirect("next?x=1", status=301),  # relative: against the current hop
        f"{SITE}/a/next?x=1": Reply.redirect("https://other.example/page", status=307),
        "https://other.example/page": Reply.of("<p>arrived</p>"),
    })  # fmt: skip
    async with fetcher(web) as f:
        response = await f.get(f"{SITE}/a/start", POLICY)
    final = "https://other.example/page"
    assert (response.status, response.url, response.body) == (200, final, b"<p>arrived</p>")
    assert response.content_type == "text/html; charset=utf-8"
    assert [str(r.url) for r in web.requests] == [f"{SITE}/a/start", f"{SITE}/a/next?x=1", final]


@pytest.mark.parametrize(("hops", "fails"), [(3, False), (4, True)])
async def test_redirects_are_counted_by_the_fetcher(hops: int, fails: bool) -> None:
    web = TableTransport({f"{SITE}/{n}": Reply.redirect(f"/{n + 1}") for n in range(hops)})
    web[f"{SITE}/{hops}"] = Reply.of("end")
    async with fetcher(web) as f:
        if fails:
            with pytest.raises(TooManyRedirects, match="more than 3 redirects"):
                await f.get(f"{SITE}/0", FetchPolicy(max_redirects=3))
        else:
            assert (await f.get(f"{SITE}/0", FetchPolicy(max_redirects=3))).body == b"end"
    assert len(web.requests) == min(hops, 3) + 1  # never a hop past the limit


async def test_a_redirect_loop_is_cut_off() -> None:
    web = TableTransport({f"{SITE}/loop": Reply.redirect("/loop")})
    async with fetcher(web) as f:
        with pytest.raises(TooManyRedirects):
            await f.get(f"{SITE}/loop", POLICY)
    assert len(web.requests) == POLICY.max_redirects + 1


async def test_a_redirect_without_location_is_an_error() -> None:
    web = TableTransport({f"{SITE}/r": Reply(302)})
    async with fetcher(web) as f:
        with pytest.raises(FetchError, match="redirect without a Location"):
            await f.get(f"{SITE}/r", POLICY)


async def test_statuses_become_exceptions_with_retry_after() -> None:
    web = TableTransport({f"{SITE}/busy": Reply(503, {"Retry-After": "120"})})
    async with fetcher(web) as f:
        with pytest.raises(HTTPStatusError) as busy:
            await f.get(f"{SITE}/busy", POLICY)
        with pytest.raises(HTTPStatusError) as unknown:
            await f.get(f"{SITE}/not-in-the-table", POLICY)
    assert (busy.value.status, busy.value.retry_after) == (503, "120")
    assert (unknown.value.status, unknown.value.retry_after) == (404, None)


async def test_a_304_is_returned_not_raised() -> None:
    web = TableTransport({f"{SITE}/feed": Reply(304, {"ETag": '"v1"'})})
    async with fetcher(web) as f:
        response = await f.get(f"{SITE}/feed", POLICY, etag='"v1"')
    assert (response.status, response.headers["etag"]) == (304, '"v1"')


async def test_a_refused_claim_sends_nothing_and_a_granted_one_sends_its_validators() -> None:
    web = TableTransport({f"{SITE}/feed": Reply(304, {"ETag": '"v2"'})})
    asked: list[str] = []

    def refused() -> None:
        asked.append("refused")
        return None

    def granted() -> tuple[str | None, str | None]:
        asked.append("granted")
        return '"v2"', None  # what the claim read: newer than what the caller knew

    async with fetcher(web) as f:
        with pytest.raises(NotClaimed):
            await f.get(f"{SITE}/feed", POLICY, etag='"v1"', claim=refused)
        assert not web.requests
        response = await f.get(f"{SITE}/feed", POLICY, etag='"v1"', last_modified="Mon", claim=granted)
    assert response.status == 304 and asked == ["refused", "granted"]
    [sent] = web.requests
    assert sent.headers["If-None-Match"] == '"v2"' and "If-Modified-Since" not in sent.headers


async def test_an_exception_answer_is_raised_as_it_is() -> None:
    reset = FetchError(f"{SITE}/reset", "connection reset")
    web = TableTransport({f"{SITE}/reset": reset})
    async with fetcher(web) as f:
        with pytest.raises(FetchError) as info:
            await f.get(f"{SITE}/reset", POLICY)
    assert info.value is reset


async def test_the_deadline_is_the_fetchers() -> None:
    async def never(request: Request) -> Reply:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    web = TableTransport({f"{SITE}/slow": never})
    async with fetcher(web) as f:
        with pytest.raises(FetchTimeout, match="no complete response within 0.05s"):
            await f.get(f"{SITE}/slow", FetchPolicy(timeout=0.05))


async def test_the_body_cap_holds_over_any_transport() -> None:
    web = TableTransport({f"{SITE}/big": Reply.of(b"x" * 101), f"{SITE}/fits": Reply.of(b"x" * 100)})
    async with fetcher(web) as f:
        assert len((await f.get(f"{SITE}/fits", FetchPolicy(max_bytes=100))).body) == 100
        with pytest.raises(TooLarge, match="exceeds 100 bytes"):
            await f.get(f"{SITE}/big", FetchPolicy(max_bytes=100))


async def test_what_each_hop_is_sent() -> None:
    web = TableTransport({f"{SITE}/old": Reply.redirect("/feed"), f"{SITE}/feed": Reply.of("<rss/>")})
    async with fetcher(web) as f:
        await f.get(f"{SITE}/old", POLICY, accept="application/rss+xml", etag='"e1"', last_modified="Mon")
    for request in web.requests:  # the conditional headers go with every hop, as with aiohttp
        assert request.headers["User-Agent"] == "ingest-tests"
        assert request.headers["Accept"] == "application/rss+xml"
        assert request.headers["If-None-Match"] == '"e1"'
        assert request.headers["If-Modified-Since"] == "Mon"
        assert (request.connect_timeout, request.max_bytes) == (POLICY.connect_timeout, POLICY.max_bytes)


async def test_only_trusted_hosts_and_allow_private_may_pass_the_guard() -> None:
    web = TableTransport({"https://mine.example/": Reply.of(""), "https://theirs.example/": Reply.of("")})
    async with fetcher(web, trusted_hosts={"MINE.example"}) as f:
        await f.get("https://mine.example/", POLICY)
        await f.get("https://theirs.example/", POLICY)
        await f.get("https://theirs.example/", FetchPolicy(allow_private=True))
        f.trust({"theirs.example"})
        await f.get("https://mine.example/", POLICY)
    assert [r.allow_private for r in web.requests] == [True, False, True, False]


@pytest.mark.parametrize("per_host", [1, 2])
async def test_the_per_host_gate_holds_over_the_double(per_host: int) -> None:
    running, peak = 0, 0

    async def page(request: Request) -> Reply:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        for _ in range(10):  # stay in the exchange while the other requests try to start
            await asyncio.sleep(0)
        running -= 1
        return Reply.of("ok")

    web = TableTransport({f"{SITE}/{n}": page for n in range(4)})
    async with fetcher(web, max_per_host=per_host) as f:
        await asyncio.gather(*(f.get(f"{SITE}/{n}", POLICY) for n in range(4)))
    assert peak == per_host
    assert len(web.requests) == 4


async def test_no_request_is_sent_once_shutdown_begins() -> None:
    web = TableTransport({f"{SITE}/a": Reply.of("a")})
    async with fetcher(web) as f:
        f.refuse_new_requests()
        with pytest.raises(ShuttingDown):
            await f.get(f"{SITE}/a", POLICY)
    assert web.requests == []


async def test_the_double_keys_urls_as_the_fetcher_sends_them() -> None:
    web = TableTransport({"HTTPS://News.Example": Reply.of("home")})  # yarl: scheme and host lowered
    async with fetcher(web) as f:
        assert (await f.get("https://news.example", POLICY)).body == b"home"
    assert len(web.hits("https://NEWS.example")) == 1


async def test_the_callers_slot_is_taken_once_the_host_lets_the_request_start() -> None:
    # One page slot, two hosts. The second page of a host waits out that host's gap without a slot, so a
    # page of another host takes the slot first: one host's politeness never holds up the others.
    other = "https://other.example"
    pages = {f"{SITE}/1": "a1", f"{SITE}/2": "a2", f"{other}/1": "b1"}
    web = TableTransport({url: Reply.of(body) for url, body in pages.items()})
    slots = asyncio.Semaphore(1)

    async def fetch(url: str) -> None:
        try:
            await f.get(url, POLICY, ready=slots.acquire)
        finally:
            slots.release()  # the page's worker is done with it

    async with fetcher(web, min_host_gap=0.5) as f:
        await asyncio.wait_for(asyncio.gather(*(fetch(url) for url in pages)), 10)
    assert [str(r.url) for r in web.requests] == [f"{SITE}/1", f"{other}/1", f"{SITE}/2"]



async def test_closing_the_gates_abandons_every_queued_request_at_once() -> None:
    web = TableTransport({f"{SITE}/p/{n}": Reply.of(f"<p>{n}</p>") for n in range(6)})
    async with fetcher(web, max_per_host=1, min_host_gap=30.0) as f:
        timings = [Timing() for _ in range(6)]
        gets = [asyncio.ensure_future(f.get(f"{SITE}/p/{n}", POLICY, timing=t)) for n, t in enumerate(timings)]
        await asyncio.wait_for(gets[0], 5)  # the first goes at once; the others wait 30 s apart
        await asyncio.sleep(0.05)
        f.refuse_new_requests()
        done = await asyncio.wait_for(asyncio.gather(*gets[1:], return_exceptions=True), 5)
    assert all(isinstance(outcome, ShuttingDown) for outcome in done), done
    assert len(web.requests) == 1
    # What they waited was queueing, none of it a request.
    assert all(t.requesting == 0 and t.queued > 0 for t in timings[1:])
    assert timings[0].requesting > 0


async def test_a_fetch_s_timing_tells_queueing_from_the_request() -> None:
    web = TableTransport({f"{SITE}/a": Reply.of("<p>a</p>"), f"{SITE}/b": Reply.of("<p>b</p>")})
    first, second = Timing(), Timing()
    async with fetcher(web, max_per_host=1, min_host_gap=0.3) as f:
        await asyncio.gather(f.get(f"{SITE}/a", POLICY, timing=first), f.get(f"{SITE}/b", POLICY, timing=second))
    waited = max(first.queued, second.queued)
    assert waited >= 0.25  # one of them waited out the host's gap...
    assert max(first.requesting, second.requesting) < waited  # ...which the request time does not include
