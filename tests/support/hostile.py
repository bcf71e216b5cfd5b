"""Hostile bodies and servers for the issue 6 tests and bench/hostile.py, and a harness that polls them.

Every body is built in a bounded way (a 50 MB feed is streamed, a gzip bomb is one small member repeated),
every server answers only on loopback, and `poll_beside_good` runs the real pipeline (fetcher, worker
pool, store) on a hostile feed next to a good one, under a hang guard.
"""

from __future__ import annotations

import asyncio
import gzip
import random
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

from aiohttp import web
from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

from ingest.config import Config, FeedConfig
from ingest.model import Article
from ingest.ops.workers import WorkerPool
from ingest.run.pipeline import PollResult, poll_feed
from ingest.run.services import services
from ingest.store import Store
from support.localsite import Handler, LocalSite

# The bound for one hostile case; a hang guard here, not a measurement (bench/hostile.py measures).
CASE_SECONDS = 5.0
# Request limits the hostile tests give their feeds, so that a stalled server is cut off within the bound.
FAST = {"timeout": 2.0, "connect_timeout": 1.0, "parse_timeout": 3.0}
CHUNK = 64 * 1024


# -- feeds ---------------------------------------------------------------------------------------


def rss(items: list[tuple[str, str | None, str | None]], title: str = "Local RSS") -> str:
    """An RSS 2.0 feed of (title, link, description) items."""
    parts = []
    for name, link, text in items:
        # URN guids are global identities: each item gets its own, across every feed of a test.
        guid = link or f"urn:x-title:{quote(name)}"
        parts.append(
            f"<item><title>{escape(name)}</title><guid>{escape(guid)}</guid>"
            + (f"<link>{escape(link)}</link>" if link else "")
            + (f"<description>{escape(text)}</description>" if text else "")
            + "</item>"
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"{''.join(parts)}</channel></rss>"
    )


GOOD_TEXTS = [
    (
        "The harbour council met on Monday and agreed to repair the lifting span of the old bridge before "
        "winter, after engineers found corrosion in two of its four hydraulic rams."
    ),
    (
        "A late frost damaged most of the apricot blossom in the valley orchards this week; growers expect "
        "the smallest harvest in a decade and have asked the region for emergency help."
    ),
    (
        "The city library will open on Sundays from next month, funded by a bequest from a retired teacher "
        "who spent forty years lending her own books to the children of her street."
    ),
]


def good_feed() -> str:
    """A well-formed feed whose entries carry their own text: it must be stored whatever else happens."""
    return rss([(f"good {n}", f"https://news.example/good/{n}", text) for n, text in enumerate(GOOD_TEXTS)])


def entity_feed(size: int = 100_000, refs: int = 20_000) -> bytes:
    """Quadratic blow-up: one `size`-character entity referenced `refs` times (2 GB if expanded)."""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "{"A" * size}">\n]>\n'
        '<rss version="2.0"><channel><title>Entities</title>'
        f"<item><title>one</title><guid>urn:e:1</guid><description>{'&big;' * refs}</description></item>"
        "</channel></rss>\n"
    ).encode()


def billion_laughs(one_line: bool) -> bytes:
    """Ten levels of ten references each: 10^9 'lol's if expanded."""
    decls = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    sep = "" if one_line else "\n "
    return (
        f'<?xml version="1.0"?>{sep}<!DOCTYPE rss [{sep}{sep.join(decls)}{sep}]>{sep}'
        '<rss version="2.0"><channel><title>Laughs &lol9;</title>'
        f"<item><title>i &lol9;</title><guid>urn:laughs:{one_line}</guid><description>&lol9;</description></item>"
        "</channel></rss>"
    ).encode()


def external_entity_feeds(secret: str, dtd: str) -> list[bytes]:
    """Feeds that would read `secret` through an external entity, a remote DTD or a parameter entity."""
    prologs = [
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "{secret}">]>',
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{dtd}">',
        f'<!DOCTYPE rss [<!ENTITY % r SYSTEM "{dtd}"> %r;]>',
    ]
    item = (
        '<rss version="2.0"><channel><title>t</title><item><title>&x;</title><guid>urn:xxe:{n}</guid></item>'
    )
    return [f"{prolog}{item.format(n=n)}</channel></rss>".encode() for n, prolog in enumerate(prologs)]


def binary_junk(size: int = 200_000) -> bytes:
    """The same pseudo-random bytes every run."""
    return random.Random(6).randbytes(size)


def truncated_feed(complete: int) -> bytes:
    """`complete` whole items with their own text, then the feed breaks off in the middle of the next."""
    text = "Entry {n} of a feed that breaks off: the ferry timetable changes on Sunday, {n} crossings more."
    # Links of their own (never fetched: full_text is off), since entries without one share a canonical URL.
    items = [(f"kept {n}", f"https://news.example/kept/{n}", text.format(n=n)) for n in range(complete + 1)]
    whole = rss(items, title="Truncated")
    cut = whole.index(f"<item><title>kept {complete}</title>") + 30
    return whole[:cut].encode()


