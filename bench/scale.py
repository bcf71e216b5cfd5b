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
import itertools
import json
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Self

from loopback import MIB, Once, ingest_command, ingest_env, loopback_sites, requests_seen, run_once, table
from proctree import TreeWatch, Usage, become_subreaper, reap_descendants

from ingest.dedupe.assign import REPLAY_DAYS, Deduper
from ingest.dedupe.shingles import sketch
from ingest.model import Article, Entry, Extracted
from ingest.normalize import build_article
from ingest.store import Store
from support.localsite import LocalSite

GIVE_UP = 3600.0  # seconds: one `ingest --once` this long is a hang, killed
FEED = "https://synthetic.test/feed.xml"  # the stored articles' feed: never fetched
SITES = 50  # publishers the synthetic articles come from


# -- synthetic articles -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    names: tuple[str, ...]
    words: tuple[str, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class Synthetic:
    url: str
    title: str
    text: str
    published: datetime


class Generator:
    """Articles about events: an event's names and words recur in its reports, over common words that
    follow Zipf's law; sentences start with a capital and end with a full stop."""

    SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"] + ["an", "el", "or", "ist", "ung"]

    def __init__(self, days: float, words: int, copies: float, seed: int = 5) -> None:
        self.rng = random.Random(seed)
        self.words, self.copies = words, copies
        self.vocabulary = list(dict.fromkeys(self._word() for _ in range(40_000)))
        self.weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(self.vocabulary))))
        self.names = list(dict.fromkeys(self._word().capitalize() for _ in range(20_000)))
        self.end = datetime.now(UTC).replace(microsecond=0)
        self.days = days
        self.events: list[Event] = []
        self.earlier: dict[int, Synthetic] = {}  # an event's last article, for copies of it
        self.count = 0

    def stored(self, count: int) -> list[Synthetic]:
        """`count` articles over the last `days`, oldest first; about three per event."""
        start = self.end - timedelta(days=self.days)
        span = max(self.days - 1.0, 0.0)
        first = len(self.events)
        for _ in range(max(count // 3, 1)):
            self.events.append(self._event(start + timedelta(days=self.rng.uniform(0, span))))
        dated = []
        for _ in range(count):
            e = self.rng.randrange(first, len(self.events))
            when = min(self.events[e].at + timedelta(days=self.rng.expovariate(1.0)), self.end)
            dated.append((when, e))
        dated.sort()
        return [self._article(e, when) for when, e in dated]

    def fresh(self, count: int, now: datetime) -> list[Synthetic]:
        """`count` articles published just before `now`: half on events of the last week, half on new ones."""
        recent = [i for i, e in enumerate(self.events) if e.at >= now - timedelta(days=7)]
        articles = []
        for k in range(count):
            if recent and self.rng.random() < 0.5:
                e = self.rng.choice(recent)
            else:
                self.events.append(self._event(now))
                e = len(self.events) - 1
            articles.append(self._article(e, now - timedelta(seconds=count - k)))
        return articles

    def _event(self, at: datetime) -> Event:
        return Event(
            tuple(self.rng.sample(self.names, 4)), tuple(self.rng.sample(self.vocabulary[2000:], 8)), at
        )

    def _article(self, e: int, when: datetime) -> Synthetic:
        self.count += 1
        url = f"https://site{self.rng.randrange(SITES)}.test/{e}/{self.count}"
        copied = self.earlier.get(e)
        if copied is not None and self.rng.random() < self.copies:  # a wire copy, its end trimmed
            cut = copied.text[: int(len(copied.text) * self.rng.uniform(0.8, 1.0))]
            return Synthetic(url, copied.title, cut[: cut.rfind(".") + 1] or cut, when)
        event = self.events[e]
        own = [*self.rng.sample(event.names, 2), *self.rng.sample(event.words, 4)]
        common = self.rng.choices(self.vocabulary, cum_weights=self.weights, k=self.words)
        title = " ".join([*own, *common[:3]])
        words = [*own, *self.rng.sample(event.names, 2), *event.words[:3], *common]
        self.rng.shuffle(words)
        sentences, i = [], 0
        while i < len(words):
            n = self.rng.randint(8, 16)
            sentence = words[i : i + n]
            sentences.append(" ".join([sentence[0].capitalize(), *sentence[1:]]) + ".")
            i += n
        article = Synthetic(url, title[0].upper() + title[1:], " ".join(sentences), when)
        self.earlier[e] = article
        return article

    def _word(self) -> str:
        return "".join(self.rng.choice(self.SYLLABLES) for _ in range(self.rng.randint(1, 3)))


def record(item: Synthetic, fetched: datetime | None = None) -> Article:
    """The stored record of a synthetic article, built as the pipeline builds one from a fetched page."""
    entry = Entry(guid=item.url, link=item.url, title=item.title, published=item.published)
    extracted = Extracted(text=item.text, title=item.title)
    return build_article(
        entry=entry,
        feed_url=FEED,
        feed_tags=(),
        url=item.url,
        extracted=extracted,
        fetched_at=fetched or item.published,
    )


def page(item: Synthetic) -> str:
    """A synthetic article as a web page."""
    paragraphs = "".join(f"<p>{escape(p)}.</p>" for p in item.text.split(". ") if p)
    return (
        f"<html><head><title>{escape(item.title)}</title><meta property='article:published_time' "
        f"content='{item.published.isoformat()}'></head><body><nav><a href='/'>Home</a></nav><article>"
        f"<h1>{escape(item.title)}</h1>{paragraphs}</article><footer>Synthetic news</footer></body></html>"
    )


def feed(items: list[tuple[str, Synthetic]]) -> str:
    """An RSS document listing (page URL, article) pairs, newest first."""
    entries = "".join(
        f"<item><title>{escape(a.title)}</title><link>{escape(u)}</link><guid>{escape(u)}</guid>"
        f"<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
        for u, a in reversed(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>synthetic</title>{entries}</channel></rss>'
    )


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
            store.add_article(article, item.url, fingerprint=placed.fingerprint, merges=placed.merges)
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
