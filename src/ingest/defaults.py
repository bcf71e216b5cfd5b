"""Every default and limit, once: feeds.yaml's keys, the request limits and the page bound default to
these names (the README's feeds.yaml table lists them for people). Change a default here, nowhere else.
"""

from __future__ import annotations

import os

from ingest import __version__

# -- per feed (feeds.yaml `defaults:` or a feed's own keys) -----------------------------------------
INTERVAL = 30 * 60.0  # seconds between polls of a feed
TIMEOUT = 20.0  # one request: every redirect hop and the body included
CONNECT_TIMEOUT = 10.0  # opening one connection
MAX_BYTES = 10 * 1024 * 1024  # one response, after decompression
MAX_REDIRECTS = 5
MAX_ENTRIES = 100  # newest entries taken from one poll
PARSE_TIMEOUT = 30.0  # parsing one feed or extracting one page in a worker, which is killed past it
# Start tags in one page, counted before parsing. Ten times the largest of 885 real pages, still seconds
# of extraction (extract/bounds.py says what parsing costs); the worker's deadline bounds what is left.
MAX_ELEMENTS = 50_000
ROBOTS = True  # ask a site's robots.txt before fetching an article's page there (feeds themselves: never)

# -- per process (feeds.yaml's top level) -------------------------------------------------------------
DATABASE = "ingest.db"  # relative to feeds.yaml
MAX_CONNECTIONS = 16  # requests at once, in all
MAX_PER_HOST = 2  # requests at once to one host
MIN_HOST_GAP = 1.0  # seconds between the starts of two requests to one host
SHUTDOWN_GRACE = 20.0  # seconds in-flight work may take to finish on SIGTERM
USER_AGENT = f"ingest/{__version__} (news ingestion daemon)"
SUMMARIZER_TIMEOUT = 60.0  # one request to the summarising model, the answer included
WEBHOOK_TIMEOUT = 10.0  # one delivery to a webhook's receiver, its answer included
# Fetched pages are kept, compressed, this many seconds, so `ingest reextract` can apply changed rules to
# last month's articles: about 33 MiB per 1,000 articles (bench/kept_pages.py), so a month's worth, not all
# of them. feeds.yaml's `keep_html`: true keeps them for ever (inf), false keeps none (0).
KEEP_HTML = 30 * 86400.0
# Pages fetched and waiting for a worker, per worker: enough that a worker never waits for a fetch, few
# enough that memory does not grow with the size of an import.
PAGES_PER_WORKER = 3
# Seconds between two refreshes of story records while articles arrive (each stale story is summarised
# again): records stay minutes fresh at most, and a story growing by an article a second costs one
# summary per gap, not one per article.
STORY_REFRESH_GAP = 5.0
# Daemons sharing a database (PostgreSQL) claim a feed or an entry for this many seconds, and renew the
# claims they hold this many times a lease: a daemon that dies holds nothing after one lease.
LEASE = 60.0
RENEWALS_PER_LEASE = 3
# Seconds between two looks for articles other daemons stored, by the daemon that places them in stories.
ASSIGN_EVERY = 1.0

# -- robots.txt (RFC 9309), read once per site and kept in memory ---------------------------------------
ROBOTS_MAX_BYTES = 512 * 1024  # the start of a larger robots.txt is read; the RFC asks for 500 KiB at least
# How long a robots.txt is trusted: its Cache-Control max-age within these bounds, else the longest, which
# the RFC sets (a cached copy SHOULD NOT be used for more than 24 hours). The shortest keeps a site that
# says max-age=0 from being asked once per page.
ROBOTS_MAX_AGE = 24 * 3600.0
ROBOTS_MIN_AGE = 5 * 60.0
# A robots.txt that answers 5xx or 429, or not at all, disallows the whole site (the RFC's "unreachable")
# for this long; then it is asked again.
ROBOTS_RETRY = 10 * 60.0
ROBOTS_SITES = 1000  # sites whose robots.txt is kept at once; the least recently asked goes first
# A Crawl-delay longer than this is taken as this: one page a minute still lets a feed's articles through.
MAX_CRAWL_DELAY = 60.0


def workers() -> int:
    """Worker processes unless feeds.yaml says: one per core this process may run on (its affinity,
    which a container or `taskset` may narrow below the machine's count)."""
    return len(os.sched_getaffinity(0))
