"""Every candidate extraction of every fixture page, computed once and cached by page hash.

One record per page: the candidates of the production pipeline on the pruned tree (and, for the
ablations, on the unpruned tree, on the tree pruned without shield_tables and on the tree pruned without
the furniture-by-class-or-id rule), the benchmark-only candidates, the page's heading slots, link texts
and prose, our metadata, the three trafilatura baselines run as a user would run them
(`trafilatura.extract` on the HTML, comments off; comments off with favor_recall; default options, i.e.
with comments), and the time of each step. The record is a pure function of the page's bytes, its URL
and CACHE_VERSION, so bench/extraction.py and bench/train_extraction.py share it; bump CACHE_VERSION
when a candidate extractor changes. The cache lives in bench/.cache/ (it ignores itself in git) or in
--cache DIR.
"""

from __future__ import annotations

import copy
import dataclasses
import gzip
import hashlib
import json
import logging
import multiprocessing
import time
import warnings
from pathlib import Path

import trafilatura
from dateutil.parser import UnknownTimezoneWarning
from trafilatura.settings import Document

from ingest import defaults
from ingest.extract.article import parse_page
from ingest.extract.candidates import EXTRA, PRODUCTION, extract_candidates
from ingest.extract.errors import ExtractionError
from ingest.extract.headings import heading_slots
from ingest.extract.metadata import read_metadata, read_page
from ingest.extract.prune import prune, shield_tables

CACHE_VERSION = "4"
DEFAULT_CACHE = Path(__file__).resolve().parent / ".cache"
# trafilatura.extract as a user would call it: the options we run with, and the two variants compared.
BASELINES = {
    "plain_off": {"include_comments": False},
    "plain_recall": {"include_comments": False, "favor_recall": True},
    "plain_comments": {},
}


def read_html(path: Path) -> bytes:
    """The page's HTML bytes, as cmd_extract reads a file."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def cache_path(cache: Path, html: bytes, url: str | None) -> Path:
    digest = hashlib.sha1(html + f"\n{url}\n{CACHE_VERSION}".encode()).hexdigest()
    return cache / digest[:2] / f"{digest}.json.gz"


def compute(html: bytes, url: str | None) -> dict:
    """Everything the benchmark and the trainer need of one page."""
    record: dict = {"times": {}, "blocks": {}}
    times = record["times"]
    for name, options in BASELINES.items():
        started = time.perf_counter()
        record[name] = trafilatura.extract(html.decode("utf-8", "replace"), url=url, **options) or ""
        times[name] = time.perf_counter() - started
    started = time.perf_counter()
    try:
        tree = parse_page(html, None, defaults.MAX_ELEMENTS)
    except ExtractionError as exc:
        record["error"] = str(exc)
        return record
    page = read_page(tree)
    raw, unshielded, unnamed = copy.deepcopy(tree), copy.deepcopy(tree), copy.deepcopy(tree)
    times["parse"] = time.perf_counter() - started  # the deep copy is the benchmark's own, a tiny share
    started = time.perf_counter()
    prose = prune(tree)
    shield_tables(tree)
    times["prune"] = time.perf_counter() - started
    for name in PRODUCTION + EXTRA:
        started = time.perf_counter()
        found = extract_candidates(tree, url, prose, names=(name,))
        times[name] = time.perf_counter() - started
        record["blocks"][name] = found.blocks[name]
        if name == PRODUCTION[0]:  # the pass whose metadata production reads
            started = time.perf_counter()
            meta = read_metadata(page, found.doc or Document())
            times["metadata"] = time.perf_counter() - started
            record["meta"] = dataclasses.asdict(meta) | {"tags": list(meta.tags)}
    started = time.perf_counter()
    found = extract_candidates(tree, url, prose, names=())
    record["links"] = sorted(found.links)
    record["slots"] = heading_slots(tree)
    times["page"] = time.perf_counter() - started
    record["prose"] = prose
    _variant(record, "raw_", raw, url, prose_of(raw))
    _variant(record, "unshielded_", unshielded, url, prune(unshielded))
    prose_unnamed = prune(unnamed, by_names=False)
    shield_tables(unnamed)
    _variant(record, "unnamed_", unnamed, url, prose_unnamed)
    return record


def _variant(record: dict, prefix: str, tree: object, url: str | None, prose: int) -> None:
    """The production candidates on another tree, for an ablation: under keys with `prefix`."""
    found = extract_candidates(tree, url, prose, names=PRODUCTION)  # type: ignore[arg-type]
    record[f"{prefix}blocks"] = found.blocks
    record[f"{prefix}slots"] = heading_slots(tree)  # type: ignore[arg-type]
    record[f"{prefix}prose"] = prose
    record[f"{prefix}links"] = sorted(found.links)


def prose_of(tree: object) -> int:
    """The page's prose without pruning anything."""
    from ingest.extract.prune import prose_map

    prose, _ = prose_map(tree)  # type: ignore[arg-type]
    return prose[tree]


def load(task: tuple[str, str | None, str]) -> dict:
    """One page's record, from the cache or computed and cached."""
    path, url, cache = task
    html = read_html(Path(path))
    where = cache_path(Path(cache), html, url)
    if where.exists():
        return json.loads(gzip.decompress(where.read_bytes()))
    record = compute(html, url)
    where.parent.mkdir(parents=True, exist_ok=True)
    partial = where.with_suffix(".part")
    partial.write_bytes(gzip.compress(json.dumps(record, ensure_ascii=False).encode()))
    partial.replace(where)
    return record


def quiet() -> None:
    """Quiet the extractors' logs in a worker."""
    for name in ("trafilatura", "htmldate", "courlan", "justext", "ingest", "readability"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", category=UnknownTimezoneWarning)


def load_all(tasks: list[tuple[str, str | None]], cache: Path, jobs: int) -> list[dict]:
    """Every page's record, in the order of `tasks`, computing the missing ones in `jobs` processes."""
    cache.mkdir(parents=True, exist_ok=True)
    ignore = cache / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    work = [(path, url, str(cache)) for path, url in tasks]
    with multiprocessing.Pool(jobs, initializer=quiet) as pool:
        return pool.map(load, work, chunksize=4)
