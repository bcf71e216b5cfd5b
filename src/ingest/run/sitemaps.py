"""A sitemap source's poll: its sitemap parsed, and for an index the children that changed since the
last good poll fetched and parsed too, into one list of entries, newest first, as a feed would give."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from ingest.config import FeedConfig
from ingest.feeds.sitemap import Sitemap, newest_first
from ingest.fetch import Response
from ingest.model import Entry, FeedState, ParsedFeed
from ingest.run.jobs import parse_sitemap_job
from ingest.run.services import Services, fetch_policy
from ingest.text.dates import ISO, parse_datetime

SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, application/gzip;q=0.8, text/plain;q=0.5, */*;q=0.1"
# Children of an index fetched in one poll, the most recently changed first: an index of a big site lists
# a sitemap per month for decades, and only the newest hold news.
MAX_CHILDREN = 10
# A child whose lastmod is this much older than the last good poll is taken as unchanged; the margin
# covers clocks and sites that write lastmod late.
LASTMOD_MARGIN = timedelta(days=1)


async def read_sitemap(svc: Services, feed: FeedConfig, response: Response, state: FeedState) -> ParsedFeed:
    """The entries of the sitemap `response` holds, reading the children an index lists that changed."""
    top = await _parse(svc, feed, response)
    if not top.is_index:
        return ParsedFeed(format="sitemap", title=None, link=None, entries=top.entries)
    since = parse_datetime(state.last_success, ISO)
    cutoff = since - LASTMOD_MARGIN if since else None
    changed = [c for c in top.children if cutoff is None or c.lastmod is None or c.lastmod >= cutoff]
    children = await asyncio.gather(*(_child(svc, feed, child.url) for child in changed[:MAX_CHILDREN]))
    entries = newest_first([entry for child in children for entry in child])
    return ParsedFeed(format="sitemapindex", title=None, link=None, entries=tuple(entries))


async def _child(svc: Services, feed: FeedConfig, url: str) -> tuple[Entry, ...]:
    response = await svc.fetcher.get(url, fetch_policy(feed), accept=SITEMAP_ACCEPT)
    # An index listing indexes is outside the protocol: its grandchildren are not read.
    return (await _parse(svc, feed, response)).entries


async def _parse(svc: Services, feed: FeedConfig, response: Response) -> Sitemap:
    # Hostile XML, like a feed: parsed in a worker process with a deadline.
    return await svc.pool.run(
        parse_sitemap_job, response.body, response.url, feed.max_bytes, timeout=feed.parse_timeout
    )
