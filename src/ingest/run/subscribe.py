"""Subscribing, for `ingest feeds add|import|export`: find the feed at an address people give (the address
itself, the feeds its page declares, else the usual places), fetched as the pipeline fetches a feed (its
limits, user agent and address guard); let the user choose; read and write OPML; hand the feeds to add
to config/edit.py, which writes them into feeds.yaml."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from ingest.config import Config
from ingest.config.edit import NewFeed, Triage, add_feeds, triage
from ingest.extract.decode import decode_html
from ingest.extract.errors import NotHTML, require_html
from ingest.feeds import FeedError, NotAFeed
from ingest.feeds.discover import USUAL_PATHS, declared_feeds, usual_feed_urls
from ingest.feeds.opml import MAX_OPML_BYTES, OPMLError, Outline, read_opml, write_opml
from ingest.fetch import AddressRefused, Fetcher, FetchError, FetchPolicy
from ingest.model import ParsedFeed
from ingest.text.clean import bounded_line
from ingest.text.urls import canonical_url

# Feeds fetched to check them for one address (those its page declares, else the usual paths): adding a
# feed never crawls a site.
MAX_CANDIDATES = 8
MAX_NAME = 100  # characters of a feed's own title kept as its name in feeds.yaml
RELOAD = "a running daemon picks this up on SIGHUP: systemctl reload ingest, or kill -HUP <its pid>"


class NoFeed(Exception):
    """No feed was found at an address, or none was chosen; str() says why and what to do."""


class Refused(Exception):
    """The request cannot be carried out as given (a choice to make with no terminal to ask on, a feed
    already subscribed, a file that is no OPML); str() says how to put it."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A feed found for an address: its URL, and its title (its own, else the one its page gives it)."""

    url: str
    title: str | None


@dataclass(frozen=True, slots=True)
class Found:
    """What an address gave: the feed it is (`direct`), or the feeds found through its page."""

    candidates: tuple[Candidate, ...]
    direct: bool


# -- finding ----------------------------------------------------------------------------------------


def find_feeds(url: str, *, allow_private: bool, user_agent: str) -> Found:
    """The feed at `url`, or the feeds its page declares, else those at the usual paths of its site
    (MAX_CANDIDATES at most, each fetched and parsed). NoFeed says why there is none."""
    return asyncio.run(_find(url.strip(), FetchPolicy(allow_private=allow_private), user_agent))


async def _find(url: str, policy: FetchPolicy, user_agent: str) -> Found:
    from ingest.feeds.parse import parse_feed
    from ingest.run.pipeline import FEED_ACCEPT  # the pipeline's, for its feeds

    async with Fetcher(user_agent=user_agent) as fetcher:
        try:
            response = await fetcher.get(url, policy, accept=FEED_ACCEPT)
        except FetchError as exc:
            raise NoFeed(f"{url}: {_not_fetched(exc)}") from None
        try:
            parsed = parse_feed(response.body, response.content_type, response.url)
            return Found((Candidate(url, parsed.title),), direct=True)
        except NotAFeed as exc:
            not_a_feed = str(exc)
        except FeedError as exc:
            raise NoFeed(f"{url}: a feed that cannot be read ({exc}): check the address") from None
        try:
            require_html(response.content_type)
        except NotHTML:
            raise NoFeed(f"{url}: {not_a_feed}: give the address of a feed, or of a web page") from None
        declared = declared_feeds(decode_html(response.body, response.content_type), response.url)
        titles = {feed.url: feed.title for feed in declared[:MAX_CANDIDATES]}
        found = await _feeds_among(fetcher, policy, titles)
        if not found:
            tried = {url, response.url, *titles}
            usual = [path for path in usual_feed_urls(response.url) if path not in tried]
            found = await _feeds_among(fetcher, policy, dict.fromkeys(usual[: MAX_CANDIDATES - len(titles)]))
    if not found:
        checked = f"declares {len(declared)} feeds, none of which answers" if declared else "declares no feed"
        raise NoFeed(f"{url}: a web page that {checked}, and its site has none at {', '.join(USUAL_PATHS)}: "
                     "give the feed's own address")  # fmt: skip
    return Found(found, direct=False)


async def _feeds_among(
    fetcher: Fetcher, policy: FetchPolicy, titles: dict[str, str | None]
) -> tuple[Candidate, ...]:
    """The URLs of `titles` that answer with a feed, in order, each feed once (two URLs may redirect to
    one)."""
    answers = await asyncio.gather(*(_feed_at(fetcher, policy, url) for url in titles))
    found: dict[str, Candidate] = {}
    for url, answer in zip(titles, answers, strict=True):
        if answer is not None:
            final, parsed = answer
            found.setdefault(canonical_url(final), Candidate(url, parsed.title or titles[url]))
    return tuple(found.values())


async def _feed_at(fetcher: Fetcher, policy: FetchPolicy, url: str) -> tuple[str, ParsedFeed] | None:
    from ingest.feeds.parse import parse_feed
    from ingest.run.pipeline import FEED_ACCEPT

    try:
        response = await fetcher.get(url, policy, accept=FEED_ACCEPT)
        return response.url, parse_feed(response.body, response.content_type, response.url)
    except (FetchError, FeedError):  # a candidate that is no feed is simply not offered
        return None


