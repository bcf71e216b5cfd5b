"""A read-only database and a full disk, met by the real `ingest`: one clear line naming the file and what is
wrong, a clean exit (or, for the daemon and a full disk, polling on until space comes back), nothing lost.

A full disk is a file size limit (RLIMIT_FSIZE) put on the running process once it has started: writes
past it fail with EFBIG where a full disk fails with ENOSPC, through the same SQLite and Python paths.
It comes after start-up because py3langid unpacks its 68 MB model into a temporary file then."""

from __future__ import annotations

import resource
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
from test_daemon import wait_for

from support.localsite import LocalSite
from support.longimport import (
    Import,
    check_database,
    events,
    restricted,
    serve_import,
    start,
    workers_started,
)

PAGES = 40
FEED = "/feed.xml"
# Room left for the WAL to grow once the disk "fills": a few articles' commits, not all of them.
ROOM = 160 * 1024


def _run(job: Import, *args: str) -> tuple[int, str, str]:
    """Run `ingest` to its end, bound by permission bits."""
    proc = start(job.command(*args), job.config.parent, preexec_fn=restricted)
    out, err = proc.communicate(timeout=180)
    return proc.returncode, out, err


def _fill_disk_when_polled(proc: subprocess.Popen[str], job: Import) -> None:
    """Once the feed is requested and a worker runs (start-up done, no article stored yet), cap the files of
    `proc`. Capped any sooner, the fork server and its workers would inherit the cap for good and fail to
    unpack the language model, which a real disk, once it has room again, would let them do."""
    wait_for(lambda: job.site.hits(FEED) or proc.poll() is not None, 60, "the feed's request")
    wait_for(lambda: workers_started(proc) or proc.poll() is not None, 60, "a worker")
    used = max(path.stat().st_size for path in job.db.parent.glob("ingest.db*"))
    resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (used + ROOM, resource.RLIM_INFINITY))


def _assert_clean_failure(code: int, err: str, db: Path, *fragments: str) -> str:
    """Exit 1, no traceback, and a last line on stderr naming the database and the problem."""
    assert "Traceback" not in err, err[-3000:]
    assert code == 1, err[-3000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"ingest: {db}: "), last
    for fragment in fragments:
        assert fragment in last, last
    return last


@pytest.fixture
def imported(site: LocalSite, fixtures: Path, tmp_path: Path) -> Import:
    """A first import, done: its articles in the database."""
    job = serve_import(site, fixtures, tmp_path, 8, feed=FEED)
    code, _, err = _run(job, "--once")
    assert code == 0, err[-3000:]
    assert len(check_database(job.db)) == 8
    return job


@pytest.mark.parametrize("command", [["--once"], []], ids=["once", "daemon"])
@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_database_is_fatal_at_start(imported: Import, read_only: str, command: list[str]) -> None:
    target = imported.db if read_only == "file" else imported.db.parent
    mode = target.stat().st_mode
    target.chmod(0o444 if read_only == "file" else 0o555)
    try:
        code, _, err = _run(imported, *command)
    finally:
        target.chmod(mode)

    _assert_clean_failure(code, err, imported.db, "read-only")
    assert len(check_database(imported.db)) == 8


def test_a_full_disk_stops_the_run_and_the_next_run_stores_the_rest(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    job = serve_import(site, fixtures, tmp_path, PAGES, feed=FEED)
    proc = start(job.command("--once"), tmp_path, preexec_fn=restricted)
    _fill_disk_when_polled(proc, job)
    out, err = proc.communicate(timeout=180)

    _assert_clean_failure(proc.returncode, err, job.db, "cannot write", "disk")
    kept = check_database(job.db)
    assert len(kept) < PAGES
    assert len(events(err, "article_stored")) == len(kept)  # every article said to be stored is there

    code, out, err = _run(job, "--once")
    assert code == 0, err[-3000:]
    assert out.strip().endswith(f"{PAGES - len(kept)} articles new")
    everything = check_database(job.db)
    assert len(everything) == PAGES
    assert {a["id"] for a in kept} <= {a["id"] for a in everything}


def test_the_daemon_on_a_full_disk_logs_each_failure_and_stores_all_once_space_returns(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    job = serve_import(site, fixtures, tmp_path, PAGES, feed=FEED)
    job.config.write_text(job.config.read_text() + "    interval: 1s\n")
    log = tmp_path / "daemon.log"
    with log.open("w") as out:
        proc = start(job.command(), tmp_path, stdout=out, stderr=out, preexec_fn=restricted)
    try:
        _fill_disk_when_polled(proc, job)
        wait_for(lambda: len(events(log.read_text(), "store_failed")) >= 2, 60, "two failed polls")
        assert proc.poll() is None  # still polling
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        wait_for(lambda: _count(job.db) == PAGES, 60, "every article, once the disk has room")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)

    assert code == 0
    text = log.read_text()
    assert "Traceback" not in text
    failures = events(text, "store_failed")
    assert all(f["level"] == "error" and f["error"].startswith(f"{job.db}: cannot write") for f in failures)
    assert len(check_database(job.db)) == PAGES


def _count(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
