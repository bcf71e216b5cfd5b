"""robots.txt: read once per site per run, asked before an article's page (never before a feed), its
Crawl-delay widening the host's gap, and `robots: false` for a site whose owner agreed.

The decisions and the cache are tested first on their own (a table transport, a clock of the test's);
then through the real `ingest --once` against loopback sites serving real fixture pages, whose request
logs say what was and was not asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy
from test_once import NO_GAP, _articles, _rss
from test_repair import _feeds, _forgotten

from conftest import run_ingest
from ingest import defaults
from ingest.config import FeedConfig
from ingest.dedupe.assign import Deduper
from ingest.fetch import (
    AddressRefused,
    Disallowed,
    Fetcher,
    FetchPolicy,
    FetchTimeout,
    HTTPStatusError,
    Request,
    Response,
    Robots,
    RobotsUnavailable,
    TooManyRedirects,
)
from ingest.fetch.robots import crawl_delay, max_age, parse_rules, refusal, robots_url, rules_of
from ingest.run.pipeline import poll_feed
from ingest.run.services import DeduperLoader, Services
from ingest.store import Store
from support.localsite import LocalSite, page_html
from support.pool import InlinePool
from support.transport import Reply, TableTransport

UA = defaults.USER_AGENT  # "ingest/<version> (news ingestion daemon)": matched by its product token
SITE = "https://news.example"
ROBOTS = f"{SITE}/robots.txt"
POLICY = FetchPolicy()
# A site that lets every crawler read its articles but keeps them out of its members' area, and keeps
# everyone but us out of everything else: our group is found by the product token of our User-Agent.
RULES = """\
User-agent: *
Disallow: /

