"""One `ingest --once` over a good feed and every hostile case at once, with the default limits: exit 1,
the good feed stored in full, every hostile case failed with its reason, no request to a forbidden address.

bench/hostile.py runs the same mix and prints its wall time and peak memory; here they are only bounded
by the hang guard, the issue's two minutes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import run_ingest
from support.hostile_web import GOOD_PAGES, HostileWeb, RunLog

HANG_GUARD = 120.0


def test_one_run_over_a_good_feed_and_every_hostile_one(fixtures: Path, tmp_path: Path) -> None:
    with HostileWeb(fixtures) as web:
        config = tmp_path / "feeds.yaml"
        config.write_text(web.config(web.cases, good=True))

        done = run_ingest("--once", "--config", str(config), cwd=tmp_path, timeout=HANG_GUARD)

        assert web.forbidden_requests() == 0
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    run = RunLog.read(done.stderr)
    assert not run.feed_errors.get("good") and not run.article_errors.get("good")
    with sqlite3.connect(tmp_path / "ingest.db") as db:
        good = db.execute("SELECT count(*) FROM articles WHERE feed = ?", (web.good_url,)).fetchone()[0]
        charset_texts = [t for (t,) in db.execute("SELECT text FROM articles WHERE feed LIKE '%/page-%'")]
    assert good == len(GOOD_PAGES)
    unexpected = {case.name: run.outcome(case) for case in web.cases if not run.as_expected(case)}
    assert unexpected == {}
    # Every failing feed is named on stdout; the summary counts the good feed among those that were fine.
    failing = [case for case in web.cases if not case.page]
    assert len([line for line in done.stdout.splitlines() if line.startswith("failed: ")]) == len(failing)
    assert charset_texts and all("crème brûlée" in text for text in charset_texts)
