"""Near-duplicates and stories end to end: the real `ingest --once` against loopback sites, real SQLite."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

import pytest

from conftest import run_ingest
from support.localsite import LocalSite

NO_GAP = "min_host_gap: 0s\n"

WIRE = "basil:2058ec60-5372-4f5f-83a3-da780be3a350_1"  # a long report, republished below
VETO_1 = "basil:1b96a5db-8974-46d3-82d7-5dfef02f650e_2"  # two outlets' own reports of one event
VETO_2 = "basil:1b96a5db-8974-46d3-82d7-5dfef02f650e_3"
UNRELATED = "basil:01c59743-7082-44fc-8414-3c04126f470f_1"

FURNITURE_A = "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/business'>Business</a></nav>"
FURNITURE_B = (
    "<header><div class='brand'>The Evening Ledger</div><ul><li><a href='/'>Front page</a></li>"
    "<li><a href='/sport'>Sport</a></li></ul></header>"
)


@pytest.fixture(scope="module")
def reports(fixtures: Path) -> dict[str, dict]:
    path = fixtures / "stories" / "text" / "articles.jsonl"
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row["id"]: row for row in rows}


def _page(title: str, paragraphs: list[str], furniture: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs if p.strip())
    return (
        f"<html><head><title>{escape(title)}</title></head><body>{furniture}"
        f"<article><h1>{escape(title)}</h1>{body}</article>"
        "<footer><p>Copyright 2025 All rights reserved.</p></footer></body></html>"
    )


def _rss(items: list[tuple[str, str, str]]) -> str:
    """An RSS document of (title, link, YYYY-MM-DD) items."""
    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(u)}</link><guid>{escape(u)}</guid>"
        f"<pubDate>{format_datetime(datetime.fromisoformat(d).replace(hour=12, tzinfo=UTC), usegmt=True)}"
        "</pubDate></item>"
        for t, u, d in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>{body}</channel></rss>'


def _serve(site: LocalSite, feed: str, pages: list[tuple[str, dict, list[str], str]]) -> str:
    """Serve pages (path, report, paragraphs, furniture) and a feed listing them; return the feed's URL."""
    items = []
    for path, report, paragraphs, furniture in pages:
        url = site.add(path, _page(report["title"], paragraphs, furniture))
        items.append((report["title"], url, report["published"][:10]))
    return site.add(feed, _rss(items), "application/rss+xml")


def _paragraphs(report: dict) -> list[str]:
    return [p for p in report["text"].split("\n") if p.strip()]


def _copy(report: dict) -> list[str]:
    """A republished copy: the first four fifths of the text and a credit line of the site's own."""
    paragraphs = _paragraphs(report)
    return [*paragraphs[: len(paragraphs) * 4 // 5], "Associated Press writers contributed to this report."]


def _rows(db: Path, table: str) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
    finally:
        conn.close()


def _config(tmp_path: Path, *feeds: str) -> Path:
    config = tmp_path / "feeds.yaml"
    config.write_text(NO_GAP + "feeds:\n" + "".join(f"  - {feed}\n" for feed in feeds))
    return config


def test_a_wire_copy_on_another_site_points_at_the_first_and_shares_its_story(
    site: LocalSite, other_site: LocalSite, reports: dict[str, dict], tmp_path: Path
) -> None:
    wire = reports[WIRE]
    one = _serve(site, "/feed.xml", [("/news/walmart.html", wire, _paragraphs(wire), FURNITURE_A)])
    two = _serve(other_site, "/rss.xml", [("/2011/03/walmart-suit", wire, _copy(wire), FURNITURE_B)])

    done = run_ingest("--once", "--config", str(_config(tmp_path, one, two)), cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    first, later = _rows(tmp_path / "ingest.db", "articles")
    assert {first["source"], later["source"]} == {"127.0.0.1", "127.0.0.2"}
    assert first["text"] != later["text"]  # not the same text: the near-duplicate index found it
    assert first["duplicate_of"] is None and later["duplicate_of"] == first["id"]
    assert later["story_id"] == first["story_id"] == first["id"]
    assert [(s["id"], s["articles"]) for s in _rows(tmp_path / "ingest.db", "stories")] == [(first["id"], 2)]
    assert len(_rows(tmp_path / "ingest.db", "fingerprints")) == 2

    exported = run_ingest("export", "--db", str(tmp_path / "ingest.db"), cwd=tmp_path)
    records = {r["id"]: r for r in map(json.loads, exported.stdout.splitlines())}
    assert records[later["id"]]["duplicate_of"] == first["id"]
    assert {r["story_id"] for r in records.values()} == {first["id"]}


def test_two_reports_of_one_event_share_a_story_and_an_unrelated_one_has_its_own(
    site: LocalSite, reports: dict[str, dict], tmp_path: Path
) -> None:
    pages = [
        (f"/{n}.html", reports[rid], _paragraphs(reports[rid]), FURNITURE_A)
        for n, rid in enumerate([VETO_1, UNRELATED, VETO_2])
    ]
    feed = _serve(site, "/feed.xml", pages)

    done = run_ingest("--once", "--config", str(_config(tmp_path, feed)), cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    by_title = {a["title"]: a for a in _rows(tmp_path / "ingest.db", "articles")}
    veto_1, veto_2 = by_title[reports[VETO_1]["title"]], by_title[reports[VETO_2]["title"]]
    other = by_title[reports[UNRELATED]["title"]]
    assert veto_1["story_id"] == veto_2["story_id"]
    assert other["story_id"] not in (veto_1["story_id"], None)
    assert [a["duplicate_of"] for a in by_title.values()] == [None, None, None]
    stories = {s["id"]: s["articles"] for s in _rows(tmp_path / "ingest.db", "stories")}
    assert stories == {veto_1["story_id"]: 2, other["story_id"]: 1}


def test_after_a_restart_a_new_copy_finds_its_original_in_the_stored_fingerprints(
    site: LocalSite, other_site: LocalSite, reports: dict[str, dict], tmp_path: Path
) -> None:
    wire = reports[WIRE]
    one = _serve(site, "/feed.xml", [("/news/walmart.html", wire, _paragraphs(wire), FURNITURE_A)])
    two = other_site.add("/rss.xml", _rss([]), "application/rss+xml")
    config = _config(tmp_path, one, two)
    first_run = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert first_run.returncode == 0, first_run.stdout + first_run.stderr
    [original] = _rows(tmp_path / "ingest.db", "articles")

    _serve(other_site, "/rss.xml", [("/copy.html", wire, _copy(wire), FURNITURE_B)])
    second_run = run_ingest("--once", "--config", str(config), cwd=tmp_path)

    assert second_run.returncode == 0, second_run.stdout + second_run.stderr
    loaded = [e for e in map(json.loads, second_run.stderr.splitlines()) if e["event"] == "deduper_loaded"]
    assert [(e["fingerprints"], e["replayed"]) for e in loaded] == [(1, 1)]
    _, copy = _rows(tmp_path / "ingest.db", "articles")
    assert copy["source"] == "127.0.0.2"
    assert copy["duplicate_of"] == original["id"] and copy["story_id"] == original["story_id"]
    fingerprints = _rows(tmp_path / "ingest.db", "fingerprints")
    assert [(f["article_id"], f["duplicate_of"]) for f in fingerprints] == [
        (original["id"], None),
        (copy["id"], original["id"]),
    ]
