"""Polling unchanged feeds: `ingest --once` against a bare aiohttp loop with the same limits, in one run.

Serves F feeds (default 2,000: 20 on each of 100 loopback sites, 127.0.0.2-127.0.0.101), each a tiny
valid RSS document with an ETag and a Last-Modified, answering 304 to a conditional GET that carries its
validators. A first `ingest --once` stores every feed's validators (not timed). Then, R rounds of:
1. `ingest --once` again: every feed answers 304; timed from process start to exit, its tree's CPU and
   peak memory measured as bench/once.py does;
2. the baseline, bench/polls_bare.py in its own process (so its interpreter start-up counts as ingest's
   does): the same conditional GETs (If-None-Match and If-Modified-Since, as ingest stored them) with
   the same limits (max_connections, max_per_host, min_host_gap of the feeds.yaml used), every answer
   read; timed from process start to exit.
Prints feeds/s of both and the ratio ingest/bare (median over rounds), and from the sites' logs each
run's start-up (process start to the first request's arrival) and its span to the last request's arrival.
Checks that the sites counted exactly the expected requests, each conditional one with the right ETag.

    .venv/bin/python bench/polls.py [--hosts 100] [--per-host 20] [--rounds 3] [--min-host-gap 0]
                                    [--max-connections 16] [--max-per-host 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from loopback import MIB, ingest_command, ingest_env, loopback_sites, requests_seen, summary_counts, table
from proctree import Usage, run_tree

from ingest import defaults
from ingest.run.pipeline import FEED_ACCEPT
from ingest.store import Store
from support.localsite import LocalSite

GIVE_UP = 900.0  # seconds: one run this long is a hang, killed
BARE = Path(__file__).resolve().with_name("polls_bare.py")


def main() -> None:
    args = _args()
    with loopback_sites(args.hosts) as sites, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        urls = [_serve_feed(site, j) for site in sites for j in range(args.per_host)]
        config = folder / "feeds.yaml"
        config.write_text(
            f"min_host_gap: {args.min_host_gap}s\nmax_connections: {args.max_connections}\n"
            f"max_per_host: {args.max_per_host}\nfeeds:\n" + "".join(f"  - {url}\n" for url in urls)
        )
        checks = Checks(sites, len(urls))
        first = _ingest(config, folder, "prime")
        checks.expect(first, conditional=False)
        job = _bare_job(folder / "ingest.db", urls, args)
        rows = []
        for _ in range(args.rounds):
            ours = _ingest(config, folder, "ingest")
            rows.append(("ingest --once", ours, checks.expect(ours, conditional=True)))
            bare = _bare(job)
            rows.append(("bare aiohttp loop", bare, checks.expect(bare, conditional=True)))

    n = len(urls)
    print(f"{n:,} unchanged feeds on {args.hosts} loopback hosts; max_connections {args.max_connections}, "
          f"max_per_host {args.max_per_host}, min_host_gap {args.min_host_gap}s; {args.rounds} round(s)")
    table(
        ["run", "seconds", "feeds/s", "start-up s", "1st-last s", "CPU s", "peak RSS MiB"],
        [
            [name, u.wall, n / u.wall, span[0], span[1] - span[0], u.cpu, u.peak_rss / MIB]
            for name, u, span in rows
        ],
        first=20,
    )
    ours = statistics.median(n / u.wall for name, u, _ in rows if name.startswith("ingest"))
    bare = statistics.median(n / u.wall for name, u, _ in rows if name.startswith("bare"))
    ratios = [n / a.wall / (n / b.wall) for (_, a, _), (_, b, _) in zip(rows[::2], rows[1::2], strict=True)]
    print(f"feeds/s, start-up included: ingest {ours:.0f}, bare loop {bare:.0f}; "
          f"ratio ingest/bare {statistics.median(ratios):.2f} (per round: "
          f"{', '.join(f'{r:.2f}' for r in ratios)})  (goal >= 0.9)")
    startups = [span[0] for name, _, span in rows if name.startswith("ingest")]
    print(f"ingest's start-up before its first request: {statistics.median(startups):.2f} s (median)")
    print(f"requests counted by the sites: {checks.total:,} (expected {checks.expected:,}), every check passed")


class Checks:
    """The sites' request log, checked run by run: exactly one request per feed, conditional or not."""

    def __init__(self, sites: list[LocalSite], feeds: int) -> None:
        self.sites, self.feeds, self.expected, self.total = sites, feeds, 0, 0

    def expect(self, usage: Usage, *, conditional: bool) -> tuple[float, float]:
        """Check the requests since the last call; (first, last) arrival in seconds after process start."""
        if usage.returncode != 0:
            sys.exit(f"a run exited {usage.returncode}")
        self.expected += self.feeds
        new = [seen for site in self.sites for seen in site.requests[self._counted(site) :]]
        self.total = requests_seen(self.sites)
        if self.total != self.expected:
            sys.exit(f"the sites counted {self.total} requests, {self.expected} expected")
        for site in self.sites:
            site.counted = len(site.requests)  # type: ignore[attr-defined]
        etags = {seen.path: seen.headers.get("If-None-Match") for seen in new}
        wrong = [path for path, etag in etags.items() if (etag == _etag_of(path)) != conditional]
        if len(etags) != len(new) // len(self.sites) * 0 + len(new) and wrong:
            pass
        if wrong:
            sys.exit(f"{len(wrong)} requests {'without' if conditional else 'with'} the feed's ETag, e.g. {wrong[0]}")
        arrivals = [seen.at - usage.started for seen in new]
        return min(arrivals), max(arrivals)

    @staticmethod
    def _counted(site: LocalSite) -> int:
        return getattr(site, "counted", 0)


def _serve_feed(site: LocalSite, j: int) -> str:
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {site.host} {j}</title>'
        f"<link>{site.url('/')}</link><description>nothing new</description></channel></rss>"
    )
    return site.add(f"/feed/{j}.xml", body, "application/rss+xml")
