"""Other processes beside a writing `ingest`: readers never see "database is locked", and a second writer
waits for its turn rather than failing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from test_daemon import wait_for

from conftest import run_ingest
from support.localsite import LocalSite
from support.longimport import check_database, serve_import, start

PAGES = 150
OTHER_PAGES = 30

# A reader as another tool would be: its own read-only connections with Python's default busy timeout (5 s),
# opened and closed again and again, each holding its snapshot `hold` seconds. (Without a busy timeout at
# all, SQLite itself answers a read-only connection SQLITE_BUSY while a commit updates the WAL index, often:
# the README says to set one.)
READER = textwrap.dedent(
    """
    import json, sqlite3, sys, time
    from pathlib import Path
    db, stop, hold = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    reads, errors = 0, []
    while not stop.exists():
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                conn.execute("BEGIN")
                conn.execute("SELECT count(*), max(rowid) FROM articles").fetchone()
                conn.execute("SELECT a.id FROM articles a JOIN stories s ON s.id = a.story_id LIMIT 50").fetchall()
                conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'the' LIMIT 5").fetchall()
                time.sleep(hold)
                conn.execute("COMMIT")
                reads += 1
            finally:
                conn.close()
        except sqlite3.Error as exc:
            errors.append(str(exc))
    print(json.dumps({"reads": reads, "errors": errors[:20]}))
    """
)


def test_readers_and_a_second_writer_beside_a_long_import(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    job = serve_import(site, fixtures, tmp_path, PAGES)
    (tmp_path / "other").mkdir()
    # Other pages than the first feed's (those are every fifth of the first 750): each is one article.
    other = serve_import(site, fixtures, tmp_path / "other", OTHER_PAGES, feed="/other.xml", skip=751)
    # The second writer polls both feeds: the same pages as the first, and pages of its own.
    both = tmp_path / "both.yaml"
    both.write_text(job.config.read_text() + other.config.read_text().split("feeds:\n", 1)[1])
    stop = tmp_path / "stop"

    first = start(job.command("--once"), tmp_path)
    wait_for(
        lambda: site.hits("/feed.xml") or first.poll() is not None, 60, "the database and the first poll"
    )
    readers = [_reader(job.db, stop, hold) for hold in (0.0, 1.0)]
    second = start([*job.command("--once"), "--config", str(both), "--db", str(job.db)], tmp_path)
    exports = _export_until_done(job.db, tmp_path, [first, second])
    stop.touch()

    for proc in (first, second):
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, out + err[-3000:]
        assert "locked" not in err
    for reader in readers:
        out, err = reader.communicate(timeout=60)
        report = json.loads(out)
        assert report["errors"] == [] and report["reads"] > 0, report
    assert exports and all(done.returncode == 0 and "locked" not in done.stderr for done in exports)
    assert [len(done.stdout.splitlines()) for done in exports] == sorted(
        len(d.stdout.splitlines()) for d in exports
    )
    articles = check_database(job.db)
    assert len(articles) == PAGES + OTHER_PAGES


def _reader(db: Path, stop: Path, hold: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", READER, str(db), str(stop), str(hold)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _export_until_done(
    db: Path, cwd: Path, writers: list[subprocess.Popen[str]]
) -> list[subprocess.CompletedProcess[str]]:
    """`ingest export` again and again while any writer runs."""
    done = []
    while any(w.poll() is None for w in writers):
        done.append(run_ingest("export", "--db", str(db), cwd=cwd, timeout=60))
    return done
