"""The address guard: which addresses are public, and the Fetcher refusing the others for real."""

from __future__ import annotations

import ipaddress

import pytest

from ingest.fetch import (
    AddressRefused,
    Fetcher,
    FetchError,
    FetchPolicy,
    non_public_reason,
)
from support.localsite import LocalSite

# ---------------------------------------------------------------- non_public_reason


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        # IPv4 inside IPv6 is judged by the IPv4 address it carries
        ("::ffff:127.0.0.2", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 of 169.254.169.254
        ("2002:c0a8:101::", "private"),  # 6to4 of 192.168.1.1
    ],
)
def test_named_reasons(address: str, reason: str) -> None:
    assert non_public_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "address",
    [
        "0.0.0.0",  # unspecified
        "::",  # unspecified
        "0.1.2.3",  # "this network"
        "240.0.0.1",  # reserved
        "255.255.255.255",  # broadcast
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "100.127.255.254",
        "192.0.2.1",  # documentation
        "198.18.0.1",  # benchmarking
        "2001:db8::1",  # documentation
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    ],
)
def test_other_non_public_addresses(address: str) -> None:
    assert non_public_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.216.34",
        "100.63.255.255",  # just below 100.64/10
        "100.128.0.0",  # just above it
        "172.32.0.1",  # just above 172.16/12
        "::ffff:8.8.8.8",
        "2002:808:808::1",  # 6to4 of a public address
        "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e",
    ],
)
def test_public_addresses(address: str) -> None:
    assert non_public_reason(ipaddress.ip_address(address)) is None


# ---------------------------------------------------------------- through the Fetcher

TRUSTED = "127.0.0.1"  # the `site` fixture: a configured feed host


def _fetcher() -> Fetcher:
    return Fetcher(user_agent="ingest-tests", trusted_hosts={TRUSTED})


# Ways of writing other_site's address (127.0.0.2) in a URL; yarl rejects some, the guard the rest.
SPELLINGS = {
    "direct": "http://127.0.0.2:{port}/secret",
    "ipv4-mapped ipv6": "http://[::ffff:127.0.0.2]:{port}/secret",
    "ipv4-mapped ipv6 hex": "http://[::ffff:7f00:2]:{port}/secret",
    "decimal": "http://2130706434:{port}/secret",
    "octal": "http://0177.0.0.2:{port}/secret",
    "hexadecimal": "http://0x7f000002:{port}/secret",
    "short form": "http://127.2:{port}/secret",
}


@pytest.mark.parametrize("spelling", list(SPELLINGS))
async def test_untrusted_loopback_is_refused_however_it_is_written(
    other_site: LocalSite, spelling: str
) -> None:
    other_site.add("/secret", "internal data")
    url = SPELLINGS[spelling].format(port=other_site.port)
    async with _fetcher() as f:
        with pytest.raises(FetchError) as info:
            await f.get(url, FetchPolicy(timeout=5))
    if isinstance(info.value, AddressRefused):
        assert "(loopback)" in info.value.reason
        assert info.value.reason.endswith("; set allow_private: true on this feed to fetch it")  # the cure
    else:  # refused before any connection: not a URL we accept
        assert "invalid URL" in info.value.reason
    assert other_site.requests == []


async def test_direct_url_is_refused_as_an_address(other_site: LocalSite) -> None:
    url = other_site.add("/secret", "internal data")
    async with _fetcher() as f:
        with pytest.raises(AddressRefused, match="127.0.0.2 \\(loopback\\)"):
            await f.get(url, FetchPolicy(timeout=5))
    assert other_site.requests == []


async def test_a_name_for_loopback_is_not_trusted_by_its_address(site: LocalSite) -> None:
    """`localhost` resolves to the trusted 127.0.0.1, but trust is given to names, not addresses."""
    site.add("/secret", "internal data")
    async with _fetcher() as f:
        with pytest.raises(AddressRefused):
            await f.get(f"http://localhost:{site.port}/secret", FetchPolicy(timeout=5))
    assert site.requests == []


async def test_redirect_from_trusted_host_into_untrusted_is_refused(
    site: LocalSite, other_site: LocalSite
) -> None:
    other_site.add("/secret", "internal data")
    start = site.redirect("/hop", other_site.url("/secret"))
    async with _fetcher() as f:
        with pytest.raises(AddressRefused) as info:
            await f.get(start, FetchPolicy(timeout=5))
    assert info.value.url == other_site.url("/secret")
    assert [r.path for r in site.requests] == ["/hop"]
    assert other_site.requests == []


async def test_redirect_to_metadata_address_is_refused_before_connecting(site: LocalSite) -> None:
    start = site.redirect("/meta", "http://169.254.169.254/latest/meta-data/")
    async with _fetcher() as f:
        with pytest.raises(AddressRefused, match="link-local"):
            await f.get(start, FetchPolicy(timeout=5))


async def test_allow_private_lets_the_same_request_through(other_site: LocalSite) -> None:
    url = other_site.add("/secret", "internal data")
    async with _fetcher() as f:
        response = await f.get(url, FetchPolicy(timeout=5, allow_private=True))
    assert response.status == 200 and response.body == b"internal data"
    assert [r.path for r in other_site.requests] == ["/secret"]


async def test_allow_private_follows_redirects_too(site: LocalSite, other_site: LocalSite) -> None:
    other_site.add("/secret", "internal data")
    start = site.redirect("/hop", other_site.url("/secret"))
    async with _fetcher() as f:
        response = await f.get(start, FetchPolicy(timeout=5, allow_private=True))
    assert response.url == other_site.url("/secret")
    assert len(other_site.requests) == 1


async def test_trusted_host_is_allowed(site: LocalSite, other_site: LocalSite) -> None:
    url = site.add("/feed.xml", "<rss/>", "application/rss+xml")
    other_url = other_site.add("/feed.xml", "<rss/>", "application/rss+xml")
    async with Fetcher(user_agent="ingest-tests", trusted_hosts={"127.0.0.2", TRUSTED}) as f:
        assert (await f.get(url, FetchPolicy(timeout=5))).body == b"<rss/>"
        assert (await f.get(other_url, FetchPolicy(timeout=5))).body == b"<rss/>"
    assert len(site.requests) == 1 and len(other_site.requests) == 1


async def test_trust_is_per_fetcher_and_case_insensitive(other_site: LocalSite) -> None:
    url = other_site.add("/feed.xml", "<rss/>")
    async with Fetcher(user_agent="ingest-tests", trusted_hosts={"127.0.0.2".upper()}) as f:
        assert (await f.get(url, FetchPolicy(timeout=5))).status == 200
    async with Fetcher(user_agent="ingest-tests") as f:
        with pytest.raises(AddressRefused):
            await f.get(url, FetchPolicy(timeout=5))
    assert len(other_site.requests) == 1


async def test_pooled_connection_does_not_bypass_the_guard(other_site: LocalSite) -> None:
    url = other_site.add("/secret", "internal data")
    async with _fetcher() as f:
        allowed = await f.get(url, FetchPolicy(timeout=5, allow_private=True))
        assert allowed.status == 200
        with pytest.raises(AddressRefused):
            await f.get(url, FetchPolicy(timeout=5, allow_private=False))
    assert len(other_site.requests) == 1