User-agent: ingest
Allow: /articles/
Disallow: /
"""


def _response(body: str, **headers: str) -> Response:
    return Response(ROBOTS, 200, CIMultiDictProxy(CIMultiDict(headers)), body.encode())


def _rules(body: str) -> object:
    return rules_of(ROBOTS, _response(body), now=0.0)


# ---------------------------------------------------------------- the decisions


def test_one_robots_txt_per_scheme_host_and_port() -> None:
    assert robots_url("https://News.Example/a/b.html?x=1#y") == "https://news.example/robots.txt"
    assert robots_url("http://news.example:8080/a") == "http://news.example:8080/robots.txt"
    assert robots_url("https://news.example:443/a") == "https://news.example/robots.txt"
    # Not an absolute http(s) URL: the page's own request says what is wrong with it.
    assert [robots_url(u) for u in ("ftp://news.example/a", "/a/b", "http://[::1/")] == [None] * 3


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, defaults.ROBOTS_MAX_AGE),
        ("public, max-age=3600", 3600.0),
        ("max-age=5", defaults.ROBOTS_MIN_AGE),  # not once a page
        ("max-age=31536000", defaults.ROBOTS_MAX_AGE),  # RFC 9309: not more than a day
        ("max-age=" + "9" * 40, defaults.ROBOTS_MAX_AGE),
        ("no-store", defaults.ROBOTS_MIN_AGE),
        ("private", defaults.ROBOTS_MAX_AGE),
    ],
)
def test_a_robots_txt_is_kept_as_long_as_its_cache_control_says_within_bounds(
    header: str | None, seconds: float
) -> None:
    assert max_age(header) == seconds
    response = _response("", **({"Cache-Control": header} if header else {}))
    assert rules_of(ROBOTS, response, 100.0).expires == 100.0 + seconds


def test_our_group_of_rules_decides_by_the_longest_match() -> None:
    rules = _rules(RULES + "\nUser-agent: otherbot\nAllow: /\n")
    assert refusal(rules, f"{SITE}/articles/1.html", UA) is None
    refused = refusal(rules, f"{SITE}/members/1.html", UA)
    assert isinstance(refused, Disallowed)
    assert refused.url == f"{SITE}/members/1.html"
    assert refused.reason.startswith(f"disallowed by robots.txt ({ROBOTS}); set robots: false")
    # Another crawler's group is not ours, and without a group of ours the `*` one holds.
    assert refusal(_rules("User-agent: otherbot\nDisallow: /\n"), f"{SITE}/a", UA) is None
    assert isinstance(refusal(_rules("User-agent: *\nDisallow: /a\n"), f"{SITE}/a", UA), Disallowed)


def test_wildcards_and_end_anchors_are_understood() -> None:
    rules = _rules("User-agent: *\nDisallow: /*.pdf$\nDisallow: /*?print=\nAllow: /*?print=no\n")
    allowed = [refusal(rules, f"{SITE}/{path}", UA) is None for path in
               ("a.pdf", "a.pdf.html", "a?print=1", "a?print=no", "a.html")]  # fmt: skip
    assert allowed == [False, True, False, True, True]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_a_client_error_means_there_are_no_rules(status: int) -> None:
    rules = rules_of(ROBOTS, HTTPStatusError(ROBOTS, status), now=10.0)
    assert (rules.parser, rules.unreachable, rules.expires) == (None, None, 10.0 + defaults.ROBOTS_MAX_AGE)
    assert refusal(rules, f"{SITE}/anything", UA) is None


@pytest.mark.parametrize(
    "failure",
    [HTTPStatusError(ROBOTS, 500), HTTPStatusError(ROBOTS, 503), HTTPStatusError(ROBOTS, 429),
     FetchTimeout(ROBOTS, "no complete response within 20s")],
    ids=["500", "503", "429", "timeout"],
)  # fmt: skip
def test_a_robots_txt_that_cannot_be_read_disallows_the_site_for_a_while(failure: Exception) -> None:
    rules = rules_of(ROBOTS, failure, now=10.0)  # type: ignore[arg-type]
    assert rules.expires == 10.0 + defaults.ROBOTS_RETRY
    refused = refusal(rules, f"{SITE}/articles/1.html", UA)
    assert isinstance(refused, RobotsUnavailable) and not isinstance(refused, Disallowed)
    assert f"{ROBOTS} could not be read ({failure.reason})" in refused.reason  # type: ignore[attr-defined]


def test_too_many_redirects_means_there_are_no_rules() -> None:
    rules = rules_of(ROBOTS, TooManyRedirects(ROBOTS, "more than 5 redirects"), now=0.0)
    assert refusal(rules, f"{SITE}/a", UA) is None


def test_crawl_delay_is_ours_and_capped() -> None:
    assert crawl_delay(_rules("User-agent: ingest\nCrawl-delay: 2.5\n"), UA) == 2.5
    assert crawl_delay(_rules("User-agent: *\nCrawl-delay: 86400\n"), UA) == defaults.MAX_CRAWL_DELAY
    assert crawl_delay(_rules("User-agent: otherbot\nCrawl-delay: 9\n"), UA) is None
    assert crawl_delay(rules_of(ROBOTS, HTTPStatusError(ROBOTS, 404), 0.0), UA) is None


def test_a_robots_txt_cut_at_the_cap_loses_its_last_line_and_may_start_with_a_bom() -> None:
    head = b"\xef\xbb\xbfUser-agent: *\nDisallow: /a\n"
    tail = b"Disallow: /"  # what the cut left of "Disallow: /b"
    cut = head + b"#" * (defaults.ROBOTS_MAX_BYTES - len(head) - len(tail) - 1) + b"\n" + tail
    assert len(cut) == defaults.ROBOTS_MAX_BYTES
    parsed = parse_rules(cut)
    assert not parsed.can_fetch(f"{SITE}/a", UA)
    assert parsed.can_fetch(f"{SITE}/c", UA)  # the cut "Disallow: /" did not become a rule
    assert not parse_rules(b"User-agent: *\nDisallow: /b").can_fetch(f"{SITE}/b", UA)  # uncut, it is one


async def test_a_robots_txt_larger_than_the_cap_is_read_up_to_it(site: LocalSite) -> None:
    filler = b"# " + b"x" * 98 + b"\n"
    body = b"User-agent: *\nDisallow: /early\n" + filler * 6000 + b"Disallow: /late\n"  # about 600 KB
    assert len(body) > defaults.ROBOTS_MAX_BYTES
    site.add("/robots.txt", body, "text/plain")
    async with Fetcher(user_agent=UA, trusted_hosts=[site.host]) as fetcher:
        robots = Robots(fetcher)
        with pytest.raises(Disallowed):
            await robots.check(site.url("/early"), POLICY)
        await robots.check(site.url("/late"), POLICY)
    assert len(site.hits("/robots.txt")) == 1


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_parse_to_some_rules(body: bytes) -> None:
    parse_rules(body).can_fetch(f"{SITE}/a", UA)


# ---------------------------------------------------------------- the cache, over a table transport


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def web() -> TableTransport:
    return TableTransport()


@pytest.fixture
async def fetcher(web: TableTransport) -> AsyncIterator[Fetcher]:
    async with Fetcher(user_agent=UA, transport=web) as f:
        yield f


async def test_many_pages_at_once_share_one_request_and_it_is_kept_until_it_expires(
    web: TableTransport, fetcher: Fetcher
) -> None:
    web[ROBOTS] = Reply.of(RULES, "text/plain", Cache_Control="max-age=3600")
    clock = Clock()
    robots = Robots(fetcher, clock=clock)
    pages = [f"{SITE}/articles/{n}.html" for n in range(8)] + [f"{SITE}/members/1.html"]

    checked = await asyncio.gather(*(robots.check(page, POLICY) for page in pages), return_exceptions=True)

    assert checked[:8] == [None] * 8 and isinstance(checked[8], Disallowed)
    assert len(web.hits(ROBOTS)) == 1
    (sent,) = web.hits(ROBOTS)
    assert (sent.headers["User-Agent"], sent.max_bytes) == (UA, defaults.ROBOTS_MAX_BYTES) and sent.truncate
    clock.now += 3599
    await robots.check(f"{SITE}/articles/9.html", POLICY)
    assert len(web.hits(ROBOTS)) == 1
    clock.now += 2
    await robots.check(f"{SITE}/articles/9.html", POLICY)
    assert len(web.hits(ROBOTS)) == 2
    await robots.check("https://other.example/a", POLICY)  # another site: its own (none: 404, all allowed)
    assert len(web.requests) == 3


async def test_a_page_that_stops_waiting_does_not_cancel_the_request_others_wait_for(
    web: TableTransport, fetcher: Fetcher
) -> None:
    asked, release = asyncio.Event(), asyncio.Event()

    async def slow(request: Request) -> Reply:
        asked.set()
        await release.wait()
        return Reply.of(RULES, "text/plain")

    web[ROBOTS] = slow
    robots = Robots(fetcher)
    first = asyncio.create_task(robots.check(f"{SITE}/articles/1.html", POLICY))
    await asyncio.wait_for(asked.wait(), 10)
    second = asyncio.create_task(robots.check(f"{SITE}/members/1.html", POLICY))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    with pytest.raises(Disallowed):
        await second
    assert len(web.hits(ROBOTS)) == 1


async def test_a_server_error_disallows_the_site_until_it_is_asked_again(
    web: TableTransport, fetcher: Fetcher
) -> None:
    web[ROBOTS] = Reply(503)
    clock = Clock()
    robots = Robots(fetcher, clock=clock)
    for _ in range(3):
        with pytest.raises(RobotsUnavailable):
            await robots.check(f"{SITE}/articles/1.html", POLICY)
    assert len(web.hits(ROBOTS)) == 1
    web[ROBOTS] = Reply(404)
    clock.now += defaults.ROBOTS_RETRY + 1
    await robots.check(f"{SITE}/articles/1.html", POLICY)
    assert len(web.hits(ROBOTS)) == 2


async def test_a_refused_address_fails_the_page_as_its_own_request_would_and_is_not_kept(
    web: TableTransport, fetcher: Fetcher
) -> None:
    web[ROBOTS] = AddressRefused(ROBOTS, "address not allowed: 10.0.0.1 (private); set allow_private: true")
    robots = Robots(fetcher)
    for _ in range(2):
        with pytest.raises(AddressRefused) as refused:
            await robots.check(f"{SITE}/articles/1.html", POLICY)
        assert refused.value.url == f"{SITE}/articles/1.html"
        assert refused.value.reason.startswith("address not allowed: 10.0.0.1 (private)")
    assert len(web.hits(ROBOTS)) == 2


async def test_only_the_most_recently_asked_sites_are_kept(web: TableTransport, fetcher: Fetcher) -> None:
    robots = Robots(fetcher, sites=2)
    for site in ("a", "b", "a", "c", "a", "b"):
        await robots.check(f"https://{site}.example/page", POLICY)
    # a, b, a (kept), c (b goes), a (kept), b (asked again)
    assert [str(r.url) for r in web.requests] == [f"https://{s}.example/robots.txt" for s in "abcb"]


async def _arrivals(web: TableTransport, fetcher: Fetcher, robots: Robots, count: int) -> list[float]:
    """When each of `count` pages of SITE was sent, after the robots.txt check that lets it through."""
    loop = asyncio.get_running_loop()
    sent: list[float] = []

    def page(request: Request) -> Reply:
        sent.append(loop.time())
        return Reply.of("<p>page</p>")

    for n in range(count):
        web[f"{SITE}/articles/{n}.html"] = page

    async def one(url: str) -> None:
        await robots.check(url, POLICY)
        await fetcher.get(url, POLICY)

    await asyncio.gather(*(one(f"{SITE}/articles/{n}.html") for n in range(count)))
    return sorted(sent)


async def test_crawl_delay_widens_the_host_gap_and_never_narrows_it(web: TableTransport) -> None:
    web[ROBOTS] = Reply.of("User-agent: *\nCrawl-delay: 0.3\n", "text/plain")
    async with Fetcher(user_agent=UA, transport=web) as fetcher:
        sent = await _arrivals(web, fetcher, Robots(fetcher), 3)
    assert all(b - a >= 0.3 - 0.01 for a, b in zip(sent, sent[1:], strict=False)), sent

    web[ROBOTS] = Reply.of("User-agent: *\nCrawl-delay: 0.05\n", "text/plain")
    async with Fetcher(user_agent=UA, transport=web, min_host_gap=0.3) as fetcher:
        sent = await _arrivals(web, fetcher, Robots(fetcher), 3)
    assert all(b - a >= 0.3 - 0.01 for a, b in zip(sent, sent[1:], strict=False)), sent


# ---------------------------------------------------------------- the pipeline, in this process


async def test_a_disallowed_page_is_not_requested_and_is_counted_and_failed_for_good(
    web: TableTransport, fetcher: Fetcher, fixtures: Path, tmp_path: Path
) -> None:
    allowed, members = f"{SITE}/articles/1.html", f"{SITE}/members/1.html"
    web[ROBOTS] = Reply.of(RULES, "text/plain")
    web[f"{SITE}/feed.xml"] = Reply.of(_rss([("one", allowed), ("two", members)]), "application/rss+xml")
    web[allowed] = web[members] = Reply.of(page_html(fixtures, "readability-bbc-1"))
    feed = FeedConfig(url=f"{SITE}/feed.xml", name="news")
    store = Store.open(tmp_path / "x.db")
    try:
        store.sync_feeds([(feed.url, feed.name)])
        deduper = DeduperLoader(store, Deduper())
        svc = Services(store, fetcher, InlinePool(), deduper, asyncio.Semaphore(4), robots=Robots(fetcher))
        result = await poll_feed(svc, feed)
        rows = store.db.execute("SELECT url, reason, permanent FROM entry_failures").fetchall()
    finally:
        store.close()

    assert (result.stored, result.failed_entries) == (1, 1)
    assert web.hits(members) == [] and len(web.hits(allowed)) == 1
    [(url, reason, permanent)] = rows
    assert (url, permanent) == (members, 1) and "disallowed by robots.txt" in reason
    assert svc.metrics.pages_disallowed._value.get() == 1
    assert svc.metrics.articles_failed._value.get() == 1


# ---------------------------------------------------------------- through the real command


def _config(tmp_path: Path, *feeds: str) -> Path:
    config = tmp_path / "feeds.yaml"
    config.write_text(NO_GAP + "feeds:\n" + "".join(feeds))
    return config


def _page_ids(n: int) -> list[str]:
    return ["readability-bbc-1", "readability-ars-1", "readability-guardian-1", "wcxb-0151"][:n]


def test_disallowed_pages_are_skipped_counted_shown_and_fetched_once_robots_is_off(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    site.add("/robots.txt", RULES, "text/plain")
    pages = [site.add(f"/articles/{n}.html", page_html(fixtures, pid)) for n, pid in enumerate(_page_ids(3))]
    members = site.add("/members/1.html", page_html(fixtures, "wcxb-0151"))
    # The feed itself is under Disallow: / too; subscribed by hand, it is fetched all the same.
    items = [(f"story {n}", url) for n, url in enumerate([*pages, members])]
    site.add("/feed.xml", _rss(items), "application/rss+xml")
    config = _config(tmp_path, f"  - url: {site.url('/feed.xml')}\n    name: Harbour\n")

    first = run_ingest("--once", "--config", str(config), cwd=tmp_path)

    assert first.returncode == 1, first.stderr[-3000:]
    assert first.stdout.strip().endswith("3 articles new, 1 pages failed on 1 feeds")
    assert len(site.hits("/feed.xml")) == 1 and site.hits("/members/1.html") == []
    assert len(site.hits("/robots.txt")) == 1  # four pages asked, one request
    assert site.hits("/robots.txt")[0].headers["User-Agent"] == defaults.USER_AGENT
    assert sorted(a["url"] for a in _articles(tmp_path / "ingest.db")) == sorted(pages)
    (harbour,) = _feeds(tmp_path)
    assert (harbour["state"], harbour["articles"], harbour["pages_failed"]) == ("failing", 3, 1)
    shown = run_ingest("feeds", "show", "Harbour", "--config", str(config), cwd=tmp_path).stdout
    assert f"{members}: disallowed by robots.txt ({site.url('/robots.txt')})" in shown and "for good" in shown

    # Failed for good: not asked again at the next run (so neither is robots.txt, with no page to ask).
    again = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert again.returncode == 0 and site.hits("/members/1.html") == []
    assert len(site.hits("/robots.txt")) == 1

    # `ingest retry` forgets it: the next run asks robots.txt again, which still says no.
    cleared = run_ingest("retry", "Harbour", "--config", str(config), cwd=tmp_path)
    assert cleared.stdout.startswith("ingest: forgot 1 failed pages")
    retried = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert retried.returncode == 1 and site.hits("/members/1.html") == []
    assert len(site.hits("/robots.txt")) == 2

    # The site's owner agreed: robots: false cures it by itself (a curing setting); robots.txt is not read.
    config.write_text(config.read_text().replace("name: Harbour\n", "name: Harbour\n    robots: false\n"))
    cured = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert cured.returncode == 0, cured.stdout + cured.stderr[-3000:]
    (forgot,) = _forgotten(cured.stderr)
    assert (forgot["settings"], forgot["pages"]) == (["robots"], 1)
    assert len(site.hits("/members/1.html")) == 1 and len(site.hits("/robots.txt")) == 2
    assert members in {a["url"] for a in _articles(tmp_path / "ingest.db")}
    (harbour,) = _feeds(tmp_path)
    assert (harbour["state"], harbour["articles"], harbour["pages_failed"]) == ("ok", 4, 0)


def test_a_missing_robots_txt_allows_all_and_a_failing_one_disallows_all(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    with LocalSite("127.0.0.1") as broken:
        broken.add("/robots.txt", "oops", "text/plain", status=500)
        open_page = site.add("/a.html", page_html(fixtures, "readability-bbc-1"))
        shut_page = broken.add("/b.html", page_html(fixtures, "readability-ars-1"))
        site.add("/feed.xml", _rss([("open", open_page)]), "application/rss+xml")
        broken.add("/feed.xml", _rss([("shut", shut_page)]), "application/rss+xml")
        config = _config(
            tmp_path,
            f"  - url: {site.url('/feed.xml')}\n    name: Open\n",
            f"  - url: {broken.url('/feed.xml')}\n    name: Broken\n",
        )

        done = run_ingest("--once", "--config", str(config), cwd=tmp_path)

        assert done.returncode == 1
        assert done.stdout.strip().endswith("1 articles new, 1 pages failed on 1 feeds")
        assert [len(s.hits("/robots.txt")) for s in (site, broken)] == [1, 1]
        assert len(site.hits("/a.html")) == 1 and broken.hits("/b.html") == []
        assert [a["url"] for a in _articles(tmp_path / "ingest.db")] == [open_page]
        shown = run_ingest("feeds", "show", "Broken", "--config", str(config), cwd=tmp_path).stdout
        assert f"{broken.url('/robots.txt')} could not be read (HTTP 500)" in shown
        assert "for good" not in shown  # tried again at the next polls


def test_crawl_delay_spaces_the_pages_of_its_host(site: LocalSite, fixtures: Path, tmp_path: Path) -> None:
    delay = 1.0
    site.add("/robots.txt", f"User-agent: *\nCrawl-delay: {delay:g}\n", "text/plain")
    pages = [site.add(f"/articles/{n}.html", page_html(fixtures, pid)) for n, pid in enumerate(_page_ids(3))]
    site.add("/feed.xml", _rss([(f"story {n}", url) for n, url in enumerate(pages)]), "application/rss+xml")
    config = _config(tmp_path, f"  - {site.url('/feed.xml')}\n")

    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)

    assert done.returncode == 0, done.stderr[-3000:]
    asked = [s for s in site.requests if s.path.startswith(("/robots.txt", "/articles/"))]
    assert [s.path for s in asked][0] == "/robots.txt" and len(asked) == 4
    times = sorted(s.at for s in asked)
    # Measured where the requests arrive: a new connection's set-up may take a little of the gap.
    assert all(b - a >= delay * 0.9 for a, b in zip(times, times[1:], strict=False)), times
