"""Several daemons on one PostgreSQL against one on SQLite, in one run, on a throw-away cluster.

1. Polling F unchanged feeds (default 10,000: 100 on each of 100 loopback sites, every answer a 304 after
   a first, untimed run that stores the validators): one `ingest --once --due` on SQLite, then 1, 2 and 3
   at once on PostgreSQL, the feeds made due again before each round. Feeds/s from the first process's
   start to the last one's exit, and the ratio to SQLite's. The sites' logs must show exactly one request
   per feed per round: two daemons never poll one feed.
2. The import of the dev pages (default 885, spread over 30 sites with a feed each, as bench/once.py
   builds them): `ingest --once` on SQLite, then 1 and 2 daemons at once on PostgreSQL, each on an empty
   database. Pages/s, and the requests the sites counted (each page once).
3. Claim latency: a feed claim (the UPDATE ... FOR UPDATE SKIP LOCKED the daemons run) against a bare
   `SELECT 1` round trip on the same connection; and statements per poll in round 1, from
   pg_stat_statements.

All daemons share this machine's cores, so more daemons cannot make extraction faster here: part 2
shows what coordination costs, not what more machines would gain.

    .venv/bin/python bench/fleet.py [--hosts 100] [--per-host 100] [--pages 885] [--claims 2000]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from loopback import ingest_command, ingest_env, loopback_sites, requests_seen, table
from once import _pages
from polls import serve_feed

from ingest.store import Store
from support.fixturedir import require_fixtures
from support.longimport import rss
from support.pgcluster import PostgresCluster

GIVE_UP = 1800.0


def main() -> None:
    args = _args()
    with tempfile.TemporaryDirectory() as tmp, PostgresCluster(Path(tmp) / "pg", statements=True) as pg:
        folder = Path(tmp)
        polls = _polls(folder / "polls", pg, args)
        imports = _imports(folder / "import", pg, args)
        claims = _claims(pg, args.claims)

    feeds = args.hosts * args.per_host
    print(f"1. {feeds:,} unchanged feeds on {args.hosts} loopback hosts, every answer a 304")
    base = polls[0][1]
    table(
        ["run", "wall s", "feeds/s", "÷ SQLite", "requests", "stmts/poll"],
        [[name, wall, feeds / wall, base / wall, seen, stmts] for name, wall, seen, stmts in polls],
        first=28,
    )
    print(f"\n2. the import of {args.pages} dev pages on 30 sites")
    base = imports[0][1]
    table(
        ["run", "wall s", "pages/s", "÷ SQLite", "stored", "requests"],
        [[name, wall, stored / wall, base / wall, stored, seen] for name, wall, stored, seen in imports],
        first=28,
    )
    claim, bare = claims
    print(
        f"\n3. claim latency over {args.claims:,} claims: median {claim[0] * 1e3:.3f} ms, p99 "
        f"{claim[1] * 1e3:.3f} ms; a bare SELECT 1 round trip: median {bare[0] * 1e3:.3f} ms "
        f"(claim ÷ round trip {claim[0] / bare[0]:.2f})"
    )


# -- 1. unchanged feeds ----------------------------------------------------------------------------


def _polls(folder: Path, pg: PostgresCluster, args: argparse.Namespace) -> list[tuple[str, float, int, str]]:
    folder.mkdir()
    rows = []
    with loopback_sites(args.hosts) as sites:
        urls = [serve_feed(site, j) for site in sites for j in range(args.per_host)]
        lite = _config(folder / "sqlite", str(folder / "sqlite" / "ingest.db"), urls)
        database = pg.create_database("polls")
        shared = _config(folder / "pg", database, urls)
        for config in (lite, shared):
            _run([config], "--once")  # stores the validators: not timed
        _make_due(str(folder / "sqlite" / "ingest.db"))
        before = requests_seen(sites)
        wall = _run([lite], "--once", "--due")
        rows.append(("SQLite, 1 daemon", wall, requests_seen(sites) - before, "-"))
        for n in (1, 2, 3):
            _make_due(database)
            pg.reset_statements()
            before = requests_seen(sites)
            wall = _run([shared] * n, "--once", "--due")
            per_poll = pg.statements() / len(urls)
            seen = requests_seen(sites) - before
            rows.append((f"PostgreSQL, {n} daemon(s)", wall, seen, f"{per_poll:.1f}"))
    for name, _, seen, _ in rows:
        if seen != len(urls):
            sys.exit(f"{name}: the sites saw {seen} requests, {len(urls)} expected")
    return rows


def _make_due(database: str) -> None:
    """Every feed due now, as once its interval has passed."""
    if database.startswith("postgresql://"):
        with psycopg.connect(database) as conn:
            conn.execute("UPDATE feeds SET next_poll = NULL")
    else:
        with sqlite3.connect(database) as conn:
            conn.execute("UPDATE feeds SET next_poll = NULL")


# -- 2. the import ---------------------------------------------------------------------------------


def _imports(
    folder: Path, pg: PostgresCluster, args: argparse.Namespace
) -> list[tuple[str, float, int, int]]:
    folder.mkdir()
    pages = _pages(require_fixtures(), args.pages)
    rows = []
    runs = [
        ("SQLite, 1 daemon", None, 1),
        ("PostgreSQL, 1 daemon", "import1", 1),
        ("PostgreSQL, 2 daemons", "import2", 2),
    ]
    for name, database, n in runs:
        with loopback_sites(30) as sites:
            urls = []
            for f, site in enumerate(sites):
                links = [site.add(f"/p/{i}.html", pages[i]) for i in range(f, len(pages), len(sites))]
                urls.append((site.add("/feed.xml", rss(links), "application/rss+xml"), len(links)))
            where = folder / (database or "sqlite")
            db = pg.create_database(database) if database else str(where / "ingest.db")
            config = _config(where, db, [u for u, _ in urls], entries=max(n for _, n in urls))
            wall = _run([config] * n, "--once")
            rows.append((name, wall, _stored(db), requests_seen(sites)))
    return rows


def _stored(database: str) -> int:
    store = Store.open(database, create=False)
    try:
        return sum(1 for _ in store.articles())
    finally:
        store.close()


# -- 3. claims -------------------------------------------------------------------------------------


def _claims(pg: PostgresCluster, count: int) -> tuple[tuple[float, float], tuple[float, float]]:
    url = pg.create_database("claims")
    store = Store.open(url)
    bare_connection = psycopg.connect(url, autocommit=True)
    try:
        feeds = [f"http://127.0.0.1/feed/{i}.xml" for i in range(count)]
        store.sync_feeds((feed, feed) for feed in feeds)
        claims, bare = [], []
        for feed in feeds:
            started = time.perf_counter()
            if not store.claim_feed(feed, owner="bench", now=datetime.now(UTC), lease=60.0):
                sys.exit(f"{feed} was not granted")
            claims.append(time.perf_counter() - started)
            started = time.perf_counter()
            bare_connection.execute("SELECT 1").fetchone()
            bare.append(time.perf_counter() - started)
    finally:
        bare_connection.close()
        store.close()
    return _spread(claims), _spread(bare)


def _spread(seconds: list[float]) -> tuple[float, float]:
    return statistics.median(seconds), statistics.quantiles(seconds, n=100)[98]


# -- shared ----------------------------------------------------------------------------------------


def _config(folder: Path, database: str, urls: list[str], entries: int = 30) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "feeds.yaml"
    config.write_text(
        f"database: {database}\nmin_host_gap: 0s\ndefaults:\n  max_entries: {entries}\nfeeds:\n"
        + "".join(f"  - {url}\n" for url in urls)
    )
    return config


def _run(configs: list[Path], *args: str) -> float:
    """Run `ingest ARGS` once per config, all at once; seconds from the first start to the last exit."""
    started = time.perf_counter()
    procs = []
    for n, config in enumerate(configs):
        out = open(config.parent / f"run{n}.err", "w")  # noqa: SIM115 (closed below)
        procs.append((subprocess.Popen(
            ingest_command(*args, "--config", str(config), "--log-format", "json"),
            stdout=subprocess.DEVNULL, stderr=out, env=ingest_env(), cwd=config.parent,
        ), out))
    for proc, out in procs:
        code = proc.wait(GIVE_UP)
        out.close()
        if code != 0:
            sys.exit(f"ingest exited {code}; see {out.name}")
    return time.perf_counter() - started


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=100, help="loopback sites for the unchanged feeds")
    parser.add_argument("--per-host", type=int, default=100, help="unchanged feeds on each site")
    parser.add_argument("--pages", type=int, default=885, help="dev pages to import")
    parser.add_argument("--claims", type=int, default=2000, help="feed claims to time")
    return parser.parse_args()


if __name__ == "__main__":
    main()
