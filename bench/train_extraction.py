"""Train the extraction chooser on the dev pages and write src/ingest/extract/chooser.json.

    .venv/bin/python bench/train_extraction.py [--jobs 2] [--cache DIR] [--fixtures DIR] [--out FILE]

Every fixture page's candidate extractions come from the shared cache (bench/extraction_cache.py; the
first run fills it, a few minutes on two cores). Each candidate is finished as production finishes it
(subheads restored, furniture lines dropped) and scored against the gold text; the chooser, a conditional
logit over the candidates (chooser.py, features.py), is fitted in numpy by full-batch Adam from zero
weights: no randomness, so the same pages give the same file. The target of a page is a softmax of its
candidates' F1 (TEMPERATURE), so near-ties share the credit. bench/extraction.py reports the same fit out
of fold, grouped by site; this script only fits on all pages and writes the model.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tld import get_fld

from ingest.extract.candidates import PRODUCTION
from ingest.extract.chooser import MODEL_FILE, Model, assemble, best, scores
from ingest.extract.features import feature_rows
from ingest.extract.lines import STEPS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction_cache import DEFAULT_CACHE, load_all
from extraction_score import Score, score

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the fixture finder, shared with the tests
from support.fixturedir import NOT_FOUND, find_fixtures

SEED = 19  # the fold assignment's shuffle
FOLDS = 5
TEMPERATURE = 0.01  # F1 points: candidates this far apart share the target about 1 : e
L2 = 0.03
ITERATIONS = 600
LEARNING_RATE = 0.05
CANDIDATES = PRODUCTION


@dataclass(frozen=True, slots=True)
class Config:
    """One pipeline to measure: its candidates, the tree they read ("" pruned as production prunes it,
    "raw_" unpruned, "unshielded_" pruned without shield_tables, "unnamed_" pruned without the rule that
    reads furniture in class and id names), and its finishing."""

    names: tuple[str, ...] = CANDIDATES
    tree: str = ""
    headings: bool = True
    steps: frozenset[str] = STEPS
    label: str = "ours"


@dataclass(slots=True)
class Page:
    """One page's candidates as the chooser sees them and as they score once finished."""

    id: str
    origin: str
    site: str
    rows: np.ndarray  # candidates x features
    scored: list[Score]
    texts: list[str] = field(default_factory=list)
    present: list[bool] = field(default_factory=list)  # whether each candidate found any text


def site_of(row: dict) -> str:
    """The registrable host of the page's URL (the page's own id when it has none)."""
    url = row.get("url")
    return (get_fld(url, fail_silently=True) if url else None) or row["id"]


def pages_for(rows: list[dict], records: list[dict], config: Config, jobs: int = 2) -> list[Page]:
    """Every page's feature rows and finished, scored candidates under `config`."""
    work = [(row, record, config) for row, record in zip(rows, records, strict=True)]
    with multiprocessing.Pool(jobs) as pool:
        return pool.map(_page, work, chunksize=16)


def _page(task: tuple[dict, dict, Config]) -> Page:
    row, record, config = task
    prefix = config.tree
    blocks = record.get(f"{prefix}blocks") or {}
    prose = record.get(f"{prefix}prose", 0)
    links = frozenset(record.get(f"{prefix}links", ()))
    meta = record.get("meta") or {}
    slots = [tuple(slot) for slot in record.get(f"{prefix}slots", [])]
    texts = [
        assemble(blocks.get(name, []), slots, meta.get("author"), meta.get("title"),
                 steps=config.steps, headings=config.headings)
        for name in config.names
    ]  # fmt: skip
    rows = np.asarray(feature_rows(blocks, config.names, prose, links), dtype=float)
    scored = [score(text, row["gold_text"]) for text in texts]
    present = [bool(blocks.get(name)) for name in config.names]
    return Page(row["id"], row["id"].split("-")[0], site_of(row), rows, scored, texts, present)


def fit(pages: list[Page], names: tuple[str, ...]) -> Model:
    """The conditional logit's weights, by full-batch Adam from zero (deterministic)."""
    x = np.stack([page.rows for page in pages])  # pages x candidates x features
    f1 = np.array([[s.f1 for s in page.scored] for page in pages])
    target = _softmax(f1 / TEMPERATURE)
    flat = x.reshape(-1, x.shape[-1])
    mean, scale = flat.mean(axis=0), flat.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    w = np.zeros(x.shape[-1])
    m, v = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, ITERATIONS + 1):
        p = _softmax(z @ w)
        grad = np.einsum("nk,nkd->d", p - target, z) / len(pages) + 2 * L2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return Model(names=names, mean=mean, scale=scale, weights=w)


def _softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def pick(model: Model, page: Page) -> int:
    """The index of the candidate the model chooses on a page."""
    return best(scores(model, page.rows.tolist()), page.present or [True] * len(page.scored))


def folds(pages: list[Page]) -> list[int]:
    """Each page's fold: sites shuffled with a fixed seed and dealt round-robin, so no site is in two."""
    sites = sorted({page.site for page in pages})
    order = np.random.default_rng(SEED).permutation(len(sites))
    fold_of = {sites[i]: rank % FOLDS for rank, i in enumerate(order)}
    return [fold_of[page.site] for page in pages]


def out_of_fold(pages: list[Page], names: tuple[str, ...], trainer: Callable = fit) -> list[int]:
    """The candidate each page gets from a model trained on the other folds' sites only."""
    assigned = folds(pages)
    chosen = [0] * len(pages)
    for fold in range(FOLDS):
        model = trainer([p for p, f in zip(pages, assigned, strict=True) if f != fold], names)
        for index, page in enumerate(pages):
            if assigned[index] == fold:
                chosen[index] = pick(model, page)
    return chosen


def read_rows(fixtures: Path, origin: str | None = None, limit: int | None = None) -> list[dict]:
    """The pages of pages.jsonl: of one origin if asked, at most `limit`, spread over the file."""
    lines = (fixtures / "pages" / "pages.jsonl").read_text().split("\n")
    rows = [json.loads(line) for line in lines if line]
    rows = [row for row in rows if origin is None or row["id"].split("-")[0] == origin]
    if limit is not None:
        step = max(len(rows) // max(limit, 1), 1)
        rows = rows[::step][:limit]  # spread over the corpora, the same pages every run
    return rows


def records_for(rows: list[dict], fixtures: Path, cache: Path, jobs: int) -> list[dict]:
    """The cached candidate records of the pages, computed where missing."""
    tasks = [(str(fixtures / "pages" / row["file"]), row.get("url")) for row in rows]
    return load_all(tasks, cache, jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes filling the cache (default 2)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="candidate cache directory")
    parser.add_argument(
        "--fixtures", type=Path, help="shared fixtures (default: $INGEST_FIXTURES, else found)"
    )
    parser.add_argument("--out", type=Path, default=MODEL_FILE, help="where to write the model")
    args = parser.parse_args()
    fixtures = args.fixtures or find_fixtures() or sys.exit(NOT_FOUND)
    rows = read_rows(fixtures)
    pages = pages_for(rows, records_for(rows, fixtures, args.cache, args.jobs), Config())
    model = fit(pages, CANDIDATES)
    args.out.write_text(json.dumps(model.to_json(), indent=1) + "\n")
    chosen = [pick(model, page) for page in pages]
    counts = {name: chosen.count(i) for i, name in enumerate(CANDIDATES)}
    print(f"trained on {len(pages)} pages; in-sample choices {counts}; written to {args.out}")


if __name__ == "__main__":
    main()
