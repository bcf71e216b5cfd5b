"""Several `ingest` daemons on one PostgreSQL database share the work and never do it twice.

Three daemons (real subprocesses, each its own user agent so the server's log tells them apart) poll 300
feeds with 2-second intervals on four loopback sites that carry the 208 reports of the stories' text track;
each report is listed by about three feeds. One daemon is SIGKILLed mid-run and a fourth starts later.
Read from the sites' own request logs and from the database: every article stored once (the same ones as
a single `ingest --once` on SQLite stores from the same web), no feed polled twice within its interval, no
page fetched twice (but those the killed daemon had fetched and not stored), its feeds taken over within a
lease, and the stories one daemon would make of the same articles in the
same order: stories depend on the order articles arrive in, for one daemon as for several.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

import psycopg
import pytest
from test_daemon import wait_for

from conftest import ingest_command
from ingest.dedupe.assign import Deduper
from ingest.run.services import place_in_order
from ingest.store import Store
from support.localsite import LocalSite, Seen
from support.longimport import events, kill_group, serve_import, start
from support.storysite import report_page

HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")
FEEDS = 300
INTERVAL = 2.0
LEASE = 3.0
GAP = 0.01  # seconds between two requests to one host, from the whole fleet
# How late a feed may be polled, past its interval (plus up to 10 % jitter), on two busy cores.
SLACK = 5.0


@pytest.fixture
def web(fixtures: Path) -> Iterator[tuple[list[LocalSite], list[str]]]:
    """The four sites, and the URLs of the 300 feeds they serve."""
    path = fixtures / "stories" / "text" / "articles.jsonl"
    reports = [json.loads(line) for line in path.open(encoding="utf-8")]
    sites = [LocalSite(host).start() for host in HOSTS]
    try:
        pages = [
            sites[n % len(sites)].add(f"/news/{n}.html", report_page(report, f"/img/{n}.jpg"))
            for n, report in enumerate(reports)
        ]
        feeds = []
        for i in range(FEEDS):
            listed = [(pages[k], reports[k]) for k in (i % len(pages), (i + len(pages) // 2) % len(pages))]
            feeds.append(sites[i % len(sites)].add(f"/feeds/{i}.xml", _rss(listed), "application/rss+xml"))
        yield sites, feeds
    finally:
        for site in sites:
            site.stop()


def _rss(listed: list[tuple[str, dict]]) -> str:
    items = "".join(
        f"<item><title>{escape(report['title'])}</title><link>{url}</link><guid>{url}</guid>"
        f"<pubDate>{format_datetime(datetime.fromisoformat(report['published']).astimezone(UTC), True)}"
        "</pubDate></item>"
        for url, report in listed
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>{items}</channel></rss>'


def _config(folder: Path, name: str, database: str, feeds: list[str], gap: float = GAP) -> Path:
    """One daemon's feeds.yaml: the fleet's feeds and database, and a user agent of its own."""
    folder.mkdir()
    config = folder / "feeds.yaml"
    listed = "".join(f"  - {url}\n" for url in feeds)
    config.write_text(
        f"database: {database}\nuser_agent: fleet-{name}\nmin_host_gap: {gap}s\nlease: {LEASE:g}s\n"
        f"workers: 1\ndefaults:\n  interval: {INTERVAL:g}s\nfeeds:\n{listed}"
    )
    return config


def _stories(articles: list[dict]) -> set[frozenset[str]]:
    """The stories as sets of article URLs: ids are random, membership is what must agree."""
    members: dict[str, set[str]] = defaultdict(set)
    for article in articles:
        members[article["story_id"]].add(article["url"])
    return {frozenset(urls) for urls in members.values()}


def _replayed(database: str) -> set[frozenset[str]]:
    """The stories a single daemon makes placing each stored article as it stores it, in stored order."""
    store = Store.open(database, create=False)
    try:
        articles = list(store.articles())
    finally:
        store.close()
    story: dict[str, str] = {}
    for article, placed in place_in_order(articles, Deduper(), lambda _: None):
        for gone, keep in placed.merges:
            story = {url: keep if s == gone else s for url, s in story.items()}
        story[article.url] = placed.story_id
    return _stories([{"url": url, "story_id": s} for url, s in story.items()])


def _export(ingest: list[str], database: str, cwd: Path) -> list[dict]:
    done = subprocess.run([*ingest, "export", "--db", database], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def _count(url: str, *, placed: bool = True) -> int:
    """Articles stored (placed in a story, by default); none before the first daemon made the schema."""
    where = " WHERE story_id IS NOT NULL" if placed else ""
    with psycopg.connect(url) as conn:
        try:
            return conn.execute(f"SELECT count(*) FROM articles{where}").fetchone()[0]
        except psycopg.errors.UndefinedTable:
            return 0


def test_three_daemons_share_the_work_survive_a_kill_and_agree_with_one(
    web: tuple[list[LocalSite], list[str]], postgres_url: str, tmp_path: Path
) -> None:
    sites, feeds = web
    ingest = ingest_command()
    alone = _config(tmp_path / "alone", "alone", str(tmp_path / "alone" / "ingest.db"), feeds)
    single = subprocess.run(
        [*ingest, "--once", "--config", str(alone)], cwd=alone.parent, capture_output=True, text=True
    )
    assert single.returncode == 0, single.stderr[-3000:]
    reference = _export(ingest, str(alone.parent / "ingest.db"), alone.parent)
    for site in sites:
        site.requests.clear()

    configs = {name: _config(tmp_path / name, name, postgres_url, feeds) for name in "ABCD"}
    logs = {name: (tmp_path / name / "daemon.log").open("w") for name in configs}
    procs: dict[str, subprocess.Popen[str]] = {}
    try:
        for name in "ABC":
            procs[name] = start([*ingest, "--config", str(configs[name])], configs[name].parent,
                                stdout=logs[name], stderr=logs[name])
        wait_for(lambda: _count(postgres_url) >= 40, 120, "the first articles")
        # A daemon that only fetches: the assigner's death is a restart of the placing (see the README).
        victim = next(name for name in "ABC" if not events(_log(tmp_path, name), "assigner_started"))
        kill_group(procs[victim])
        killed_at = time.monotonic()
        wait_for(lambda: _count(postgres_url) == len(reference), 180, "every article")
        procs["D"] = start([*ingest, "--config", str(configs["D"])], configs["D"].parent,
                           stdout=logs["D"], stderr=logs["D"])
        wait_for(lambda: any(_agent(s) == "D" for site in sites for s in site.requests), 60, "D's polls")
        time.sleep(2 * INTERVAL)
    finally:
        for name, proc in procs.items():
            if name != victim:
                proc.send_signal(signal.SIGTERM)
        codes = {name: proc.wait(60) for name, proc in procs.items() if name != victim}
        for out in logs.values():
            out.close()
    ended_at = time.monotonic()

    assert set(codes.values()) == {0} and len(codes) == 3
    for name in codes:
        text = _log(tmp_path, name)
        assert "Traceback" not in text, text[-3000:]
        assert not events(text, "feed_failed") and not events(text, "article_failed")

    stored = _export(ingest, postgres_url, tmp_path)
    assert sorted(a["url"] for a in stored) == sorted(a["url"] for a in reference)  # each once
    # Exact across the fleet: the stories one daemon makes of the articles in the order the fleet stored
    # them, as the single daemon's are those of its own order (stories depend on the order of arrival).
    assert _stories(reference) == _replayed(str(alone.parent / "ingest.db"))
    assert _stories(stored) == _replayed(postgres_url)

    seen = [(site.host, s) for site in sites for s in site.requests]
    by_path: dict[str, list[Seen]] = defaultdict(list)
    for host, s in seen:
        by_path[host + s.path].append(s)
    for path, hits in by_path.items():
        hits.sort(key=lambda s: s.at)
        if "/feeds/" in path:
            gaps = [(b.at - a.at, _agent(a), _agent(b)) for a, b in zip(hits, hits[1:], strict=False)]
            assert all(gap >= INTERVAL - 0.5 for gap, _, _ in gaps), (path, gaps)  # never twice at once
            late = [gap for gap, _, _ in gaps if gap > INTERVAL * 1.1 + LEASE + SLACK]
            assert not late, (path, late)  # the killed daemon's feeds were taken over within a lease
            last = hits[-1].at
            assert ended_at - last < INTERVAL * 1.1 + LEASE + SLACK, path
        elif path.endswith("/robots.txt"):
            # Each daemon reads a site's robots.txt for itself, once (it keeps it for a day).
            agents = [_agent(s) for s in hits]
            assert len(agents) == len(set(agents)), (path, agents)
        else:
            # A page is fetched once; again only if the daemon that fetched it first was killed with it.
            assert len(hits) == 1 or _agent(hits[0]) == victim, (path, [_agent(s) for s in hits])
    # The feeds the killed daemon polled last were taken over by the others within a lease.
    taken_over = 0
    for path, hits in by_path.items():
        before = [s for s in hits if s.at < killed_at]
        if "/feeds/" in path and before and _agent(before[-1]) == victim:
            after = [s for s in hits if s.at >= killed_at]
            assert after and after[0].at - before[-1].at <= INTERVAL * 1.1 + LEASE + SLACK, path
            taken_over += 1
    assert taken_over > 0



def test_the_gap_between_requests_to_a_host_holds_for_the_whole_fleet(
    site: LocalSite, postgres_url: str, tmp_path: Path
) -> None:
    """Three `--once --due` runs at once, 30 feeds on one host, a 0.2 s gap: the host sees the fleet's
    requests one gap apart (about 5 a second), not each daemon's (about 15 a second)."""
    gap, count = 0.2, 30
    body = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    feeds = [site.add(f"/feed/{i}.xml", body, "application/rss+xml") for i in range(count)]
    runs = []
    for name in "XYZ":
        config = _config(tmp_path / name, name, postgres_url, feeds, gap=gap)
        runs.append(start([*ingest_command(), "--once", "--due", "--config", str(config)], config.parent))
    outcomes = [proc.communicate(timeout=180) for proc in runs]
    assert [proc.returncode for proc in runs] == [0, 0, 0], [err[-2000:] for _, err in outcomes]

    arrivals = sorted(seen.at for seen in site.requests)
    assert len(arrivals) == count  # each feed polled once, by one of them
    assert len({_agent(seen) for seen in site.requests}) > 1  # and the work was shared
    # Late wake-ups may bunch two requests, but never more than one gap's worth: in any second, at most
    # 1/gap of them, and a second one more.
    busiest = max(sum(a <= b < a + 1 for b in arrivals) for a in arrivals)
    assert busiest <= 1 / gap + 1, busiest
    assert arrivals[-1] - arrivals[0] >= (count - 1) * gap * 0.9


