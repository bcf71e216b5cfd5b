"""robots.txt (RFC 9309): each site's read once through the Fetcher (its gates and gap, user agent, limits
and address guard), kept in memory until it expires, and asked before an article's page is requested;
its Crawl-delay widens the gap between the host's requests.

The rules are read by protego, scrapy's parser: RFC 9309's longest match between Allow and Disallow,
`*` and `$` in paths, Crawl-delay, and a user agent matched by its product token inside our whole
User-Agent header. (The standard library's urllib.robotparser takes the first rule that matches, knows
no wildcards, and matches a user agent by substring.)
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

import structlog
from protego import Protego
from yarl import URL

from ingest import defaults
from ingest.fetch.client import Fetcher, FetchPolicy
from ingest.fetch.errors import (
    AddressRefused,
    Disallowed,
    FetchError,
    HTTPStatusError,
    RobotsUnavailable,
    ShuttingDown,
    TooManyRedirects,
)
from ingest.fetch.transport import Response

log = structlog.get_logger("ingest.fetch.robots")

ROBOTS_ACCEPT = "text/plain, */*;q=0.5"
# Client errors that say "later", not "there is no robots.txt": they count as unreachable.
_LATER_STATUSES = frozenset({429})
_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d{1,12})", re.IGNORECASE)
_NO_CACHE = re.compile(r"no-store|no-cache", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SiteRules:
    """What one site's robots.txt says, and until when (on the cache's clock) it holds."""

    robots_url: str
    expires: float
    parser: Protego | None = None  # None: there is no robots.txt, so nothing is disallowed
    unreachable: str | None = None  # why it could not be read: the whole site is disallowed until it expires


def robots_url(url: str) -> str | None:
    """The robots.txt that governs `url`, one per scheme, host and port; None for a URL that is not an
    absolute http(s) one, whose own request then says what is wrong with it."""
    try:
        parsed = URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return None
        return str(parsed.origin().with_path("/robots.txt"))
    except (ValueError, TypeError):
        return None


def max_age(cache_control: str | None) -> float:
    """How long a robots.txt is kept: its Cache-Control max-age within ROBOTS_MIN_AGE..ROBOTS_MAX_AGE,
    the shortest if it may not be cached, else the longest."""
    if cache_control and _NO_CACHE.search(cache_control):
        return defaults.ROBOTS_MIN_AGE
    found = _MAX_AGE.search(cache_control or "")
    if found is None:
        return defaults.ROBOTS_MAX_AGE
    return min(max(float(found[1]), defaults.ROBOTS_MIN_AGE), defaults.ROBOTS_MAX_AGE)


def parse_rules(body: bytes) -> Protego:
    """The rules in a robots.txt's bytes (UTF-8, as the RFC says; a byte order mark is allowed). A body
    cut at ROBOTS_MAX_BYTES loses its last line, which the cut may have shortened into another rule."""
    if len(body) >= defaults.ROBOTS_MAX_BYTES:
        body = body[: body.rfind(b"\n") + 1]
    return Protego.parse(body.decode("utf-8-sig", errors="replace"))


def rules_of(robots: str, answer: Response | FetchError, now: float) -> SiteRules:
    """What the answer to a robots.txt request (the response, or why there was none) means for its site,
    as RFC 9309 (2.3.1) says: a success holds the rules; a 4xx, or more redirects than allowed, means
    there are none; a 5xx, a 429 or no answer at all means everything is disallowed, for now."""
    if isinstance(answer, Response):  # Fetcher.get returns only 2xx to a request without validators
        expires = now + max_age(answer.headers.get("Cache-Control"))
        return SiteRules(robots, expires, parser=parse_rules(answer.body))
    status = answer.status if isinstance(answer, HTTPStatusError) else None
    if isinstance(answer, TooManyRedirects) or (
        status is not None and 400 <= status < 500 and status not in _LATER_STATUSES
    ):
        return SiteRules(robots, now + defaults.ROBOTS_MAX_AGE)
    return SiteRules(robots, now + defaults.ROBOTS_RETRY, unreachable=answer.reason)


def refusal(rules: SiteRules, url: str, user_agent: str) -> FetchError | None:
    """Why `url` may not be requested under its site's rules, or None when it may."""
    if rules.unreachable is not None:
        wait = f"{defaults.ROBOTS_RETRY / 60:g} minutes"
        reason = (
            f"not requested: {rules.robots_url} could not be read ({rules.unreachable}), which disallows the "
            f"whole site until it can (asked again after {wait})"
        )
        return RobotsUnavailable(url, reason)
    if rules.parser is not None and not rules.parser.can_fetch(url, user_agent):
        reason = (
            f"disallowed by robots.txt ({rules.robots_url}); "
            "set robots: false on this feed to fetch it, if the site's owner agrees"
        )
        return Disallowed(url, reason)
    return None


