"""`ingest reextract` through the real command: the pages `--once` kept are extracted again with the
settings feeds.yaml has now; a record whose text changed is rewritten in place and placed again, among
the stories of its days; nothing changes when nothing did; pages not kept are said, not guessed."""

from __future__ import annotations

import json
import sqlite3
from html import escape
from pathlib import Path

import pytest
from test_daemon import start_daemon as start_daemon  # a fixture, used by name
from test_daemon import wait_for
from test_stories_once import _paragraphs, _rss

from conftest import run_ingest
from support.localsite import LocalSite

NO_GAP = "min_host_gap: 0s\n"
TAXES_1 = "basil:6e502405-bc90-4416-a787-3122918aa648_1"  # two outlets' reports of one event...
TAXES_2 = "basil:6e502405-bc90-4416-a787-3122918aa648_2"
TAXES_3 = "basil:6e502405-bc90-4416-a787-3122918aa648_3"
POT_1 = "basil:b764f81f-6d08-4d7c-b1a8-8961bed0a455_1"  # ...and of another
POT_2 = "basil:b764f81f-6d08-4d7c-b1a8-8961bed0a455_2"
DAY = "2016-09-28"


@pytest.fixture(scope="module")
def reports(fixtures: Path) -> dict[str, dict]:
    path = fixtures / "stories" / "text" / "articles.jsonl"
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row["id"]: row for row in rows}


def _page(title: str, parts: dict[str, list[str]]) -> str:
    divs = "".join(
        f"<div id='{key}'>{''.join(f'<p>{escape(p)}</p>' for p in paragraphs)}</div>"
        for key, paragraphs in parts.items()
    )
    head = f"<head><title>{escape(title)}</title></head>"
    return f"<html>{head}<body><h1>{escape(title)}</h1>{divs}</body></html>"


def _rows(db: Path, sql: str) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql)]
    finally:
        conn.close()


