"""Near-duplicates and story clustering on the dev set, beside a plain TF-IDF single-link baseline.

Both tracks of `stories/` in the shared fixtures (text: 208 full articles in 54 events; titles:
1,400 headlines in 19 stories) go through the daemon's code path, one article at a time in order
of publication: NearDuplicateIndex.add, then StoryClusterer.assign. Prints B-cubed and pairwise
precision / recall / F1 of ours and of the baseline, which is TF-IDF cosine over title + text
(IDF from the whole track, known in advance: an advantage ours does not get) with single link, at
each of BASELINE_THRESHOLDS: of 0.1-0.6, 0.2 is its best on the text track, 0.3 on the titles track.
Then the cost of one assignment with SYNTHETIC_ARTICLES already stored (synthetic articles drawn
from a Zipf vocabulary with events spread over months): median and p95 of 1,000 more.

    .venv/bin/python bench/stories.py [--fixtures DIR] [--synthetic 100000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.dedupe.clusters import StoryArticle, StoryClusterer
from ingest.dedupe.neardup import NearDuplicateIndex

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the fixture finder, shared with the tests
from support.fixturedir import NOT_FOUND, find_fixtures

BASELINE_THRESHOLDS = (0.2, 0.3)
SYNTHETIC_ARTICLES = 100_000


def main() -> None:
    args = _args()
    for track in ("text", "titles"):
        articles, gold = load_track(args.fixtures, track)
        ours, duplicates = run_ours(articles)
        print(f"\n{track} track: {len(articles)} articles, {len(set(gold.values()))} gold clusters")
        if track == "text":
            right = sum(gold[a] == gold[d] for a, d in duplicates.items())
            print(f"near-duplicates marked: {len(duplicates)} ({right} of them in their original's event)")
        print(
            f"{'':28}{'B3 P':>7}{'B3 R':>7}{'B3 F1':>7}"
            f"{'pair P':>8}{'pair R':>8}{'pair F1':>8}{'clusters':>10}"
        )
        runs = [("ours", ours)]
        runs += [(f"tf-idf single-link @{t}", run_baseline(articles, t)) for t in BASELINE_THRESHOLDS]
        for name, found in runs:
            b3, pairs = bcubed(found, gold), pairwise(found, gold)
            row = "".join(f"{v:>7.3f}" for v in b3) + "".join(f"{v:>8.3f}" for v in pairs)
            print(f"{name:28}{row}{len(set(found.values())):>10}")
    print()
    synthetic_cost(args.synthetic)


def load_track(fixtures: Path, track: str) -> tuple[list[StoryArticle], dict[str, str]]:
    """The track's articles in order of publication, and the gold cluster of each."""
    folder = fixtures / "stories" / track
    rows = [json.loads(line) for line in (folder / "articles.jsonl").open()]
    gold = {row["id"]: row["cluster"] for row in map(json.loads, (folder / "gold.jsonl").open())}
    articles = [
        StoryArticle(
            r["id"], r["title"] or "", r.get("text") or "", _utc(r["published"]), r.get("source", "")
        )
        for r in rows
    ]
    articles.sort(key=lambda a: (a.published, a.id))
    return articles, gold


def run_ours(articles: Iterable[StoryArticle], **settings: float) -> tuple[dict[str, str], dict[str, str]]:
    """Story of every article, and original of every near-duplicate, as the daemon would assign them."""
    index, clusterer = NearDuplicateIndex(), StoryClusterer(**settings)
    duplicates, ids = {}, []
    for article in articles:
        if original := index.add(article.id, article.text):
            duplicates[article.id] = original
            article = replace(article, duplicate_of=original)
        clusterer.assign(article)
        ids.append(article.id)
    # Later merges relabel earlier articles: read every story at the end, as the store would.
    return {a: clusterer.story_of(a) for a in ids}, duplicates


