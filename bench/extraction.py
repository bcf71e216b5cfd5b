r"""Extraction quality and cost, honestly: ours out of fold against trafilatura as we configure it.

    .venv/bin/python bench/extraction.py [--jobs 2] [--origin wcxb] [--limit N] [--worst 15]
                                         [--no-ablation] [--no-live] [--json results.json]
                                         [--cache DIR] [--fixtures DIR]
    .venv/bin/python bench/train_extraction.py      # refit the shipped chooser (same cache)

Every fixture page (`pages/pages.jsonl` of the shared fixtures) has its candidate extractions computed
once and cached by page hash (bench/extraction_cache.py, in bench/.cache/): filling the cache takes about
three minutes on two cores; with it filled, a whole run takes under four (under two with --no-ablation).

Text, out of fold (the headline). Our extraction (src/ingest/extract/article.py) prunes furniture from the
tree (prune.py), runs three candidate extractors on it (candidates.py: trafilatura with comments off and
favor_recall, trafilatura's readability fork, the prose container), chooses one per page with a learned
model (chooser.py, features.py), puts back lost subheads (headings.py) and drops furniture lines (lines.py).
A model scored on the pages it was trained on would flatter it, so every page's text here comes from a
model trained on the other folds only: five folds grouped by site (the URL's registrable host, so no
site's pages are in both the training and the scoring fold; a page without a URL is its own site),
shuffled with a fixed seed (bench/train_extraction.py: SEED, FOLDS). The chosen candidate is finished as
production finishes it (chooser.assemble). The baselines are `trafilatura.extract` on the page's HTML:
with `include_comments=False` (the option we run it with), the same with `favor_recall=True`, and the
default options (comments on), which the earlier version of this benchmark compared against.

Scores (extraction_score.py): 4-token shingles compared as multisets, P = shared / predicted, R = shared /
gold; mean P over pages with a prediction, mean R over all pages, F1 their harmonic mean.

Ablation: every layer of the pipeline (and each step of lines.py, and each candidate) is removed in turn,
the chooser retrained out of fold without it, and the F1 difference printed (negative: the layer helps
out of fold); an ADDED row adds a candidate instead. Body recovery (the old recover.py: the default pass
widened with the recall pass's blocks) lost out of fold: 0.9475 with it as a fourth candidate against
0.9486 without, 0.9483 in place of the recall pass (and a second trafilatura pass to pay); it is gone.
The boilerplate rules themselves (prune.py, lines.py, patterns.py) were written looking at these pages,
so their figures are in-sample for their author, not for the chooser.

Live (skipped with --no-live): `ingest extract`'s own path (`standalone.article_from_file`: the shipped
model) and plain trafilatura (comments off) run in the same worker processes, page by page, taking turns
at going first, each call timed with time.perf_counter inside the worker, for the per-page cost ratio
(goal: at most 2) and the metadata. Metadata (extraction_meta.py), on the readability pages that have the
gold field, then WCXB's as a second look; language on all pages. Last, on a sample of 40 pages, it checks
that `extract_article` returns what the cached candidates give with the shipped model: that the cache is
production's.

WCXB checks: must-include passes when every `gold_with` snippet occurs in the text, must-exclude when no
`gold_without` snippet does (folded as the metadata is).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from ingest.extract import ExtractionError
from ingest.extract.article import extract_article
from ingest.extract.chooser import assemble, shipped_model
from ingest.extract.lines import STEPS
from ingest.run.standalone import article_from_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction_cache import DEFAULT_CACHE, quiet, read_html
from extraction_meta import FIELDS, correct, fold, same_language
from extraction_score import Score, means, score
from train_extraction import CANDIDATES, Config, Page, out_of_fold, pages_for, read_rows, records_for

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the fixture finder, shared with the tests
from support.fixturedir import NOT_FOUND, find_fixtures

ORIGINS = ("readability", "newspaper", "wcxb")
META_ORIGINS = ("readability", "wcxb")  # readability's gold is the reference; WCXB's a second look
BASELINES = (("plain_off", "traf off"), ("plain_recall", "recall"), ("plain_comments", "comments"))
COST_GOAL = 2.0
CONSISTENCY_SAMPLE = 40  # pages
# Each layer, and the pipeline without it.
ABLATIONS: tuple[Config, ...] = (
    Config(tree="raw_", label="layer 1: prune + shield_tables (prune.py, patterns.py)"),
    Config(tree="unshielded_", label="layer 1: shield_tables alone (prune.py)"),
    Config(tree="unnamed_", label="layer 1: furniture by class/id words (prune.py)"),
    Config(headings=False, label="subheads put back (headings.py)"),
    Config(steps=frozenset(), label="layer 2: all of drop_boilerplate (lines.py)"),
    *(
        Config(steps=STEPS - {step}, label=f"layer 2 step: {step} (lines.py)")
        for step in ("furniture", "tail", "crumbs", "closing")
    ),
    *(
        Config(names=tuple(n for n in CANDIDATES if n != name), label=f"candidate: {name}")
        for name in CANDIDATES[1:]
    ),
    # Not a removal: what trafilatura's default pass (comments off), the first pass before the chooser,
    # would add as a fourth candidate, at about the cost of the other three together.
    Config(names=(*CANDIDATES, "traf"), label="ADDED candidate: traf (default pass)"),
)


@dataclass(slots=True)
class Live:
    """`ingest extract`'s record and plain trafilatura's time on one page, timed in a worker."""

    id: str
    text: str = ""
    seconds: float = 0.0
    plain_seconds: float = 0.0
    error: str | None = None
    title: str | None = None
    author: str | None = None
    published: str | None = None
    site_name: str | None = None
    language: str | None = None


def _live(task: tuple[int, str, str, str | None]) -> Live:
    index, page_id, path, url = task
    html = read_html(Path(path))
    run = Live(page_id)
    for turn in (0, 1) if index % 2 else (1, 0):
        started = time.perf_counter()
        if turn == 0:
            trafilatura.extract(html, url=url, include_comments=False)
            run.plain_seconds = time.perf_counter() - started
            continue
        try:
            article = article_from_file(html, Path(path), url)
        except ExtractionError as exc:
            run.error = str(exc)
        else:
            run.text, run.title, run.author = article.text, article.title, article.author
            run.published, run.site_name, run.language = (
                article.published,
                article.site_name,
                article.language,
            )
        run.seconds = time.perf_counter() - started
    return run


def _live_all(rows: list[dict], fixtures: Path, jobs: int) -> dict[str, Live]:
    tasks = [
        (i, row["id"], str(fixtures / "pages" / row["file"]), row.get("url")) for i, row in enumerate(rows)
    ]
    with multiprocessing.Pool(jobs, initializer=quiet) as pool:
        pool.map(_live, tasks[:jobs])  # each worker's first-call costs, untimed
        return {run.id: run for run in pool.imap_unordered(_live, tasks, chunksize=4)}


# -- report ---------------------------------------------------------------------------------------------


def _groups(pages: list[Page]) -> list[tuple[str, list[int]]]:
    groups = [("all", list(range(len(pages))))]
    groups += [(o, [i for i, p in enumerate(pages) if p.origin == o]) for o in ORIGINS]
    return [(name, members) for name, members in groups if members]


def _headline(pages: list[Page], ours: list[Score], base: dict[str, list[Score]]) -> None:
    print("\ntext, out of fold (5 folds grouped by site), 4-token shingle F1")
    head = f"{'origin':<13}{'pages':>6}   {'ours P':>7}{'R':>7}{'OOF F1':>8}"
    head += "".join(f"{label:>10}" for _, label in BASELINES) + f"{'OOF - off':>11}"
    print(head)
    for name, members in _groups(pages):
        mine = means([ours[i] for i in members])
        theirs = [means([base[key][i] for i in members])[2] for key, _ in BASELINES]
        cells = f"{mine[0]:>7.3f}{mine[1]:>7.3f}{mine[2]:>8.3f}" + "".join(f"{f:>10.3f}" for f in theirs)
        print(f"{name:<13}{len(members):>6}   {cells}{mine[2] - theirs[0]:>+11.3f}")


def _ablation(rows: list[dict], records: list[dict], full: list[Page], full_f1: dict[str, float]) -> None:
    print("\nablation, out of fold: F1 of the pipeline without the layer minus the full pipeline's")
    print("(negative: the layer helps); ADDED rows: with the candidate added (negative: adding it hurts)")
    print(f"{'without':<56}" + "".join(f"{name:>12}" for name, _ in _groups(full)))
    for config in ABLATIONS:
        pages = pages_for(rows, records, config)
        scored = _chosen(pages, out_of_fold(pages, config.names))
        cells = "".join(f"{means([scored[i] for i in m])[2] - full_f1[n]:>+12.4f}" for n, m in _groups(pages))
        print(f"{config.label:<56}{cells}")
    single = [page.scored[0] for page in full]
    cells = "".join(f"{means([single[i] for i in m])[2] - full_f1[n]:>+12.4f}" for n, m in _groups(full))
    print(f"{'the chooser (the recall pass alone, all layers)':<56}{cells}")


def _chosen(pages: list[Page], chosen: list[int]) -> list[Score]:
    return [page.scored[index] for page, index in zip(pages, chosen, strict=True)]


def _worst(pages: list[Page], ours: list[Score], base: list[Score], count: int) -> None:
    order = sorted(range(len(pages)), key=lambda i: (ours[i].f1, pages[i].id))[:count]
    print(f"\n{len(order)} worst pages of ours (out of fold), by per-page F1")
    print(f"{'id':<34}{'ours F1':>8}{'P/R':>11}{'off F1':>9}{'P/R':>11}")
    for i in order:
        print(f"{pages[i].id:<34}{ours[i].f1:>8.3f}{_pr(ours[i]):>11}{base[i].f1:>9.3f}{_pr(base[i]):>11}")
    lost = [i for i in range(len(pages)) if base[i].f1 - ours[i].f1 > 0.1]
    won = [i for i in range(len(pages)) if ours[i].f1 - base[i].f1 > 0.1]
    print(
        f"pages where ours is more than 0.1 F1 below trafilatura (comments off): {len(lost)}, "
        f"above: {len(won)}"
    )


def _pr(s: Score) -> str:
    return f"{'-' if s.p is None else f'{s.p:.2f}'}/{s.r:.2f}"


def _snippets(pages: list[Page], rows: list[dict], texts: dict[str, list[str]]) -> None:
    wcxb = [i for i, p in enumerate(pages) if p.origin == "wcxb"]
    if not wcxb:
        return
    print(f"\nWCXB snippet checks, {len(wcxb)} pages" + "".join(f"{name:>16}" for name in texts))
    for label, check in (("must-include (all gold_with found)", _includes), ("must-exclude", _excludes)):
        cells = "".join(
            f"{_share(sum(check(t[i], rows[i]) for i in wcxb), len(wcxb)):>16}" for t in texts.values()
        )
        print(f"{label:<34}{cells}")


def _includes(text: str, row: dict) -> bool:
    return all(fold(s) in fold(text) for s in row.get("gold_with") or [])


def _excludes(text: str, row: dict) -> bool:
    return not any(fold(s) in fold(text) for s in row.get("gold_without") or [])


def _share(correct_count: int, total: int) -> str:
    return f"{correct_count}/{total} {100 * correct_count / total:5.1f}%" if total else "-"


def _consistency(rows: list[dict], records: list[dict], fixtures: Path, sample: int) -> None:
    """Whether `extract_article` gives what the cached candidates give once the shipped model chooses
    (the benchmark scores cached candidates; this checks they are production's), on a spread sample."""
    step = max(len(rows) // sample, 1)
    picked = list(zip(rows, records, strict=True))[::step][:sample]
    same = 0
    for row, record in picked:
        html = read_html(fixtures / "pages" / row["file"])
        try:
            text = extract_article(html, row.get("url")).text
        except ExtractionError:
            text = ""
        same += text == _cached_text(record)
    print(f"extract_article equals the cached candidates chosen by the shipped model: {same}/{len(picked)}")


def _live_report(rows: list[dict], pages: list[Page], live: dict[str, Live], records: list[dict]) -> None:
    runs = [live[row["id"]] for row in rows]
    print(
        "\nlive: `ingest extract` (shipped model, trained on all these pages: in-sample) vs trafilatura off"
    )
    shipped = means([score(run.text, row["gold_text"]) for run, row in zip(runs, rows, strict=True)])
    print(f"shipped model, in-sample F1 {shipped[2]:.3f} (P {shipped[0]:.3f}, R {shipped[1]:.3f})")
    print(f"\n{'metadata (gold-bearing pages)':<44}{'ours':>16}")
    for origin in META_ORIGINS:
        scoped = [(run, row) for run, row in zip(runs, rows, strict=True) if row["id"].startswith(origin)]
        for label, key, attr, same_value in FIELDS if scoped else ():
            having = [(run, row) for run, row in scoped if row.get(key)]
            if having:
                right = sum(correct(run, attr, row[key], same_value) for run, row in having)
                print(f"{label + ', ' + origin:<44}{_share(right, len(having)):>16}")
    right = sum(
        correct(run, "language", row["lang"], same_language) for run, row in zip(runs, rows, strict=True)
    )
    print(f"{'language, all pages':<44}{_share(right, len(rows)):>16}")
    ours, plain = sum(r.seconds for r in runs), sum(r.plain_seconds for r in runs)
    print(f"\ncost, timed inside the workers: ours {ours / len(runs):.4f} s/page, trafilatura (comments off)")
    print(
        f"{plain / len(runs):.4f} s/page; per-page cost ratio ours/plain: {ours / plain:.2f}"
        f"  (goal <= {COST_GOAL})"
    )
    failed = [(run.id, run.error or "no text") for run in runs if not run.text]
    print(f"ours: no text on {len(failed)} pages" + "".join(f"\n  {pid}: {why}" for pid, why in failed))


def _cached_text(record: dict) -> str:
    """The cached candidates finished with the shipped model, as production would."""
    from ingest.extract.chooser import choose

    model, meta = shipped_model(), record.get("meta") or {}
    blocks = record.get("blocks") or {}
    if not blocks:
        return ""
    chosen = choose(model, blocks, record.get("prose", 0), frozenset(record.get("links", ())))
    slots = [tuple(slot) for slot in record.get("slots", [])]
    return assemble(blocks[chosen], slots, meta.get("author"), meta.get("title"))


# -- main -----------------------------------------------------------------------------------------------


def main() -> None:
    args = _args()
    rows = read_rows(args.fixtures, args.origin, args.limit)
    print(
        f"{len(rows)} pages ("
        + ", ".join(f"{o} {sum(r['id'].startswith(o) for r in rows)}" for o in ORIGINS)
        + ")"
    )
    started = time.perf_counter()
    records = records_for(rows, args.fixtures, args.cache, args.jobs)
    print(f"candidates ready in {time.perf_counter() - started:.0f} s (cache {args.cache})")
    pages = pages_for(rows, records, Config())
    chosen = out_of_fold(pages, CANDIDATES)
    ours = _chosen(pages, chosen)
    pairs = list(zip(records, rows, strict=True))
    base = {key: [score(rec.get(key, ""), row["gold_text"]) for rec, row in pairs] for key, _ in BASELINES}
    _headline(pages, ours, base)
    counts = ", ".join(f"{name} {chosen.count(i)}" for i, name in enumerate(CANDIDATES))
    print(f"out-of-fold choices: {counts}")
    full_f1 = {name: means([ours[i] for i in members])[2] for name, members in _groups(pages)}
    if not args.no_ablation:
        _ablation(rows, records, pages, full_f1)
    _worst(pages, ours, base["plain_off"], args.worst)
    oof_texts = [page.texts[i] for page, i in zip(pages, chosen, strict=True)]
    _snippets(pages, rows, {"ours OOF": oof_texts, "traf off": [r.get("plain_off", "") for r in records]})
    if not args.no_live:
        started = time.perf_counter()
        live = _live_all(rows, args.fixtures, args.jobs)
        _live_report(rows, pages, live, records)
        _consistency(rows, records, args.fixtures, CONSISTENCY_SAMPLE)
        print(
            f"live pass {time.perf_counter() - started:.0f} s, {args.jobs} processes, {os.cpu_count()} cores"
        )
    if args.json:
        _dump(args.json, pages, ours, base, chosen)


def _dump(
    path: Path, pages: list[Page], ours: list[Score], base: dict[str, list[Score]], chosen: list[int]
) -> None:
    out = [
        {"id": p.id, "origin": p.origin, "site": p.site, "chosen": CANDIDATES[c],
         "ours_p": s.p, "ours_r": s.r, "ours_f1": s.f1,
         **{f"{key}_f1": base[key][i].f1 for key, _ in BASELINES}}
        for i, (p, s, c) in enumerate(zip(pages, ours, chosen, strict=True))
    ]  # fmt: skip
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"\nper-page results written to {path}")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=_positive, default=2, help="worker processes (default 2)")
    parser.add_argument("--origin", choices=ORIGINS, help="only the pages of this corpus")
    parser.add_argument("--limit", type=_positive, help="at most N pages, spread over the corpora")
    parser.add_argument("--worst", type=int, default=15, metavar="N", help="worst pages of ours to list")
    parser.add_argument("--no-ablation", action="store_true", help="skip the layer-by-layer ablation")
    parser.add_argument("--no-live", action="store_true", help="skip the live run (metadata, cost ratio)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write per-page results here")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="candidate cache directory")
    parser.add_argument(
        "--fixtures", type=Path, help="shared fixtures (default: $INGEST_FIXTURES, else found)"
    )
    args = parser.parse_args()
    args.fixtures = args.fixtures or find_fixtures() or sys.exit(NOT_FOUND)
    return args


if __name__ == "__main__":
    main()
