"""SIGTERM during an import whose pages queue behind a host's gap: the queued requests are abandoned at
once, the daemon exits as soon as the requests already sent finish, and what was abandoned is fetched by
the next run. The real `ingest` in a subprocess, a real site on loopback."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from test_daemon import wait_for

from support.localsite import LocalSite
from support.longimport import check_database, events, serve_import, start

PAGES = 20
GAP = 2.0  # seconds between two requests to the site: 20 pages queue for 40 s
GRACE = 20.0


def _page_hits(job) -> list[float]:  # noqa: ANN001 (an Import)
    return [seen.at for path in job.pages for seen in job.site.hits(path)]


def test_sigterm_abandons_requests_queued_behind_a_host_gap(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    job = serve_import(site, fixtures, tmp_path, PAGES)
    job.config.write_text(
        job.config.read_text().replace("min_host_gap: 0s", f"min_host_gap: {GAP:g}s\nshutdown_grace: {GRACE:g}s")
    )
    log = tmp_path / "daemon.log"
    with log.open("w") as out:
        proc = start([*job.command()], tmp_path, stdout=out, stderr=out)
    try:
        wait_for(lambda: len(_page_hits(job)) >= 2, 60, "two pages fetched")
        stopped = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(GRACE + 10)
        took = time.monotonic() - stopped
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0
    assert took < GAP + 3, took  # not the grace period, nor the queue: the one request under way at most
    late = [at for at in _page_hits(job) if at > stopped + 0.5]
    assert not late, late  # nothing queued was sent after the signal
    text = log.read_text()
    assert "Traceback" not in text and not events(text, "polls_cancelled")
    stored = len(check_database(job.db))
    assert 0 < stored < PAGES

    # What was abandoned is not a failure: the next run fetches it.
    job.config.write_text(job.config.read_text().replace(f"min_host_gap: {GAP:g}s", "min_host_gap: 0s"))
    once = start([*job.command("--once")], tmp_path)
    out, err = once.communicate(timeout=180)
    assert once.returncode == 0, err[-3000:]
    assert len(check_database(job.db)) == PAGES
