"""Memory and story-assignment cost as the database grows: empty (the baseline), 10,000 and 100,000 articles.

For each size, a real SQLite database is built through ingest's own API: synthetic articles (made-up
words drawn from a Zipf vocabulary, events with capitalised names, 5 % trimmed copies of an earlier
article of their event on another site; published over --days ending now) go through
`normalize.build_article`, `dedupe.assign.Deduper.place` and `Store.add_article`, as the pipeline stores
them. A first `ingest --once` over a feed with no entries brings every story record up to date (not
measured: the daemon keeps them fresh as it goes). Then
1. `ingest --once` over a loopback feed of --new new pages: peak RSS and PSS of its whole process tree
   (every descendant, see proctree.py) and the deduper's load time from its log (`deduper_loaded`);
2. in this process, the deduper rebuilt from the database as `ingest` does it, then --timed more
   synthetic articles placed one at a time (near-duplicate check and story assignment, with the shingle
   sketch made beforehand as a worker makes it): median and p95 of one placement.
Ratios are against the empty database, measured in the same run.

With --soak SECONDS: the daemon (`ingest`, not --once) on an empty database, polling --soak-feeds feeds
on loopback sites every 2 s, each feed gaining a new article every --churn seconds; the tree's RSS is
sampled every --sample seconds; prints RSS at the start (after the first minute) and at the end, and the
slope; then SIGTERM, and the daemon must exit 0.

    .venv/bin/python bench/scale.py                 # empty and 10,000 stored (a few minutes)
    .venv/bin/python bench/scale.py --large         # and 100,000 (building it takes a while: --keep DIR)
    .venv/bin/python bench/scale.py --sizes --soak 3600   # only the one-hour soak
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from loopback import MIB, Once, ingest_command, ingest_env, loopback_sites, requests_seen, run_once, table
from proctree import TreeWatch, Usage, become_subreaper, reap_descendants
from synthetic import FEED, Generator, Synthetic, feed, page, record

from ingest.dedupe.assign import REPLAY_DAYS, Deduper
from ingest.dedupe.shingles import sketch
from ingest.store import Store
from support.localsite import LocalSite

GIVE_UP = 3600.0  # seconds: one `ingest --once` this long is a hang, killed


# -- building a database --------------------------------------------------------------------------


def build(path: Path, generator: Generator, count: int) -> float:
    """Store `count` synthetic articles at `path` through ingest's store and deduper; seconds taken."""
    started = time.perf_counter()
    store = Store.open(path)
    try:
        store.sync_feeds([(FEED, "synthetic")])
        deduper = Deduper()
        for n, item in enumerate(generator.stored(count), 1):
            article = record(item)
            placed = deduper.place(article, store.same_text(article.content_hash), sketch(article.text))
            article.duplicate_of, article.story_id = placed.duplicate_of, placed.story_id
            store.add_article(article, item.url, placement=placed)
            if n % 10_000 == 0:
                print(f"  {n:,} of {count:,} stored, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    finally:
        store.close()
    return time.perf_counter() - started


def stored_articles(path: Path) -> int:
    store = Store.open(path, create=False)
    try:
        return sum(1 for _ in store.articles())
    finally:
        store.close()


# -- one size -----------------------------------------------------------------------------------------


@dataclass
class Size:
    articles: int
    build_s: float | None = None
    megabytes: float = 0.0
    once: Usage | None = None
    load_s: float | None = None  # from the measured run's deduper_loaded
    rebuild_s: float = 0.0  # in this process
    place_ms: list[float] | None = None


def measure(size: int, args: argparse.Namespace, site: LocalSite, tmp: Path) -> Size:
    generator = Generator(args.days, args.words, args.copies)
    result = Size(size)
    db = tmp / f"scale-{size}.db"
    cached = args.keep / f"scale-{size}.db" if args.keep else None
    if cached and cached.exists():
        shutil.copy(cached, db)
        generator.stored(size)  # the same events, for the new articles to join
        _settled(site, db, tmp)
    else:
        print(f"building a database of {size:,} articles", file=sys.stderr)
        result.build_s = build(db, generator, size)
        _settled(site, db, tmp)
        if cached:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(db, cached)
    result.megabytes = db.stat().st_size / 1e6
    if stored_articles(db) < size:
        sys.exit(f"{db} holds fewer than {size} articles")

    new = generator.fresh(args.new, datetime.now(UTC))
    links = [site.add(f"/new/{size}/{i}.html", page(item)) for i, item in enumerate(new)]
    site.add(f"/feed/{size}.xml", feed(list(zip(links, new, strict=True))), "application/rss+xml")
    once = _once(site, f"/feed/{size}.xml", db, tmp, args.new)
    result.once = once.usage
    result.load_s = next(e["seconds"] for e in once.log if e["event"] == "deduper_loaded")

    store = Store.open(db, create=False)
    try:
        started = time.perf_counter()
        deduper = Deduper.rebuild(
            list(store.fingerprints()), store.recent_articles(REPLAY_DAYS, datetime.now(UTC))
        )
        result.rebuild_s = time.perf_counter() - started
    finally:
        store.close()
    result.place_ms = []
    for item in generator.fresh(args.timed, datetime.now(UTC)):
        article = record(item, datetime.now(UTC))
        shingles = sketch(article.text)
        t0 = time.perf_counter()
        deduper.place(article, None, shingles)
        result.place_ms.append((time.perf_counter() - t0) * 1000)
    return result


def _settled(site: LocalSite, db: Path, tmp: Path) -> None:
    """`ingest --once` over a feed with no entries: every story record written, as the daemon keeps them."""
    site.add("/feed/empty.xml", feed([]), "application/rss+xml")
    _once(site, "/feed/empty.xml", db, tmp, 0)


def _once(site: LocalSite, path: str, db: Path, tmp: Path, expected: int) -> Once:
    config = tmp / "feeds.yaml"
    config.write_text(
        f"min_host_gap: 0s\nfeeds:\n  - url: {site.url(path)}\n    max_entries: {max(expected, 1)}\n"
    )
    once = run_once(config, tmp, "--db", str(db), timeout=GIVE_UP)
    if once.usage.returncode != 0 or once.new != expected:
        sys.exit(
            f"ingest --once exited {once.usage.returncode} and stored {once.new} of {expected} new articles"
        )
    return once


def report(sizes: list[Size], args: argparse.Namespace) -> None:
    base = sizes[0]
    rows = []
    for s in sizes:
        median, p95 = statistics.median(s.place_ms), statistics.quantiles(s.place_ms, n=20)[-1]
        rows.append(
            [
                f"{s.articles:,} stored",
                s.build_s,
                s.megabytes,
                s.once.peak_rss / MIB,
                s.once.peak_pss / MIB,
                s.once.peak_rss / base.once.peak_rss,
                s.load_s,
                s.rebuild_s,
                median,
                p95,
                median / statistics.median(base.place_ms),
            ]
        )
    print(
        f"synthetic articles of ~{args.words} words over {args.days:g} days, {args.copies:.0%} copies; "
        f"`ingest --once` over {args.new} new pages; {args.timed} placements timed in this process"
    )
    table(
        [
            "database",
            "build s",
            "DB MB",
            "RSS MiB",
            "PSS MiB",
            "RSS ratio",
            "load s",
            "rebuild s",
            "place ms",
            "p95 ms",
            "ms ratio",
        ],
        rows,
        first=16,
        width=10,
    )
    print(
        "RSS/PSS: peak of ingest --once's whole tree; load s: its deduper_loaded; "
        "rebuild s, place ms (median),"
        " p95 ms: in this process; ratios against the empty database.  (goal: RSS <= 350 MB at 10,000)"
    )


# -- the soak -----------------------------------------------------------------------------------------


class Churn:
    """Feeds on loopback sites, each gaining a new article every `every` seconds, staggered, until stopped."""

    KEEP = 10  # items a feed lists

    def __init__(self, sites: list[LocalSite], feeds: int, every: float, generator: Generator) -> None:
        self.sites, self.every, self.generator = sites, every, generator
        self.items: list[list[tuple[str, Synthetic]]] = [[] for _ in range(feeds)]
        self.urls = [sites[f % len(sites)].url(f"/f/{f}.xml") for f in range(feeds)]
        self.added = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        for f in range(feeds):
            for _ in range(3):
                self._grow(f)

    def __enter__(self) -> Self:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _grow(self, f: int) -> None:
        site = self.sites[f % len(self.sites)]
        (item,) = self.generator.fresh(1, datetime.now(UTC))
        self.items[f] = [*self.items[f], (site.add(f"/a/{f}/{len(self.items[f])}.html", page(item)), item)]
        site.add(f"/f/{f}.xml", feed(self.items[f][-self.KEEP :]), "application/rss+xml")
        self.added += 1

    def _run(self) -> None:
        feeds = len(self.items)
        due = [self._started + self.every * (1 + f / feeds) for f in range(feeds)]
        while not self._done.wait(0.2):
            now = time.monotonic()
            for f in range(feeds):
                if now >= due[f]:
                    self._grow(f)
                    due[f] += self.every


def soak(args: argparse.Namespace, tmp: Path) -> None:
    generator = Generator(args.days, args.words, args.copies)
    generator.stored(0)
    folder = tmp / "soak"
    folder.mkdir()
    with loopback_sites(args.soak_hosts) as sites:
        churn = Churn(sites, args.soak_feeds, args.churn, generator)
        config = folder / "feeds.yaml"
        config.write_text(
            "min_host_gap: 0s\ndatabase: soak.db\ndefaults:\n  interval: 2s\nfeeds:\n"
            + "".join(f"  - {url}\n" for url in churn.urls)
        )
        become_subreaper()
        samples: list[tuple[float, int, int]] = []
        with churn, open(folder / "out", "w+") as out, open(folder / "err", "w") as err:
            started = time.monotonic()
            proc = subprocess.Popen(
                ingest_command("--config", str(config), "--log-format", "json"),
                stdout=out,
                stderr=err,
                env=ingest_env(),
                text=True,
                start_new_session=True,
            )
            watch = TreeWatch(proc.pid)
            while (elapsed := time.monotonic() - started) < args.soak and proc.poll() is None:
                rss, pss = watch.sample()
                samples.append((elapsed, rss, pss))
                time.sleep(min(args.sample, max(args.soak - elapsed, 0)))
            samples.append((time.monotonic() - started, *watch.sample()))
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = f"none: still running 60 s after SIGTERM, killed ({proc.wait()})"
            reap_descendants(watch)
            out.seek(0)
            log = [json.loads(line) for line in out if line.startswith("{")]
        requests = requests_seen(sites)
    _soak_report(args, samples, log, code, churn.added, requests)


def _soak_report(
    args: argparse.Namespace,
    samples: list[tuple[float, int, int]],
    log: list[dict],
    code: object,
    added: int,
    requests: int,
) -> None:
    settle = min(60.0, args.soak / 2)
    steady = [s for s in samples if s[0] >= settle]
    hours = [t / 3600 for t, _, _ in steady]
    print(
        f"\nsoak: the daemon for {args.soak:g} s, {args.soak_feeds} feeds on {args.soak_hosts} "
        "loopback hosts, "
        f"interval 2 s, a new article per feed every {args.churn:g} s; RSS sampled every {args.sample:g} s"
    )
    rows = []
    for name, column in (("RSS", 1), ("PSS", 2)):
        values = [s[column] / MIB for s in steady]
        slope = statistics.linear_regression(hours, values).slope if len(steady) > 1 else None
        rows.append(
            [
                f"{name} of the whole tree",
                steady[0][column] / MIB,
                steady[-1][column] / MIB,
                max(s[column] for s in samples) / MIB,
                slope,
            ]
        )
    table([f"MiB (from {settle:.0f} s on)", "start", "end", "peak", "MiB/hour"], rows, first=28)
    count = {
        name: sum(e["event"] == name for e in log)
        for name in ("article_stored", "feed_polled", "feed_not_modified", "feed_failed")
    }
    print(
        f"articles published {added:,}, stored {count['article_stored']:,}; polls: {count['feed_polled']:,} "
        f"changed, {count['feed_not_modified']:,} not modified, {count['feed_failed']:,} failed; "
        f"requests served {requests:,}"
    )
    print(f"exit status after SIGTERM: {code}" + ("" if code == 0 else "  <-- expected 0"))


# -- the command ----------------------------------------------------------------------------------


def main() -> None:
    args = _args()
    with tempfile.TemporaryDirectory() as tmp, loopback_sites(1) as (site,):
        if args.sizes:
            sizes = [measure(size, args, site, Path(tmp)) for size in [0, *args.sizes]]
            report(sizes, args)
        if args.soak:
            soak(args, Path(tmp))


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[10_000],
        help="stored articles to measure at, besides the empty database (none: soak only)",
    )
    parser.add_argument("--large", action="store_true", help="also 100,000 stored articles")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep built databases in this folder and reuse them (their articles keep their build's dates)",
    )
    parser.add_argument("--days", type=float, default=180.0, help="the stored articles' publication span")
    parser.add_argument("--words", type=int, default=250, help="words in a synthetic article")
    parser.add_argument("--copies", type=float, default=0.05, help="share of articles copying an earlier one")
    parser.add_argument("--new", type=int, default=5, help="new pages in the measured ingest --once")
    parser.add_argument("--timed", type=int, default=500, help="placements timed in this process")
    parser.add_argument(
        "--soak", type=float, default=0, metavar="SECONDS", help="run the daemon soak this long"
    )
    parser.add_argument("--soak-feeds", type=int, default=50)
    parser.add_argument("--soak-hosts", type=int, default=10)
    parser.add_argument("--churn", type=float, default=20.0, help="seconds between a feed's new articles")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between RSS samples in the soak")
    args = parser.parse_args()
    if args.large:
        args.sizes.append(100_000)
    return args


if __name__ == "__main__":
    main()