@pytest.fixture
def two_feeds(site: LocalSite, other_site: LocalSite, reports: dict[str, dict], tmp_path: Path) -> Path:
    """Wire: a report of each event. Mixed: one page holding a report of each, of which the feed's
    `body` selector takes the pot one (#b) for now."""
    wire = []
    for n, key in enumerate((TAXES_1, POT_1)):
        url = site.add(f"/news/{n}.html", _page(reports[key]["title"], {"main": _paragraphs(reports[key])}))
        wire.append((reports[key]["title"], url, DAY))
    site.add("/wire.xml", _rss(wire), "application/rss+xml")
    both = {"a": _paragraphs(reports[TAXES_2]), "b": _paragraphs(reports[POT_2])}
    mixed = other_site.add("/today.html", _page("Today's report", both))
    other_site.add("/mixed.xml", _rss([("Today's report", mixed, DAY)]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"{NO_GAP}feeds:\n"
        f"  - url: {site.url('/wire.xml')}\n    name: Wire\n    allow_private: true\n"
        f"  - url: {other_site.url('/mixed.xml')}\n    name: Mixed\n    allow_private: true\n    body: '#b'\n"
    )
    return config


def _reextract(config: Path, *args: str) -> tuple[int, str]:
    done = run_ingest("reextract", "--config", str(config), *args, cwd=config.parent)
    return done.returncode, done.stdout + done.stderr


def _placed(db: Path) -> dict[str, tuple[str, str | None]]:
    """Each article's title -> (its text's start, its story)."""
    rows = _rows(db, "SELECT title, text, story_id FROM articles")
    return {row["title"]: (row["text"][:40], row["story_id"]) for row in rows}


def _consistent(db: Path) -> None:
    """What every write must leave: keys satisfied, each story's count its articles', no stale record."""
    assert _rows(db, "SELECT * FROM pragma_foreign_key_check") == []
    counts = _rows(db, """SELECT s.id, s.articles, count(a.id) AS n, s.stale FROM stories s
                          LEFT JOIN articles a ON a.story_id = s.id GROUP BY s.id""")
    assert all(row["articles"] == row["n"] > 0 and not row["stale"] for row in counts), counts
    originals = _rows(db, "SELECT count(*) AS n FROM articles WHERE duplicate_of IS NULL")[0]["n"]
    assert _rows(db, "SELECT count(*) AS n FROM fingerprints")[0]["n"] == originals


def test_reextract_rewrites_what_the_new_settings_change_and_moves_it_to_its_story(
    two_feeds: Path, reports: dict[str, dict]
) -> None:
    config, db = two_feeds, two_feeds.parent / "ingest.db"
    first = run_ingest("--once", "--config", str(config), cwd=config.parent)
    assert first.returncode == 0, first.stdout + first.stderr
    assert len(_rows(db, "SELECT article_id FROM pages")) == 3  # kept by default
    before = _placed(db)
    taxes, pot = reports[TAXES_1]["title"], reports[POT_1]["title"]
    assert before["Today's report"][1] == before[pot][1] != before[taxes][1]  # #b: the pot story
    articles = _rows(db, "SELECT * FROM articles ORDER BY rowid")

    # Nothing changed: nothing is rewritten, and the records are as they were to the byte.
    code, said = _reextract(config)
    assert code == 0, said
    assert "3 pages extracted again: 0 records changed, 0 of them in their text, 0 placed differently" in said
    assert _rows(db, "SELECT * FROM articles ORDER BY rowid") == articles

    # The feed's body selector now names the other report: its record follows, and so does its story.
    config.write_text(config.read_text().replace("body: '#b'", "body: '#a'"))
    code, said = _reextract(config)
    assert code == 0, said
    assert "3 pages extracted again: 1 records changed, 1 of them in their text, 1 placed differently" in said
    after = _placed(db)
    assert after["Today's report"][0] == reports[TAXES_2]["text"].split("\n")[0][:40]
    assert after["Today's report"][1] == after[taxes][1] != after[pot][1]
    ids = [a["id"] for a in _rows(db, "SELECT id FROM articles ORDER BY rowid")]
    assert ids == [a["id"] for a in articles]
    _consistent(db)
    stories = {row["id"]: json.loads(row["sources"]) for row in _rows(db, "SELECT id, sources FROM stories")}
    assert sorted(sum(s.values()) for s in stories.values()) == [1, 2]  # the records were summarised again
    # The full-text index follows the rewritten text.
    search = run_ingest("search", "marijuana", "--config", str(config), "--json", cwd=config.parent)
    assert [json.loads(line)["title"] for line in search.stdout.splitlines()] == [pot]


def test_reextract_takes_only_what_the_filters_select(two_feeds: Path) -> None:
    config = two_feeds
    assert run_ingest("--once", "--config", str(config), cwd=config.parent).returncode == 0
    config.write_text(config.read_text().replace("body: '#b'", "body: '#a'"))
    code, said = _reextract(config, "--feed", "Wire")
    assert code == 0 and "2 pages extracted again: 0 records changed" in said, said
    code, said = _reextract(config, "--since", "2016-09-29")  # the pages are of the 28th
    assert code == 0 and "0 pages extracted again" in said, said


def test_pages_not_kept_are_counted_and_a_vanished_feed_is_skipped(two_feeds: Path) -> None:
    config = two_feeds
    config.write_text("keep_html: false\n" + config.read_text())
    assert run_ingest("--once", "--config", str(config), cwd=config.parent).returncode == 0
    assert _rows(config.parent / "ingest.db", "SELECT * FROM pages") == []
    code, said = _reextract(config)
    assert code == 0 and "0 pages extracted again" in said and "3 articles have no kept page" in said, said

    # Kept again, in another database; then the Mixed feed leaves feeds.yaml, and its settings with it.
    config.write_text(config.read_text().replace("keep_html: false\n", "database: kept.db\n"))
    assert run_ingest("--once", "--config", str(config), cwd=config.parent).returncode == 0
    wire_only = "  - url: ".join(config.read_text().split("  - url: ")[:2])
    config.write_text(wire_only)
    code, said = _reextract(config)
    assert code == 0 and "2 pages extracted again" in said and "1 articles skipped" in said, said


def test_reextract_beside_a_running_daemon_which_then_places_with_what_it_changed(
    two_feeds: Path, reports: dict[str, dict], site: LocalSite, start_daemon
) -> None:
    config, db = two_feeds, two_feeds.parent / "ingest.db"
    config.write_text(config.read_text().replace("name: Wire\n", "name: Wire\n    interval: 2s\n"))
    daemon = start_daemon(config)
    wait_for(lambda: len(daemon.events("article_stored")) == 3, 30, "the three articles")

    config.write_text(config.read_text().replace("body: '#b'", "body: '#a'"))
    code, said = _reextract(config)  # the daemon polls Wire every two seconds meanwhile
    assert code == 0 and "1 records changed, 1 of them in their text, 1 placed differently" in said, said

    # A third report of the event the rewritten article now tells: the daemon, seeing that placements
    # changed under it, reloads its index before placing it.
    listed = [(reports[key]["title"], site.url(f"/news/{n}.html"), DAY)
              for n, key in enumerate((TAXES_1, POT_1))]  # fmt: skip
    report = reports[TAXES_3]
    third = site.add("/news/2.html", _page(report["title"], {"main": _paragraphs(report)}))
    site.add("/wire.xml", _rss([*listed, (report["title"], third, DAY)]), "application/rss+xml")
    wait_for(lambda: len(daemon.events("article_stored")) == 4, 30, "the third report")
    assert daemon.events("deduper_outdated")
    wait_for(lambda: not _rows(db, "SELECT id FROM stories WHERE stale"), 30, "the story records")
    assert daemon.stop() == 0
    placed = _placed(db)
    story = placed[reports[TAXES_1]["title"]][1]
    assert placed[report["title"]][1] == placed["Today's report"][1] == story
    _consistent(db)


def test_reextract_on_postgresql(two_feeds: Path, reports: dict[str, dict], postgres_url: str) -> None:
    config = two_feeds
    first = run_ingest("--once", "--config", str(config), "--db", postgres_url, cwd=config.parent)
    assert first.returncode == 0, first.stdout + first.stderr
    config.write_text(config.read_text().replace("body: '#b'", "body: '#a'"))
    code, said = _reextract(config, "--db", postgres_url)
    assert code == 0, said
    assert "3 pages extracted again: 1 records changed, 1 of them in their text, 1 placed" in said
    done = run_ingest("export", "--config", str(config), "--db", postgres_url, cwd=config.parent)
    stories = {row["title"]: row["story_id"] for row in map(json.loads, done.stdout.splitlines())}
    taxes, pot = (stories[reports[key]["title"]] for key in (TAXES_1, POT_1))
    assert stories["Today's report"] == taxes != pot