def _log(folder: Path, name: str) -> str:
    return (folder / name / "daemon.log").read_text()


def _agent(seen: Seen) -> str:
    return seen.headers.get("User-Agent", "").removeprefix("fleet-")


def test_a_daemon_whose_database_connections_are_cut_goes_on_and_stores_everything(
    site: LocalSite, fixtures: Path, postgres_url: str, tmp_path: Path
) -> None:
    """The server ends the daemon's sessions twice mid-import (as a restart or a failover does): the
    daemon keeps running, connects again, and stores every article once."""
    job = serve_import(site, fixtures, tmp_path, PAGES_CUT, feed="/feed.xml")
    job.config.write_text(f"database: {postgres_url}\n{job.config.read_text()}    interval: 1s\n")
    log = tmp_path / "daemon.log"
    with log.open("w") as out:
        proc = start([*ingest_command(), "--config", str(job.config)], tmp_path, stdout=out, stderr=out)
    try:
        for stored in (5, 15):
            wait_for(lambda n=stored: _count(postgres_url, placed=False) >= n, 120, f"{stored} articles")
            assert _cut(postgres_url) > 0
        wait_for(lambda: _count(postgres_url) == PAGES_CUT, 120, "every article, placed")
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    with psycopg.connect(postgres_url) as conn:
        urls = [url for (url,) in conn.execute("SELECT url FROM articles")]
    assert len(urls) == len(set(urls)) == PAGES_CUT


PAGES_CUT = 30


def _cut(url: str) -> int:
    """End every other session on the database, as the server does when it restarts; how many."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)