def _not_fetched(exc: FetchError) -> str:
    if isinstance(exc, AddressRefused):
        return f"{exc.refusal}; give --allow-private to fetch it"
    return exc.reason


# -- choosing and adding ----------------------------------------------------------------------------


def choose(
    found: Found, *, every: bool, first: bool, ask: Callable[[str], str] | None, out: TextIO
) -> list[Candidate]:
    """The candidates to add: the address's own feed, every one (`every`), the first (`first`), or the
    one the user picks when `ask` can ask. The candidates found through a page are listed on `out`."""
    candidates = list(found.candidates)
    if found.direct:
        return candidates
    print(f"found {len(candidates)} feeds:", file=out)
    for number, candidate in enumerate(candidates, 1):
        print(f"  {number}. {candidate.title or '(untitled)'}  {candidate.url}", file=out, flush=True)
    if every or first:
        return candidates if every else candidates[:1]
    if ask is None:
        raise Refused(f"{len(candidates)} feeds found (listed above) and no terminal to ask which: pass "
                      "--yes to add the first, --all to add every one, or give the URL of one")  # fmt: skip
    while True:
        try:
            answer = ask(f"add which? 1-{len(candidates)}, a for all, Enter for none: ").strip().lower()
        except EOFError:
            answer = ""
        if not answer:
            raise NoFeed("none chosen: nothing added")
        if answer in ("a", "all"):
            return candidates
        if answer.isdigit() and 1 <= int(answer) <= len(candidates):
            return [candidates[int(answer) - 1]]


def check_new(config: Config, feed: NewFeed) -> None:
    """Refused if `feed` could not be written (its URL, name or a tag), or feeds.yaml has its URL
    already: to say so before fetching anything."""
    _refuse_unless_new(config, triage(config, [replace(feed, url=feed.url.strip())]))


def add_chosen(config: Config, chosen: Sequence[Candidate], template: NewFeed) -> Triage:
    """Write the `chosen` feeds into feeds.yaml with the settings of `template` (its name, or else each
    feed's title); those feeds.yaml has already are left out, and if all are, Refused."""
    offered = [replace(template, url=c.url, name=template.name or _clean(c.title)) for c in chosen]
    sorted_ = triage(config, offered)
    _refuse_unless_new(config, sorted_)
    add_feeds(config.path, sorted_.new)
    return sorted_


def _refuse_unless_new(config: Config, sorted_: Triage) -> None:
    if sorted_.invalid:
        feed, problem = sorted_.invalid[0]
        raise Refused(f"{feed.url}: {problem}")
    if not sorted_.new and sorted_.subscribed:
        feed, have = sorted_.subscribed[0]
        raise Refused(f"{feed.url} is in {config.path} already, as {have.name!r} ({have.url}): nothing added")


def _clean(text: str | None) -> str | None:
    """A title or folder made fit to be a name or a tag: one printable line, not too long; None if empty."""
    line = bounded_line("".join(c for c in text or "" if c.isprintable() or c.isspace()), MAX_NAME)
    return line or None


# -- OPML -------------------------------------------------------------------------------------------


def import_opml(config: Config, path: Path, *, dry_run: bool, out: TextIO) -> Triage:
    """Add the feeds of the OPML file at `path` that feeds.yaml lacks, with their folders as tags; with
    `dry_run`, list what would be added and skipped instead. Refused if the file is no OPML."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_OPML_BYTES + 1)
    except OSError as exc:
        raise Refused(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        outlines = read_opml(data)
    except OPMLError as exc:
        raise Refused(f"{path}: {exc}") from None
    offered = [NewFeed(o.url.strip(), _clean(o.title), tags=tuple(filter(None, map(_clean, o.tags))))
               for o in outlines]  # fmt: skip
    sorted_ = triage(config, offered)
    if dry_run:
        for feed in sorted_.new:
            print(f"add   {feed.url}  {feed.name or ''}  {', '.join(feed.tags)}".rstrip(), file=out)
        for feed, have in sorted_.subscribed:
            print(f"skip  {feed.url}  (already subscribed as {have.name!r})", file=out)
        for feed in sorted_.repeated:
            print(f"skip  {feed.url}  (listed twice in {path.name})", file=out)
        for feed, problem in sorted_.invalid:
            print(f"skip  {feed.url}  ({problem})", file=out)
    else:
        add_feeds(config.path, sorted_.new)
    return sorted_


def import_summary(sorted_: Triage, *, dry_run: bool) -> str:
    """The one line `ingest feeds import` ends with."""
    verb = "would import" if dry_run else "imported"
    line = (f"{verb} {len(sorted_.new)} feeds, skipped {len(sorted_.subscribed)} (already subscribed), "
            f"{len(sorted_.repeated)} duplicates in the file")  # fmt: skip
    if sorted_.invalid:
        line += f", {len(sorted_.invalid)} unusable ({'listed above' if dry_run else '--dry-run lists them'})"
    return line


def export_opml(config: Config) -> bytes:
    """feeds.yaml's feeds as OPML 2.0: name as title, tags as folders."""
    outlines = [Outline(feed.url, feed.name, feed.tags) for feed in config.feeds]
    return write_opml(outlines, title=f"ingest: {config.path.name}")