def run_baseline(articles: list[StoryArticle], threshold: float) -> dict[str, str]:
    """TF-IDF cosine over title + text, single link: join every earlier article at or over the threshold."""
    docs = [Counter(_words(f"{a.title} {a.text}")) for a in articles]
    df = Counter(t for d in docs for t in d)
    vectors = []
    for doc in docs:
        vec = {t: (1 + math.log(c)) * math.log(len(docs) / df[t]) for t, c in doc.items()}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        vectors.append({t: w / norm for t, w in vec.items()})
    parent = list(range(len(articles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    postings: dict[str, list[int]] = defaultdict(list)
    for i, vec in enumerate(vectors):
        dots: Counter[int] = Counter()
        for t, w in vec.items():
            for j in postings[t]:
                dots[j] += w * vectors[j][t]
            postings[t].append(i)
        for j, dot in dots.items():
            if dot >= threshold:
                parent[root(j)] = root(i)
    return {a.id: articles[root(i)].id for i, a in enumerate(articles)}


def bcubed(found: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (Bagga and Baldwin), averaged over articles."""
    found_sizes, gold_sizes = Counter(found.values()), Counter(gold.values())
    both = Counter((found[a], gold[a]) for a in gold)
    precision = sum(both[found[a], gold[a]] / found_sizes[found[a]] for a in gold) / len(gold)
    recall = sum(both[found[a], gold[a]] / gold_sizes[gold[a]] for a in gold) / len(gold)
    return precision, recall, _f1(precision, recall)


def pairwise(found: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """Precision, recall and F1 over pairs of articles put in one cluster."""

    def pairs(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    together = pairs(Counter((found[a], gold[a]) for a in gold))
    found_pairs, gold_pairs = pairs(Counter(found[a] for a in gold)), pairs(Counter(gold.values()))
    precision = together / found_pairs if found_pairs else 1.0
    recall = together / gold_pairs if gold_pairs else 1.0
    return precision, recall, _f1(precision, recall)


def synthetic_cost(count: int, timed: int = 1000) -> None:
    """Milliseconds per assignment with `count` synthetic articles already assigned."""
    rng = random.Random(5)
    vocabulary = [f"w{i}" for i in range(50_000)]
    zipf = [1 / (r + 1) for r in range(len(vocabulary))]
    names = [f"Name{i}" for i in range(20_000)]
    start, days = datetime(2025, 1, 1, tzinfo=UTC), 180
    # Most events get one article; words are drawn per article, so reports of one event differ.
    events = [
        (rng.sample(names, 4), rng.sample(vocabulary[2000:], 8), rng.uniform(0, days))
        for _ in range(count // 3)
    ]

    cumulative = list(itertools.accumulate(zipf))

    def article(i: int) -> StoryArticle:
        event = rng.randrange(len(events))
        names_, words_, day = events[event]
        own = rng.sample(names_, 2) + rng.sample(words_, 4)
        common = rng.choices(vocabulary, cum_weights=cumulative, k=110)
        title = " ".join(own + common[:4])
        text = " ".join(own + common)
        when = start + timedelta(days=day + rng.expovariate(1.0))
        return StoryArticle(f"s{i}", title, text, when, source=f"event{event}")  # gold in `source`

    pending = sorted((article(i) for i in range(count + timed)), key=lambda a: a.published)
    clusterer, costs = StoryClusterer(), []
    started = time.perf_counter()
    for a in pending:
        t0 = time.perf_counter()
        clusterer.assign(a)
        costs.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - started
    costs = costs[count:]  # the last arrivals, with `count` articles stored before them
    p95 = statistics.quantiles(costs, n=20)[-1]
    found = {a.id: clusterer.story_of(a.id) for a in pending}
    gold = {a.id: a.source for a in pending}
    f1 = bcubed(found, gold)[2]
    print(
        f"synthetic load: {count:,} articles over {days} days assigned in {total:.1f} s; "
        f"{clusterer.live_stories:,} stories live in the window; "
        f"B-cubed F1 against the generating events {f1:.3f}"
    )
    print(f"one assignment with {count:,} stored: median {statistics.median(costs):.2f} ms, p95 {p95:.2f} ms")


def _words(text: str) -> list[str]:
    return [w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split() if len(w) > 1]


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _utc(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fixtures", type=Path, default=None)
    parser.add_argument("--synthetic", type=int, default=SYNTHETIC_ARTICLES)
    args = parser.parse_args()
    args.fixtures = args.fixtures or find_fixtures() or sys.exit(NOT_FOUND)
    return args


if __name__ == "__main__":
    main()
