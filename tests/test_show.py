"""`ingest show` and `ingest export --stories` on a story built by the real `ingest --once` from
fixture reports of one event, served by two loopback sites."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from conftest import run_ingest
from support.localsite import LocalSite
from support.storysite import serve_reports

EVENT = "g5w:israel_indicts_palestinian_teenage_girl_who_punched_soldier_army"
UNRELATED = "basil:01c59743-7082-44fc-8414-3c04126f470f_1"
DAY = re.compile(r"\d\d-\d\d-\d{4}")


@pytest.fixture(scope="module")
def built(fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One --once run over two sites carrying the event's reports and one unrelated report."""
    path = fixtures / "stories" / "text"
    rows = [json.loads(line) for line in (path / "articles.jsonl").open(encoding="utf-8")]
    gold = {r["id"]: r["cluster"] for r in map(json.loads, (path / "gold.jsonl").open(encoding="utf-8"))}
    event = [r for r in rows if gold[r["id"]] == EVENT]
    unrelated = next(r for r in rows if r["id"] == UNRELATED)
    tmp = tmp_path_factory.mktemp("show")
    with LocalSite("127.0.0.1") as one, LocalSite("127.0.0.2") as two:
        feeds = [serve_reports(one, [*event[:4], unrelated]), serve_reports(two, event[4:])]
        config = tmp / "feeds.yaml"
        config.write_text("min_host_gap: 0s\nfeeds:\n" + "".join(f"  - {f}\n" for f in feeds))
        done = run_ingest("--once", "--config", str(config), cwd=tmp)
    assert done.returncode == 0, done.stdout + done.stderr
    conn = sqlite3.connect(tmp / "ingest.db")
    conn.row_factory = sqlite3.Row
    articles = [dict(r) for r in conn.execute("SELECT * FROM articles ORDER BY rowid")]
    stories = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM stories")}
    conn.close()
    texts = {r["title"]: r["text"] for r in [*event, unrelated]}
    return {"db": tmp / "ingest.db", "tmp": tmp, "articles": articles, "stories": stories, "texts": texts}


def _show(built: dict, *args: str) -> list[str]:
    done = run_ingest("show", *args, "--db", str(built["db"]), cwd=built["tmp"])
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _event_story(built: dict) -> str:
    """The story holding most of the event's reports."""
    counts: dict[str, int] = {}
    for article in built["articles"]:
        counts[article["story_id"]] = counts.get(article["story_id"], 0) + 1
    return max(counts, key=counts.__getitem__)


def _section(lines: list[str], start: str, end: str | None) -> list[str]:
    after = lines[lines.index(start) + 1 : lines.index(end) if end else None]
    return [line for line in after if line]


def test_once_writes_every_story_record(built: dict) -> None:
    stories = built["stories"]
    assert stories and all(s["stale"] == 0 for s in stories.values())
    assert all(s["summary"] and s["title"] for s in stories.values())
    story = stories[_event_story(built)]
    assert 3 <= len(json.loads(story["key_points"])) <= 5
    assert story["title"] in built["texts"]  # a real headline, the site's name stripped


