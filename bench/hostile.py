"""Wall time and peak memory of `ingest --once` on every hostile case of issue 6, then on all of them at once.

Serves every case on loopback (tests/support/hostile_web.py), then
1. a baseline: `ingest --once` on one good page, for the cost of starting the process and its workers;
2. each case alone, in a subprocess, under limits that end a stalled request within the issue's 5 s
   (timeout 2s, connect_timeout 1s, parse_timeout 3s): seconds, peak RSS of the process tree, RSS above
   the baseline, exit status, and what happened;
3. one run over a good feed of real pages and every case, with the default limits: seconds (goal < 120),
   exit status (must be 1), good articles stored, requests to forbidden addresses (must be 0), peak RSS
   of the process tree (goal < 600 MB).

    .venv/bin/python bench/hostile.py [--fixtures ../shared/fixtures] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the hostile servers and fixture finder, shared with the tests
from proctree import watch_memory  # beside this script

from support.fixturedir import NOT_FOUND, find_fixtures
from support.hostile_web import FAST_DEFAULTS, GOOD_PAGES, Case, HostileWeb, RunLog

MIB = 2**20
GIVE_UP = 600.0  # seconds: a run this long is a hang; it is killed and reported as such


@dataclass
class Run:
    """One finished `ingest --once`."""

    seconds: float
    peak: int  # bytes
    status: int
    stdout: str
    stderr: str
    db: Path


def main() -> None:
    args = _args()
    with HostileWeb(args.fixtures) as web, tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp)
        cases = [c for c in web.cases if not args.only or c.name in args.only]
        print(f"each case alone, in its own `ingest --once`, with {FAST_DEFAULTS}")
        print("(seconds and memory include starting the process and its workers: see the baseline row)")
        print(f"{'case':28}{'seconds':>8}{'peak MiB':>10}{'extra MiB':>10}{'exit':>5}  {'expected':9}outcome")
        base = _report_case(web, web.baseline, None, runs / "baseline")
        for case in cases:
            _report_case(web, case, base, runs / case.name)
        before = web.forbidden_requests()
        mixed = _ingest(web.config(web.cases, good=True), runs / "mixed")
        _report_mixed(web, mixed, web.forbidden_requests() - before, before)


def _report_case(web: HostileWeb, case: Case, base: Run | None, folder: Path) -> Run:
    """Run `case` alone and print its row; `base` is the run the extra memory is counted from (None: this)."""
    before = web.forbidden_requests()
    run = _ingest(web.config([case], good=False, defaults=FAST_DEFAULTS), folder)
    log = RunLog.read(run.stderr)
    leaked = web.forbidden_requests() - before
    verdict = "yes" if log.as_expected(case) and not leaked else f"NO ({leaked} forbidden)"
    print(
        f"{case.name:28}{_row_figures(run, base or run)}{run.status:>5}  {verdict:9}{log.outcome(case)[:90]}"
    )
    return run


def _report_mixed(web: HostileWeb, run: Run, forbidden: int, earlier: int) -> None:
    log = RunLog.read(run.stderr)
    with sqlite3.connect(run.db) as db:
        good = db.execute("SELECT count(*) FROM articles WHERE feed = ?", (web.good_url,)).fetchone()[0]
    expected = sum(log.as_expected(case) for case in web.cases)
    print(
        f"\nall {len(web.cases)} hostile cases and a good feed of {len(GOOD_PAGES)} real pages, default limits:"
    )
    print(f"  wall time: {run.seconds:.1f} s (goal < 120 s)")
    print(f"  exit status: {run.status} (must be 1)")
    print(f"  good feed stored: {good} of {len(GOOD_PAGES)}")
    print(f"  hostile cases as expected: {expected} of {len(web.cases)}")
    print(f"  requests to non-allowed addresses: {forbidden} (must be 0; {earlier} in the runs above)")
    print(f"  peak RSS of the process tree: {run.peak / MIB:.0f} MiB (goal < 600 MB)")


def _row_figures(run: Run, base: Run) -> str:
    return f"{run.seconds:>8.1f}{run.peak / MIB:>10.0f}{(run.peak - base.peak) / MIB:>10.0f}"


def _ingest(config_text: str, folder: Path) -> Run:
    """Run `ingest --once` on `config_text` in a new `folder`; output goes to files, so no pipe fills up."""
    folder.mkdir()
    (folder / "feeds.yaml").write_text(config_text)
    ingest = Path(sys.executable).with_name("ingest")
    with open(folder / "out", "w+") as out, open(folder / "err", "w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(ingest), "--once", "--config", "feeds.yaml"], cwd=folder, stdout=out, stderr=err
        )
        killer = threading.Timer(GIVE_UP, proc.kill)
        killer.start()
        peak = watch_memory(proc)
        killer.cancel()
        seconds = time.perf_counter() - started
        out.seek(0), err.seek(0)
        return Run(seconds, peak, proc.returncode, out.read(), err.read(), folder / "ingest.db")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fixtures", type=Path, default=None)
    parser.add_argument(
        "--only", nargs="*", default=[], help="case names to run alone (the mixed run has all)"
    )
    args = parser.parse_args()
    args.fixtures = args.fixtures or find_fixtures() or sys.exit(NOT_FOUND)
    return args


if __name__ == "__main__":
    main()
