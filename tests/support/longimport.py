"""A long import for the crash, concurrency and disk tests: many real fixture pages behind one RSS feed
on a loopback site, a feeds.yaml for it, and the checks a database must pass after anything happened."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sqlite3
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from conftest import ingest_command
from support.localsite import LocalSite, page_html, page_index


@dataclass(frozen=True)
class Import:
    """Pages on a site, the feed that lists them, and the feeds.yaml that polls it."""

    site: LocalSite
    config: Path
    db: Path
    pages: tuple[str, ...]  # the pages' paths on the site

    def command(self, *args: str) -> list[str]:
        return [*ingest_command(), "--config", str(self.config), *args]


def serve_import(
    site: LocalSite, fixtures: Path, folder: Path, count: int, *, feed: str = "/feed.xml", skip: int = 0
) -> Import:
    """Serve `count` fixture pages (the same ones every run, spread over the corpora after the first `skip` in
    id order) and one feed of them."""
    pool = sorted(page_index(fixtures))[skip:]
    ids = pool[:: max(len(pool) // count, 1)][:count]
    links = [
        site.add(f"/p{feed.strip('/').split('.')[0]}/{i}.html", page_html(fixtures, pid))
        for i, pid in enumerate(ids)
    ]
    site.add(feed, rss(links), "application/rss+xml")
    config = folder / "feeds.yaml"
    # One loopback host plays every site: no politeness gap; every entry taken.
    config.write_text(f"min_host_gap: 0s\nfeeds:\n  - url: {site.url(feed)}\n    max_entries: {count}\n")
    paths = tuple(link.removeprefix(site.url("")) for link in links)
    return Import(site, config, folder / "ingest.db", paths)


def rss(links: list[str]) -> str:
    items = "".join(
        f"<item><title>page {i}</title><link>{escape(u)}</link><guid>{escape(u)}</guid></item>"
        for i, u in enumerate(links)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>long import</title>{items}</channel></rss>'
    )


AS_ROOT = os.geteuid() == 0
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def restricted() -> None:
    """A preexec_fn for `ingest`: under root, without the capabilities that ignore permission bits, so that
    a chmod binds it as it binds anyone; SIGXFSZ ignored, so a write past a file size limit set on it later
    (resource.prlimit) fails with EFBIG, as on a full disk, rather than killing it."""
    if AS_ROOT:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
            if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def start(command: list[str], cwd: Path, **popen: object) -> subprocess.Popen[str]:
    """Start `ingest` in a process group of its own, so that it can be killed with its workers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    options: dict[str, object] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE} | popen
    return subprocess.Popen(command, cwd=cwd, env=env, text=True, start_new_session=True, **options)


def kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the process and every worker it started (its own process group), and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=30)


def workers_started(proc: subprocess.Popen[str]) -> bool:
    """Whether `ingest` (started by `start`) has a worker: a process in its group whose parent is not
    `ingest` itself, which the fork server forks only once its preload (the language model) is done."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # Fields after the command's closing parenthesis: state, ppid, pgrp.
            _, ppid, pgrp = stat.read_text().rpartition(")")[2].split()[:3]
        except OSError:
            continue  # ended while we looked
        if int(pgrp) == proc.pid and int(ppid) != proc.pid and int(stat.parent.name) != proc.pid:
            return True
    return False


def check_database(db: Path) -> list[dict]:
    """Assert the file is sound and its tables agree with each other; return its articles."""
    conn = sqlite3.connect(db, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        assert [tuple(row) for row in conn.execute("PRAGMA integrity_check")] == [("ok",)]
        # FTS5's own check: raises if the index and the articles it indexes disagree.
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        articles = [dict(row) for row in conn.execute("SELECT * FROM articles ORDER BY rowid")]
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'stories'").fetchone():
            # Killed between two migrations of a new file: the next run applies the rest.
            assert articles == []
            return articles
        stories = dict(conn.execute("SELECT id, articles FROM stories").fetchall())
        fingerprinted = {row[0] for row in conn.execute("SELECT article_id FROM fingerprints")}
    finally:
        conn.close()
    urls = [a["canonical_url"] for a in articles]
    assert len(urls) == len(set(urls)), [u for u, n in Counter(urls).items() if n > 1]
    assert Counter(a["story_id"] for a in articles) == stories  # every story counted, none empty
    assert fingerprinted <= {a["id"] for a in articles}
    return articles


def events(stderr: str, name: str | None = None) -> list[dict]:
    """The JSON log lines of a run, optionally only those of one event."""
    found = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return [e for e in found if name is None or e["event"] == name]
