"""Throughput, CPU and memory of `ingest --once` against plain trafilatura, measured in the same run.

Serves N real fixture pages from F loopback sites (127.0.0.2 on), each with one RSS feed listing the pages
it serves (page i on site i mod F; `min_host_gap: 0s`, so no politeness gap, as in a real import spanning
many hosts), then measures
1. the baseline: `trafilatura.extract` on the same pages, one after another, in this process (wall time,
   and CPU time from time.process_time);
2. `ingest --once` in a subprocess: fetch, extract in worker processes, normalise, store; wall time, peak
   RSS and PSS of its whole process tree (every descendant, sampled from /proc), and the user+sys CPU
   seconds of the whole tree (getrusage(RUSAGE_CHILDREN) with this process as child subreaper, so the
   fork server and its workers are counted however they end; see proctree.py);
3. our own extraction in one process pinned to one CPU: `ingest extract` on the same pages saved as files,
   under sched_setaffinity; run once on one page and once on all, the difference being the per-page cost
   without start-up (interpreter, imports, language model).
Prints pages/s of each and the ratios: e2e/plain, pipeline efficiency = e2e pages/s / (usable cores x
our pinned pages/s), the tree's CPU per page against plain trafilatura's, and the tree's peak memory.

    .venv/bin/python bench/once.py [--pages 200] [--feeds 30] [--cpu N] [--fixtures ../shared/fixtures]
    .venv/bin/python bench/once.py --pages 885      # every fixture page
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

import trafilatura
from loopback import (  # beside this script
    MIB,
    ingest_command,
    ingest_env,
    loopback_sites,
    pin_to,
    requests_seen,
    run_once,
    table,
    usable_cores,
)
from proctree import Usage, run_tree

from support.fixturedir import NOT_FOUND, find_fixtures
from support.longimport import rss

GIVE_UP = 1800.0  # seconds: one run this long is a hang, killed


def main() -> None:
    args = _args()
    pages = _pages(args.fixtures, args.pages)
    cores = usable_cores()
    print(f"{len(pages)} pages, {sum(len(p) for p in pages) / 1e6:.1f} MB of HTML")

    started, cpu_started = time.perf_counter(), time.process_time()
    for html in pages:
        trafilatura.extract(html)
    baseline, baseline_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    with tempfile.TemporaryDirectory() as tmp:
        ours, served = _run_ingest(Path(tmp), pages, args.feeds)
        one, every, served["extracted"] = _run_pinned(Path(tmp), pages, args.cpu)

    n = len(pages)
    print(f"{'':24}{'seconds':>10}{'pages/s':>10}")
    print(f"{'trafilatura (1 process)':24}{baseline:>10.2f}{n / baseline:>10.1f}")
    print(f"{'ingest --once':24}{ours.wall:>10.2f}{n / ours.wall:>10.1f}")
    print(f"throughput ratio ingest/trafilatura: {baseline / ours.wall:.2f}  ({os.cpu_count()} cores)")
    print(f"articles stored: {served['stored']} of {n}")
    print(f"peak RSS of ingest's process tree: {ours.peak_rss / MIB:.0f} MiB")

    pinned_rate = (n - 1) / (every.wall - one.wall)  # the one-page run's start-up taken out
    e2e_rate = n / ours.wall
    tree_cpu = _cpu(ours)
    print()
    table(
        ["", "seconds", "pages/s", "CPU ms/page"],
        [
            ["plain trafilatura, 1 process", baseline, n / baseline, 1000 * baseline_cpu / n],
            ["ingest --once, whole tree", ours.wall, e2e_rate, 1000 * tree_cpu / n],
            [
                f"ingest extract on CPU {args.cpu}, {n} pages",
                every.wall,
                n / every.wall,
                1000 * _cpu(every) / n,
            ],
            [f"ingest extract on CPU {args.cpu}, 1 page", one.wall, None, 1000 * _cpu(one)],
            [
                "  difference: ours on 1 CPU",
                every.wall - one.wall,
                pinned_rate,
                1000 * (_cpu(every) - _cpu(one)) / (n - 1),
            ],
        ],
    )
    print()
    print(f"e2e / plain trafilatura, pages/s:                 {e2e_rate / (n / baseline):.2f}  (goal >= 1.2)")
    print(
        f"pipeline efficiency, e2e / ({cores} cores x ours on 1 CPU): "
        f"{e2e_rate / (cores * pinned_rate):.2f}  (goal >= 0.9)"
    )
    print(f"CPU per page, ingest's tree / plain trafilatura:  {tree_cpu / baseline_cpu:.2f}")
    print(
        f"peak of ingest's whole tree: RSS {ours.peak_rss / MIB:.0f} MiB, PSS {ours.peak_pss / MIB:.0f} MiB "
        f"({ours.processes} processes)  (goal <= 350 MB)"
    )
    how = (
        "getrusage, every descendant reaped" if ours.cpu is not None else "/proc samples only: a lower bound"
    )
    print(
        f"tree CPU {tree_cpu:.1f} s ({how}; /proc samples {ours.cpu_sampled:.1f} s): "
        f"{tree_cpu / (ours.wall * cores):.0%} of {cores} usable cores over the run"
    )
    print(
        f"requests served {served['requests']} (expected {served['expected']}); feeds ok {served['ok']}, "
        f"failed {served['failed']}; pages extracted by `ingest extract`: {served['extracted']} of {n}"
    )


def _run_ingest(tmp: Path, pages: list[bytes], feeds: int) -> tuple[Usage, dict[str, int]]:
    """`ingest --once` over the pages spread on `feeds` sites; its usage and what the sites saw."""
    feeds = min(feeds, len(pages))
    with loopback_sites(feeds) as sites:
        lines = ["min_host_gap: 0s", "feeds:"]
        for f, site in enumerate(sites):
            links = [site.add(f"/p/{i}.html", pages[i]) for i in range(f, len(pages), feeds)]
            url = site.add("/feed.xml", rss(links), "application/rss+xml")
            lines += [f"  - url: {url}", f"    max_entries: {len(links)}"]
        config = tmp / "feeds.yaml"
        config.write_text("\n".join(lines) + "\n")
        once = run_once(config, tmp, timeout=GIVE_UP)
        served = {"requests": requests_seen(sites), "expected": feeds + len(pages)}
    if once.usage.returncode != 0 or served["requests"] != served["expected"]:
        print(
            f"warning: ingest exited {once.usage.returncode}; {served['requests']} requests, "
            f"{served['expected']} expected",
            file=sys.stderr,
        )
    return once.usage, served | {"ok": once.ok, "failed": once.failed, "stored": once.new}


def _run_pinned(tmp: Path, pages: list[bytes], cpu: int) -> tuple[Usage, Usage, int]:
    """`ingest extract` on one CPU: on the first page alone, then on every page; and how many of
    them it extracted."""
    folder = tmp / "pages"
    folder.mkdir()
    files = []
    for i, html in enumerate(pages):
        files.append(folder / f"{i:04}.html")
        files[-1].write_bytes(html)
    runs = []
    for chosen in (files[:1], files):
        with open(tmp / "extract.out", "w+") as out:
            runs.append(
                run_tree(
                    ingest_command("extract", *map(str, chosen)),
                    stdout=out,
                    stderr=subprocess.DEVNULL,
                    env=ingest_env(),
                    preexec_fn=pin_to(cpu),
                    timeout=GIVE_UP,
                )
            )
            out.seek(0)
            extracted = sum("error" not in json.loads(line) for line in out if line.strip())
    return runs[0], runs[1], extracted


def _cpu(usage: Usage) -> float:
    return usage.cpu if usage.cpu is not None else usage.cpu_sampled


def _pages(fixtures: Path, count: int) -> list[bytes]:
    rows = [json.loads(line) for line in (fixtures / "pages" / "pages.jsonl").read_text().split("\n") if line]
    step = max(len(rows) // count, 1)
    chosen = rows[::step][:count]  # spread over the three corpora, the same pages every run
    return [gzip.decompress((fixtures / "pages" / row["file"]).read_bytes()) for row in chosen]


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=200, help="fixture pages served (885: all of them)")
    parser.add_argument("--feeds", type=int, default=30, help="loopback sites, one feed each")
    parser.add_argument(
        "--cpu", type=int, default=max(os.sched_getaffinity(0)), help="the CPU the pinned run uses"
    )
    parser.add_argument("--fixtures", type=Path, default=None)
    args = parser.parse_args()
    if args.pages < 2:
        parser.error("--pages: at least 2 (the pinned run's start-up is taken out with a one-page run)")
    args.fixtures = args.fixtures or find_fixtures() or sys.exit(NOT_FOUND)
    return args


if __name__ == "__main__":
    main()