HTML_PAGE = b"<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>Our shop</h1></body></html>"


# -- pages ---------------------------------------------------------------------------------------


def gzip_bomb(inflated: int = 1024**3, member: int = 16 * 1024**2) -> bytes:
    """About `inflated` bytes of zeros as one gzip member repeated (RFC 1952 allows concatenation): ~1 MB."""
    one = gzip.compress(b"\0" * member, compresslevel=9)
    return one * (inflated // member)


def many_paragraphs(count: int = 200_000) -> bytes:
    """A 3.5 MB page that takes trafilatura minutes: `count` short paragraphs."""
    body = "".join(f"<p>Paragraph {i}.</p>" for i in range(count))
    return f"<html><head><title>Long</title></head><body><article>{body}</article></body></html>".encode()


def deep_nesting(depth: int = 100_000) -> bytes:
    """`depth` nested <div>s around one paragraph."""
    text = "<p>The only paragraph of this page, buried deep inside its markup, far from the top.</p>"
    return f"<html><body>{'<div>' * depth}{text}{'</div>' * depth}</body></html>".encode()


def article_page(paragraphs: list[str], charset_meta: str | None = None) -> str:
    """A plain article page; the caller encodes it."""
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    head = f"<head>{meta}<title>Café society</title></head>"
    return f"<html>{head}<body><article><h1>Café society</h1>{body}</article></body></html>"


# -- servers -------------------------------------------------------------------------------------


def streamer(total: int | None, content_type: str = "application/rss+xml", chunk: bytes = b"") -> Handler:
    """Stream `total` bytes (forever if None) in 64 KB chunks without a Content-Length."""
    piece = (chunk or b"<item><title>x</title></item>" * 2300)[:CHUNK]

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": content_type})
        response.enable_chunked_encoding()
        await response.prepare(request)
        sent = 0
        with suppress(ConnectionError):  # the client hanging up is how this ends, for an endless body
            while total is None or sent < total:
                await response.write(piece)
                sent += len(piece)
            await response.write_eof()
        return response

    return handler


def dripper(every: float = 1.0, content_type: str = "application/rss+xml") -> Handler:
    """Answer at once, then send one byte every `every` seconds, forever."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": content_type})
        await response.prepare(request)
        with suppress(ConnectionError):  # the client hanging up is how this ends
            await response.write(b"<")
            while True:
                await asyncio.sleep(every)
                await response.write(b"x")
        return response

    return handler


@contextmanager
def silent_server(host: str = "127.0.0.1") -> Iterator[str]:
    """A URL whose server accepts connections (the kernel does) and never reads or answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind((host, 0))
        listener.listen(16)
        yield f"http://{host}:{listener.getsockname()[1]}/feed.xml"
    finally:
        listener.close()


# -- the harness ---------------------------------------------------------------------------------


@dataclass
class Polled:
    """What one pipeline run over a hostile feed and the good one did."""

    results: dict[str, PollResult]  # by feed name
    events: list[dict] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)

    def logged(self, event: str, feed: str) -> list[dict]:
        return [e for e in self.events if e["event"] == event and e.get("feed") == feed]

    def stored(self, feed_url: str) -> list[dict]:
        return [a for a in self.articles if a.feed == feed_url]


async def poll_beside_good(site: LocalSite, tmp_path: Path, *hostile: dict) -> Polled:
    """Poll the `hostile` feeds (FeedConfig keyword dicts) and a good feed on `site`, as `ingest --once` does.

    The poll itself must end within CASE_SECONDS (the services open first, outside the bound)."""
    good = FeedConfig(
        url=site.add("/good.xml", good_feed(), "application/rss+xml"), name="good", full_text=False
    )
    feeds = (good, *(FeedConfig(**{"name": "hostile", **FAST, **feed}) for feed in hostile))
    config = Config(
        path=tmp_path / "feeds.yaml", database=tmp_path / "ingest.db", feeds=feeds, min_host_gap=0
    )
    store = Store.open(config.database)
    try:
        store.sync_feeds((feed.url, feed.name) for feed in feeds)
        async with services(config, store) as svc:
            await _warm(svc.pool)
            with capture_logs(processors=[merge_contextvars]) as events:
                polls = [poll_feed(svc, feed) for feed in feeds]
                results = await asyncio.wait_for(asyncio.gather(*polls), CASE_SECONDS)
        return Polled(
            {feed.name: r for feed, r in zip(feeds, results, strict=True)}, events, list(store.articles())
        )
    finally:
        store.close()


async def _warm(pool: WorkerPool) -> None:
    """Start two workers before the clock runs: the first start of the fork server is not the case's cost."""
    await asyncio.gather(*(pool.run(abs, -1, timeout=60) for _ in range(2)))
