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
Prints, for each run, the times from process start to the first and the last request's arrival at the
sites (from their logs) and to exit; feeds/s of both and the ratio ingest/bare (median over rounds, on
the time to exit, and on the time to the last request), and ingest's start-up before its first request.
Checks that the sites counted exactly the expected requests, each conditional one with the right ETag.

    .venv/bin/python bench/polls.py [--hosts 100] [--per-host 20] [--rounds 5] [--min-host-gap 0]
                                    [--max-connections 16] [--max-per-host 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from loopback import MIB, loopback_sites, requests_seen, run_once, table
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
        urls = [serve_feed(site, j) for site in sites for j in range(args.per_host)]
        config = folder / "feeds.yaml"
        config.write_text(
            f"min_host_gap: {args.min_host_gap}s\nmax_connections: {args.max_connections}\n"
            f"max_per_host: {args.max_per_host}\nfeeds:\n" + "".join(f"  - {url}\n" for url in urls)
        )
        checks = Checks(sites, len(urls))
        checks.expect(*_ingest(config, folder), conditional=False)  # stores the validators: not timed
        job = _bare_job(folder, urls, args)
        rows = []
        for _ in range(args.rounds):
            ours, answered = _ingest(config, folder)
            rows.append(("ingest --once", ours, checks.expect(ours, answered, conditional=True)))
            bare, answered = _bare(job)
            rows.append(("bare aiohttp loop", bare, checks.expect(bare, answered, conditional=True)))

    n = len(urls)
    print(
        f"{n:,} unchanged feeds on {args.hosts} loopback hosts; max_connections {args.max_connections}, "
        f"max_per_host {args.max_per_host}, min_host_gap {args.min_host_gap}s; {args.rounds} round(s)"
    )
    table(
        ["run", "1st req s", "last req s", "exit s", "feeds/s", "CPU s", "RSS MiB"],
        [[name, first, last, u.wall, n / u.wall, u.cpu, u.peak_rss / MIB] for name, u, (first, last) in rows],
        first=20,
    )
    pairs = list(zip(rows[::2], rows[1::2], strict=True))
    by_exit = [b.wall / a.wall for (_, a, _), (_, b, _) in pairs]
    by_last = [b_span[1] / a_span[1] for (_, _, a_span), (_, _, b_span) in pairs]
    ours = statistics.median(n / a.wall for (_, a, _), _ in pairs)
    bare = statistics.median(n / b.wall for _, (_, b, _) in pairs)
    print(
        f"feeds/s, process start to exit: ingest {ours:,.0f}, bare loop {bare:,.0f}; ratio ingest/bare "
        f"{statistics.median(by_exit):.2f} (rounds: {', '.join(f'{r:.2f}' for r in by_exit)})  (goal >= 0.9)"
    )
    print(
        f"the same, process start to the last request's arrival: ratio ingest/bare "
        f"{statistics.median(by_last):.2f} (rounds: {', '.join(f'{r:.2f}' for r in by_last)})"
    )
    startups = [a_span[0] for (_, _, a_span), _ in pairs]
    print(
        "ingest's start-up, process start to its first request's arrival: "
        f"{statistics.median(startups):.2f} s"
        f" (median; the bare loop's {statistics.median(b_span[0] for _, (_, _, b_span) in pairs):.2f} s)"
    )
    print(
        f"requests counted by the sites: {checks.total:,} (expected {checks.expected:,}); every run's "
        f"requests one per feed, conditional after the first, each answered 304"
    )


class Checks:
    """The sites' request logs, checked run by run: one request per feed, all conditional or none, and
    every conditional one answered 304 (as the client reports: ingest's log, the bare loop's count)."""

    def __init__(self, sites: list[LocalSite], feeds: int) -> None:
        self.sites, self.feeds = sites, feeds
        self.expected = 0
        self._checked = {site.host: 0 for site in sites}

    @property
    def total(self) -> int:
        return requests_seen(self.sites)

    def expect(self, usage: Usage, not_modified: int, *, conditional: bool) -> tuple[float, float]:
        """Check the requests since the last call; (first, last) arrival in seconds after process start."""
        new = []
        for site in self.sites:
            new += site.requests[self._checked[site.host] :]
            self._checked[site.host] = len(site.requests)
        self.expected += self.feeds
        problems = []
        if usage.returncode != 0:
            problems.append(f"exited {usage.returncode}")
        if len(new) != self.feeds:
            problems.append(f"{len(new)} requests, {self.feeds} expected")
        carrying = sum(bool(seen.headers.get("If-None-Match")) for seen in new)
        if carrying != (len(new) if conditional else 0):
            problems.append(f"{carrying} of {len(new)} requests carry If-None-Match")
        if not_modified != (self.feeds if conditional else 0):
            problems.append(f"{not_modified} answers 304")
        if problems:
            sys.exit("a run went wrong: " + "; ".join(problems))
        arrivals = [seen.at - usage.started for seen in new]
        return min(arrivals), max(arrivals)


def _ingest(config: Path, folder: Path) -> tuple[Usage, int]:
    """One `ingest --once`; its usage and how many feeds it logged as not modified."""
    once = run_once(config, folder, timeout=GIVE_UP)
    if once.failed:
        sys.exit(f"{once.failed} feeds failed; see {folder / 'once.err'}")
    return once.usage, once.count("feed_not_modified")


def _bare_job(folder: Path, urls: list[str], args: argparse.Namespace) -> Path:
    """The baseline's job file: each feed's URL with the validators ingest stored for it, and the limits."""
    store = Store.open(folder / "ingest.db", create=False)
    try:
        states = [store.feed_state(url) for url in urls]
    finally:
        store.close()
    if missing := [s.url for s in states if not s.etag]:
        sys.exit(f"{len(missing)} feeds have no stored ETag after the first run, e.g. {missing[0]}")
    job = {
        "requests": [[s.url, s.etag, s.last_modified] for s in states],
        "max_connections": args.max_connections,
        "max_per_host": args.max_per_host,
        "min_host_gap": args.min_host_gap,
        "headers": {"User-Agent": defaults.USER_AGENT, "Accept": FEED_ACCEPT},
    }
    path = folder / "bare-job.json"
    path.write_text(json.dumps(job))
    return path


def _bare(job: Path) -> tuple[Usage, int]:
    """One run of the bare loop; its usage and how many 304s it counted."""
    with open(job.with_name("bare.out"), "w+") as out:
        usage = run_tree([sys.executable, str(BARE), str(job)], stdout=out, text=True, timeout=GIVE_UP)
        out.seek(0)
        statuses = json.loads(out.read())["statuses"]
    return usage, statuses.get("304", 0)


def serve_feed(site: LocalSite, j: int) -> str:
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {site.host} {j}</title>'
        f"<link>{site.url('/')}</link><description>nothing new</description></channel></rss>"
    )
    return site.add(f"/feed/{j}.xml", body, "application/rss+xml")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=100, help="loopback sites, from 127.0.0.2 on")
    parser.add_argument("--per-host", type=int, default=20, help="feeds on each site")
    parser.add_argument("--rounds", type=int, default=5, help="pairs of timed runs (ingest, then bare)")
    parser.add_argument("--min-host-gap", type=float, default=0.0, help="seconds, for both")
    parser.add_argument("--max-connections", type=int, default=defaults.MAX_CONNECTIONS)
    parser.add_argument("--max-per-host", type=int, default=defaults.MAX_PER_HOST)
    return parser.parse_args()


if __name__ == "__main__":
    main()
