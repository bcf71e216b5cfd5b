"""Throughput and memory of `ingest --once` against plain trafilatura, measured in the same run.

Serves N real fixture pages and one RSS feed linking them from a loopback server, then times
1. the baseline: `trafilatura.extract` on the same pages, one after another, in this process;
2. `ingest --once` in a subprocess: fetch, extract in worker processes, normalise, store.
Prints pages per second of both, their ratio, and the peak memory of ingest's process tree.

    .venv/bin/python bench/once.py [--pages 200] [--fixtures ../shared/fixtures]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the loopback test server and fixture finder, shared with the tests
from proctree import watch_memory  # beside this script

from support.fixturedir import NOT_FOUND, find_fixtures
from support.localsite import LocalSite


def main() -> None:
    args = _args()
    pages = _pages(args.fixtures, args.pages)
    print(f"{len(pages)} pages, {sum(len(p) for p in pages) / 1e6:.1f} MB of HTML")

    started = time.perf_counter()
    for html in pages:
        trafilatura.extract(html)
    baseline = time.perf_counter() - started

    with LocalSite() as site, tempfile.TemporaryDirectory() as tmp:
        links = [site.add(f"/p/{i}.html", html) for i, html in enumerate(pages)]
        site.add("/feed.xml", _rss(links), "application/rss+xml")
        config = Path(tmp) / "feeds.yaml"
        # One loopback host serves every page: no politeness gap, as a real import spans many hosts.
        config.write_text(f"min_host_gap: 0s\nfeeds:\n  - url: {site.url('/feed.xml')}\n    max_entries: {len(links)}\n")
        ours, peak, stored = _run_ingest(config)

    print(f"{'':24}{'seconds':>10}{'pages/s':>10}")
    print(f"{'trafilatura (1 process)':24}{baseline:>10.2f}{len(pages) / baseline:>10.1f}")
    print(f"{'ingest --once':24}{ours:>10.2f}{len(pages) / ours:>10.1f}")
    print(f"throughput ratio ingest/trafilatura: {baseline / ours:.2f}  ({os.cpu_count()} cores)")
    print(f"articles stored: {stored} of {len(pages)}")
    print(f"peak RSS of ingest's process tree: {peak / 2**20:.0f} MiB")


def _run_ingest(config: Path) -> tuple[float, int, int]:
    ingest = Path(sys.executable).with_name("ingest")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(ingest), "--once", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peak = watch_memory(proc)
    out, _ = proc.communicate()
    elapsed = time.perf_counter() - started
    summary = out.strip().splitlines()[-1]
    stored = int(summary.split(";")[1].split()[0])
    return elapsed, peak, stored


def _pages(fixtures: Path, count: int) -> list[bytes]:
    rows = [json.loads(line) for line in (fixtures / "pages" / "pages.jsonl").read_text().split("\n") if line]
    step = max(len(rows) // count, 1)
    chosen = rows[::step][:count]  # spread over the three corpora, the same pages every run
    return [gzip.decompress((fixtures / "pages" / row["file"]).read_bytes()) for row in chosen]


def _rss(links: list[str]) -> str:
    items = "".join(f"<item><title>page {i}</title><link>{escape(u)}</link></item>" for i, u in enumerate(links))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>bench</title>{items}</channel></rss>'


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--fixtures", type=Path, default=None)
    args = parser.parse_args()
    args.fixtures = args.fixtures or find_fixtures() or sys.exit(NOT_FOUND)
    return args


if __name__ == "__main__":
    main()
