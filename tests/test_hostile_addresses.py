"""Links out of a trusted feed to addresses the guard must refuse, however they are written and whether
reached directly or by a redirect from the trusted host: never connected to unless `allow_private`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.hostile import Polled, article_page, poll_beside_good, rss
from support.localsite import LocalSite

# Targets as URL templates; {v4} is a loopback site that feeds.yaml does not name (127.0.0.2), {v6} one on
# ::1, {trusted} the configured feed host's port, reached under another name. yarl refuses the decimal and
# octal spellings as URLs; the guard, in the socket factory, refuses every other before connecting.
# name: (what the failure says, template)
TARGETS = {
    "loopback": ("(loopback)", "http://127.0.0.2:{v4}/secret"),
    "ipv6 loopback": ("(loopback)", "http://[::1]:{v6}/secret"),
    "ipv4-mapped ipv6": ("(loopback)", "http://[::ffff:127.0.0.2]:{v4}/secret"),
    "decimal": ("invalid URL", "http://2130706434:{v4}/secret"),
    "octal": ("invalid URL", "http://0177.0.0.2:{v4}/secret"),
    "decimal of the trusted host": ("invalid URL", "http://2130706433:{trusted}/secret"),
    "octal of the trusted host": ("invalid URL", "http://0177.0.0.1:{trusted}/secret"),
    "a name for the trusted host": ("(loopback)", "http://localhost:{trusted}/secret"),
    "private 10/8": ("(private)", "http://10.0.0.1/secret"),
    "private 192.168/16": ("(private)", "http://192.168.1.1/secret"),
    "link-local metadata": ("(link-local)", "http://169.254.169.254/latest/meta-data/"),
}


@pytest.fixture
def v6_site() -> Iterator[LocalSite]:
    with LocalSite("::1") as s:
        yield s


def _target(template: str, site: LocalSite, other_site: LocalSite, v6_site: LocalSite) -> str:
    return template.format(v4=other_site.port, v6=v6_site.port, trusted=site.port)


def _serve_secrets(*sites: LocalSite) -> None:
    for s in sites:
        s.add("/secret", article_page(["Internal data that must never be fetched from a feed's link."] * 3))


def _no_request_reached(site: LocalSite, other_site: LocalSite, v6_site: LocalSite) -> None:
    assert other_site.requests == [] and v6_site.requests == []
    assert site.hits("/secret") == []


async def _poll_links(site: LocalSite, tmp_path: Path, links: list[str], **feed: object) -> Polled:
    url = site.add(
        "/links.xml", rss([(f"link {n}", link, None) for n, link in enumerate(links)]), "application/rss+xml"
    )
    return await poll_beside_good(site, tmp_path, {"url": url, **feed})


@pytest.mark.parametrize("via_redirect", [False, True], ids=["linked", "redirected to"])
@pytest.mark.parametrize("name", list(TARGETS))
async def test_non_public_targets_are_never_connected_to(
    site: LocalSite, other_site: LocalSite, v6_site: LocalSite, tmp_path: Path, name: str, via_redirect: bool
) -> None:
    _serve_secrets(site, other_site, v6_site)
    reason, template = TARGETS[name]
    target = _target(template, site, other_site, v6_site)
    link = site.redirect("/hop", target) if via_redirect else target

    polled = await _poll_links(site, tmp_path, [link])

    _no_request_reached(site, other_site, v6_site)
    assert len(site.hits("/hop")) == int(via_redirect)
    result = polled.results["hostile"]
    assert result.ok and (result.stored, result.failed_entries) == (0, 1), result
    (logged,) = polled.logged("article_failed", "hostile")
    assert logged["url"] == link
    assert reason in logged["error"], logged["error"]
    assert polled.results["good"].stored == 3


async def test_allow_private_reaches_the_same_targets(
    site: LocalSite, other_site: LocalSite, v6_site: LocalSite, tmp_path: Path
) -> None:
    """The control: the refused targets above are real and reachable once a feed allows them."""
    _serve_secrets(other_site, v6_site)
    links = [
        _target(TARGETS["loopback"][1], site, other_site, v6_site),
        _target(TARGETS["ipv6 loopback"][1], site, other_site, v6_site),
        site.redirect("/hop", other_site.url("/secret?via=hop")),
    ]

    polled = await _poll_links(site, tmp_path, links, allow_private=True)

    pages = [r.path for r in other_site.requests if r.path != "/robots.txt"]  # each site's asked first
    assert sorted(pages) == ["/secret", "/secret?via=hop"]
    assert [r.path for r in v6_site.requests if r.path != "/robots.txt"] == ["/secret"]
    assert polled.results["hostile"].stored >= 1  # the same page under several URLs is stored once