def test_show_story_has_the_layout_of_seed_000(built: dict) -> None:
    story_id = _event_story(built)
    members = [a for a in built["articles"] if a["story_id"] == story_id]
    members.sort(key=lambda a: a["published"])  # stable: ties keep the order they were stored in
    assert len(members) >= 4

    lines = _show(built, "story", story_id[:8])  # a prefix is enough, as with git

    day = "-".join(reversed(members[0]["published"][:10].split("-")))
    assert DAY.fullmatch(lines[0]) and lines[0] == day
    assert lines[2] in built["texts"]
    assert lines[4] == f"Date: {day}"
    sources = {}
    for a in members:
        sources[a["source"]] = sources.get(a["source"], 0) + 1
    shown = dict(part.split(": ") for part in lines[5].removeprefix("Sources: ").split(" | "))
    assert lines[5].startswith("Sources: ") and {k: int(v) for k, v in shown.items()} == sources
    assert lines[6] == f"Image for story {story_id}"
    assert re.fullmatch(r"Image Source: http://127\.0\.0\.[12]:\d+/img/\d\.jpg", lines[7])
    assert lines[9] in ("Source: 127.0.0.1", "Source: 127.0.0.2")
    assert lines[11].startswith("Image content: Photo of ")

    every_text = " ".join(a["text"] for a in members)
    summary = _section(lines, "Summary", "Key Points")
    assert len(summary) == 1 and summary[0][:60] in every_text
    points = _section(lines, "Key Points", "Articles in this Cluster")
    assert 3 <= len(points) <= 5 and all(p.startswith("  • ") for p in points)
    assert all(p.removeprefix("  • ")[:50] in every_text for p in points)

    listed = _section(lines, "Articles in this Cluster", None)
    assert listed[0::2] == [a["title"] for a in members]  # each title, in order of publication
    for member, blurb in zip(members, listed[1::2], strict=True):
        assert blurb[:50] in member["text"] or "republished the same report" in blurb


def test_export_stories_matches_what_show_prints(built: dict) -> None:
    done = run_ingest("export", "--stories", "--db", str(built["db"]), cwd=built["tmp"])
    assert done.returncode == 0, done.stderr
    records = {r["id"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert records.keys() == built["stories"].keys()
    story_id = _event_story(built)
    record = records[story_id]
    members = [a["id"] for a in built["articles"] if a["story_id"] == story_id]
    assert sorted(record["articles"]) == sorted(members)
    assert sum(record["sources"].values()) == len(members)
    assert record["image"]["url"].endswith(".jpg") and record["image"]["source"].startswith("127.0.0.")
    lines = _show(built, "story", story_id)
    assert record["summary"] == _section(lines, "Summary", "Key Points")[0]
    assert record["date"] == "-".join(reversed(lines[0].split("-")))
    assert list(record) == [
        "id", "title", "date", "sources", "articles", "summary", "key_points", "image",
        "first_seen", "updated_at", "summarized_by",
    ]


@pytest.mark.parametrize("authored", [False, True], ids=["no-author", "author"])
def test_show_article_prints_the_clean_record(built: dict, authored: bool) -> None:
    # Which page is stored first depends on the fetches' timing: pick one with, or without, a byline.
    article = next(a for a in built["articles"] if bool(a["author"]) == authored)
    lines = _show(built, "article", article["id"])
    assert lines[0] == article["title"]
    assert lines[2] == "Date: " + "-".join(reversed(article["published"][:10].split("-")))
    assert lines[3] == f"Source: {article['source']}"
    byline = [f"Author: {article['author']}"] if authored else []
    at = 5 + len(byline)
    assert lines[4:at] == [*byline, f"URL: {article['url']}"]
    why = lines[at : lines.index("", at)]  # why it is a copy (if it is) and why it is in its story
    assert why and why[-1].startswith("Story: ")
    assert all(line.startswith(("Copy: ", "Story: ")) for line in why)
    assert "\n".join(lines).endswith(article["text"].strip())
    assert "All rights reserved" not in "\n".join(lines)


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["story", "ffffffffffffffff"], 1, "no story with id 'ffffffffffffffff'"),
        (["article", "zz"], 1, "no article with id 'zz'"),
        (["story", ""], 2, "starts more than one story id"),
    ],
)
def test_show_names_what_it_cannot_find(built: dict, args: list[str], status: int, message: str) -> None:
    done = run_ingest("show", *args, "--db", str(built["db"]), cwd=built["tmp"])
    assert done.returncode == status and message in done.stderr and not done.stdout


def test_show_without_a_database_says_so(tmp_path: Path) -> None:
    done = run_ingest("show", "story", "abc", "--db", str(tmp_path / "none.db"), cwd=tmp_path)
    assert done.returncode == 1 and "none.db: no such database" in done.stderr
