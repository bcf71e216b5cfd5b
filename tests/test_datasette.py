"""deploy/datasette.yaml on a real Datasette serving the database the real `ingest --once` filled from a
loopback site: a story and its articles, the links the foreign keys make, the search box on the full-text
index and the facets, read through Datasette's JSON API as another tool would."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_api import free_port
from test_daemon import wait_for
from test_once import NO_GAP
from test_stories_once import UNRELATED, VETO_1, VETO_2

from conftest import REPO, run_ingest
from support.localsite import LocalSite
from support.storysite import serve_reports

METADATA = REPO / "deploy" / "datasette.yaml"


def _get(base: str, path: str, **query: str) -> Any:
    url = f"{base}{path}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=20) as response:
        return json.load(response)


def _answers(base: str) -> bool:
    try:
        _get(base, "/-/versions.json")
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def reports(fixtures: Path) -> dict[str, dict]:
    rows = (json.loads(line) for line in (fixtures / "stories" / "text" / "articles.jsonl").open())
    return {row["id"]: row for row in rows}


@pytest.fixture(scope="module")
def datasette(reports: dict[str, dict], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Datasette serving ingest.db with the repository's metadata, on a free loopback port: its base URL.
    The database holds two reports of one event (one story) and an unrelated one."""
    tmp = tmp_path_factory.mktemp("datasette")
    with LocalSite("127.0.0.1") as site:
        feed = serve_reports(site, [reports[rid] for rid in (VETO_1, UNRELATED, VETO_2)])
        config = tmp / "feeds.yaml"
        config.write_text(f"{NO_GAP}feeds:\n  - url: {feed}\n    name: Ledger\n")
        done = run_ingest("--once", "--config", str(config), cwd=tmp)
        assert done.returncode == 0, done.stdout + done.stderr

    port = free_port()
    command = [str(Path(sys.executable).with_name("datasette")), "serve", str(tmp / "ingest.db"),
               "-m", str(METADATA), "--port", str(port), "--host", "127.0.0.1"]  # fmt: skip
    log = (tmp / "datasette.log").open("w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for(lambda: server.poll() is not None or _answers(base), 60, "datasette")
        except AssertionError:
            raise AssertionError((tmp / "datasette.log").read_text()) from None
        assert server.poll() is None, (tmp / "datasette.log").read_text()
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def _story_of_two(base: str) -> dict:
    [story] = _get(base, "/ingest/stories.json", _shape="array", articles="2")
    return story


def test_a_story_reads_back_with_its_articles(datasette: str, reports: dict[str, dict]) -> None:
    story = _story_of_two(datasette)
    path = f"/ingest/stories/{story['id']}.json"
    row = _get(datasette, path, _shape="objects", _extras="foreign_key_tables")
    assert row["rows"][0]["id"] == story["id"]
    # Datasette follows the key back from the story to its articles.
    incoming = {(t["other_table"], t["other_column"]): t["count"] for t in row["foreign_key_tables"]}
    assert incoming[("articles", "story_id")] == 2

    members = _get(datasette, "/ingest/story_articles.json", _shape="array", story_id=story["id"])
    assert sorted(m["title"] for m in members) == sorted(reports[r]["title"] for r in (VETO_1, VETO_2))
    assert {m["story_title"] for m in members} == {story["title"]}
    assert all(m["source"] == "127.0.0.1" and m["url"].startswith("http://127.0.0.1") for m in members)


def test_an_articles_story_is_a_link(datasette: str) -> None:
    story = _story_of_two(datasette)
    assert story["title"]  # written by --once: the link's label
    rows = _get(datasette, "/ingest/articles.json", _shape="array", _labels="on", story_id=story["id"])
    assert len(rows) == 2
    assert {json.dumps(r["story_id"], sort_keys=True) for r in rows} == {
        json.dumps({"value": story["id"], "label": story["title"]}, sort_keys=True)
    }


def test_the_search_box_uses_the_full_text_index(datasette: str, reports: dict[str, dict]) -> None:
    def words(rid: str) -> set[str]:
        return set(re.findall(r"[a-z]{7,}", (reports[rid]["title"] + " " + reports[rid]["text"]).lower()))

    word = min(words(UNRELATED) - words(VETO_1) - words(VETO_2))  # in the unrelated report only
    found = _get(datasette, "/ingest/articles.json", _shape="array", _search=word)
    assert [r["title"] for r in found] == [reports[UNRELATED]["title"]]
    # A reader's words are quoted, so a stray FTS5 operator is a word, not an error.
    assert _get(datasette, "/ingest/articles.json", _shape="array", _search=f'{word} "') is not None


def test_the_metadata_sets_facets_order_and_hides_the_bookkeeping(datasette: str) -> None:
    table = _get(datasette, "/ingest/articles.json")
    assert {"source", "language", "feed"} <= set(table["facet_results"])
    assert "sorted by fetched_at descending" in table["human_description_en"]
    fetched = [row[table["columns"].index("fetched_at")] for row in table["rows"]]
    assert fetched == sorted(fetched, reverse=True) and len(fetched) == 3

    database = _get(datasette, "/ingest.json")
    hidden = {t["name"] for t in database["tables"] if t["hidden"]}
    assert {"_sqlite_migrations", "entry_claims", "hosts", "articles_fts", "articles_fts_data", "pages"} <= hidden
    assert not hidden & {"articles", "stories", "feeds"}
    assert {v["name"] for v in database["views"]} >= {"story_articles", "feed_health"}

    [feed] = _get(datasette, "/ingest/feed_health.json", _shape="array")
    assert (feed["name"], feed["articles"], feed["pages_failed"], feed["failures"]) == ("Ledger", 3, 0, 0)