def crawl_delay(rules: SiteRules, user_agent: str) -> float | None:
    """The seconds robots.txt asks between our requests, at most MAX_CRAWL_DELAY; None if it asks none."""
    delay = rules.parser.crawl_delay(user_agent) if rules.parser is not None else None
    return None if delay is None else min(delay, defaults.MAX_CRAWL_DELAY)


class Robots:
    """Every site's robots.txt, requested once however many of its pages ask at the same time, and kept
    until it expires (the ROBOTS_SITES most recently asked at most)."""

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        clock: Callable[[], float] = time.monotonic,
        sites: int = defaults.ROBOTS_SITES,
    ) -> None:
        self._fetcher = fetcher
        self._clock = clock
        self._sites = sites
        self._rules: OrderedDict[str, SiteRules] = OrderedDict()
        self._reading: dict[str, asyncio.Future[SiteRules]] = {}

    async def check(self, url: str, policy: FetchPolicy) -> None:
        """Return if our user agent may request `url`; else raise Disallowed (for good), RobotsUnavailable
        (for now), or the robots.txt request's AddressRefused or ShuttingDown, as the page's own request
        would. That request keeps the page's `policy`, its body cut at ROBOTS_MAX_BYTES."""
        robots = robots_url(url)
        if robots is None:
            return
        try:
            rules = await self._rules_for(robots, policy)
        except AddressRefused as exc:  # the page's host, refused as the page would be
            raise AddressRefused(url, exc.reason, exc.refusal) from None
        refused = refusal(rules, url, self._fetcher.user_agent)
        if refused is not None:
            raise refused

    async def _rules_for(self, robots: str, policy: FetchPolicy) -> SiteRules:
        rules = self._rules.get(robots)
        if rules is not None and rules.expires > self._clock():
            self._rules.move_to_end(robots)
            return rules
        reading = self._reading.get(robots)
        if reading is None:
            reading = asyncio.ensure_future(self._read(robots, policy))
            self._reading[robots] = reading
            reading.add_done_callback(lambda _: self._reading.pop(robots, None))
        # Shielded: a page that stops waiting (its task cancelled) does not cancel the others' request.
        return await asyncio.shield(reading)

    async def _read(self, robots: str, policy: FetchPolicy) -> SiteRules:
        limits = replace(policy, max_bytes=defaults.ROBOTS_MAX_BYTES)
        answer: Response | FetchError
        try:
            answer = await self._fetcher.get(robots, limits, accept=ROBOTS_ACCEPT, truncate=True)
        except (AddressRefused, ShuttingDown):
            raise  # says nothing about the site's rules: nothing is kept, the next page asks again
        except FetchError as exc:
            answer = exc
        rules = rules_of(robots, answer, self._clock())
        self._keep(robots, rules)
        if rules.unreachable is not None:
            retry = defaults.ROBOTS_RETRY
            log.warning("robots_unreachable", robots=robots, error=rules.unreachable, retry_seconds=retry)
            return rules
        delay = crawl_delay(rules, self._fetcher.user_agent)
        self._fetcher.set_host_gap(URL(robots).host or "", delay)
        log.debug("robots_read", robots=robots, found=rules.parser is not None, crawl_delay=delay)
        return rules

    def _keep(self, robots: str, rules: SiteRules) -> None:
        self._rules[robots] = rules
        self._rules.move_to_end(robots)
        while len(self._rules) > self._sites:
            self._rules.popitem(last=False)
