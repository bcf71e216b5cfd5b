"""Hostile feeds through the real pipeline on loopback: each fails with its reason, logged, within the
bound, while a good feed polled beside it is stored in full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from support.hostile import (
    GOOD_TEXTS,
    HTML_PAGE,
    Polled,
    billion_laughs,
    binary_junk,
    dripper,
    entity_feed,
    external_entity_feeds,
    poll_beside_good,
    silent_server,
    streamer,
    truncated_feed,
)
from support.localsite import LocalSite

RSS = "application/rss+xml"


def assert_failed(polled: Polled, reason: str, name: str = "hostile", event: str = "feed_failed") -> None:
    """The feed failed with `reason`, was logged once with it, and the good feed was stored in full."""
    result = polled.results[name]
    assert not result.ok and reason in result.error, result.error
    (logged,) = polled.logged(event, name)
    assert reason in logged["error"]
    good = polled.results["good"]
    assert good.ok and good.stored == len(GOOD_TEXTS)
    assert len(polled.articles) - result.stored == len(GOOD_TEXTS)


# -- entities ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [entity_feed(), billion_laughs(one_line=True), billion_laughs(one_line=False)],
    ids=["quadratic", "billion laughs on one line", "billion laughs on many lines"],
)
async def test_entity_expansion_is_never_done(site: LocalSite, tmp_path: Path, body: bytes) -> None:
    url = site.add("/entities.xml", body, RSS)

    polled = await poll_beside_good(site, tmp_path, {"url": url, "full_text": False})

    # The declarations are removed, so the references are undefined: a malformed feed, nothing expanded.
    assert_failed(polled, "undefined entity", event="feed_malformed")
    assert not any("AAAA" in (a.text or "") or "lollol" in (a.text or "") for a in polled.articles)


async def test_external_entities_are_never_fetched(
    site: LocalSite, other_site: LocalSite, tmp_path: Path
) -> None:
    secret = other_site.add("/secret", "TOP SECRET", "text/plain")
    dtd = other_site.add("/evil.dtd", f'<!ENTITY x SYSTEM "{secret}">', "application/xml-dtd")
    feeds = [
        {"url": site.add(f"/xxe{n}.xml", body, RSS), "name": f"xxe{n}", "full_text": False}
        for n, body in enumerate(external_entity_feeds(secret, dtd))
    ]

    polled = await poll_beside_good(site, tmp_path, *feeds)

    assert other_site.requests == []
    for feed in feeds:
        assert_failed(polled, "undefined entity", feed["name"], event="feed_malformed")
    assert not any("TOP SECRET" in (a.text or "") + (a.title or "") for a in polled.articles)


# -- size, content and shape ---------------------------------------------------------------------


async def test_a_50_mb_feed_is_refused_by_size(site: LocalSite, tmp_path: Path) -> None:
    url = site.handle("/huge.xml", streamer(50 * 1024**2))

    polled = await poll_beside_good(site, tmp_path, {"url": url})

    assert_failed(polled, f"body exceeds {10 * 1024**2} bytes")


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (binary_junk(), "application/octet-stream", "not a feed: no XML element"),
        (binary_junk(), RSS, "not a feed: no XML element"),
        (HTML_PAGE, "text/html; charset=utf-8", "not a feed: an HTML page"),
    ],
    ids=["binary junk", "binary junk labelled RSS", "an HTML page"],
)
async def test_not_a_feed(
    site: LocalSite, tmp_path: Path, body: bytes, content_type: str, reason: str
) -> None:
    url = site.add("/feed.xml", body, content_type)

    polled = await poll_beside_good(site, tmp_path, {"url": url})

    assert_failed(polled, reason)
    assert polled.results["hostile"].error.isprintable()  # no junk bytes echoed into the one-line error


async def test_a_truncated_feed_keeps_the_entries_before_the_break(site: LocalSite, tmp_path: Path) -> None:
    url = site.add("/truncated.xml", truncated_feed(complete=2), RSS)

    polled = await poll_beside_good(site, tmp_path, {"url": url, "full_text": False})

    assert_failed(polled, "malformed", event="feed_malformed")
    assert polled.results["hostile"].stored == 2
    assert len(polled.stored(url)) == 2


async def test_a_feed_that_redirects_to_itself(site: LocalSite, tmp_path: Path) -> None:
    url = site.redirect("/loop.xml", "/loop.xml")

    polled = await poll_beside_good(site, tmp_path, {"url": url})

    assert_failed(polled, "more than 5 redirects")
    assert len(site.hits("/loop.xml")) == 6  # the request and five redirects, no more


# -- statuses ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "event"), [(500, "feed_failed"), (404, "feed_failed"), (410, "feed_gone")]
)
async def test_error_statuses(site: LocalSite, tmp_path: Path, status: int, event: str) -> None:
    url = site.add("/feed.xml", "error", status=status)

    polled = await poll_beside_good(site, tmp_path, {"url": url})

    assert_failed(polled, f"HTTP {status}", event=event)
    assert polled.results["hostile"].status == status


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("as_date", [False, True], ids=["seconds", "http date"])
async def test_retry_after_sets_the_next_poll(
    site: LocalSite, tmp_path: Path, status: int, as_date: bool
) -> None:
    wait = 3 * 3600  # longer than the first backoff (2 x 60 s), so only Retry-After explains it
    started = datetime.now(UTC)
    value = (
        (started + timedelta(seconds=wait)).strftime("%a, %d %b %Y %H:%M:%S GMT") if as_date else str(wait)
    )
    url = site.add("/busy.xml", "slow down", status=status, headers={"Retry-After": value})

    polled = await poll_beside_good(site, tmp_path, {"url": url, "interval": 60.0})

    assert_failed(polled, f"HTTP {status}")
    delay = (polled.results["hostile"].next_poll - started).total_seconds()
    assert wait - 2 <= delay <= wait * 1.1 + 5  # Retry-After plus at most the 10 % jitter


# -- servers that stall --------------------------------------------------------------------------


async def test_a_server_that_never_answers(site: LocalSite, tmp_path: Path) -> None:
    with silent_server() as url:
        polled = await poll_beside_good(site, tmp_path, {"url": url})

    assert_failed(polled, "no complete response within 2s")


async def test_a_server_that_drips_a_byte_a_second(site: LocalSite, tmp_path: Path) -> None:
    url = site.handle("/drip.xml", dripper(every=1.0))

    polled = await poll_beside_good(site, tmp_path, {"url": url})

    assert_failed(polled, "no complete response within 2s")
    assert len(site.hits("/drip.xml")) == 1
