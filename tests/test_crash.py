"""SIGKILL at random points of a long import, again and again: the database stays sound after every kill,
a stored page is never fetched or stored again, and the run that finishes leaves every article once."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from test_daemon import wait_for

from support.localsite import LocalSite
from support.longimport import check_database, kill_group, serve_import, start

PAGES = 150
FEED = "/feed.xml"
# A kill lands this long after the feed's request: from its first page fetches to its last stores.
LATEST_KILL_S = 4.5
# One round in this many is killed during start-up instead (creating the file, migrations, loading models).
STARTUP_KILLS = 4


def test_sigkill_at_random_points_loses_and_repeats_nothing(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    seed = int(os.environ.get("INGEST_CRASH_SEED") or time.time_ns() % 2**32)
    print(f"crash test seed: {seed} (set INGEST_CRASH_SEED to replay)")
    rng = random.Random(seed)
    job = serve_import(site, fixtures, tmp_path, PAGES, feed=FEED)
    pages = set(job.pages)
    stored: set[str] = set()
    rounds = rng.randint(5, 8)

    for round_ in range(rounds):
        seen_before = len(site.requests)
        _run_and_kill(job.command("--once"), tmp_path, site, rng)
        where = f"seed {seed}, round {round_ + 1} of {rounds}"
        refetched = {r.path for r in site.requests[seen_before:]} & stored
        assert not refetched, f"{where}: stored pages fetched again: {sorted(refetched)[:5]}"
        if job.db.exists():  # a kill during start-up may come before the file does
            articles = check_database(job.db)
            stored = {a["url"].removeprefix(site.url("")) for a in articles}
            assert stored <= pages, where
        print(f"{where}: {len(stored)} of {PAGES} stored")

    proc = start(job.command("--once"), tmp_path)
    out, err = proc.communicate(timeout=180)

    assert proc.returncode == 0, f"seed {seed}: {out}{err[-3000:]}"
    articles = check_database(job.db)
    assert sorted(a["url"].removeprefix(site.url("")) for a in articles) == sorted(pages), f"seed {seed}"
    assert out.strip().endswith(f"{PAGES - len(stored)} articles new"), f"seed {seed}: {out}"
    page_hits = [r.path for r in site.requests if r.path in pages]
    assert len(page_hits) >= PAGES  # each page at least once: nothing was stored without its fetch


def _run_and_kill(command: list[str], cwd: Path, site: LocalSite, rng: random.Random) -> None:
    """Start the import and SIGKILL it during start-up, or at a random time after it asked for the feed."""
    polled = len(site.hits(FEED))
    proc = start(command, cwd)
    if rng.randrange(STARTUP_KILLS):
        wait_for(lambda: proc.poll() is not None or site.hits(FEED)[polled:], 60, "the feed's request")
        time.sleep(rng.uniform(0, LATEST_KILL_S))
    else:
        time.sleep(rng.uniform(0, 1.0))
    kill_group(proc)
