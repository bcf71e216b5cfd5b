"""Explained and reversible placements, through the real commands on both backends: `show article` says
why an article is a copy and why it is in its story; `stories split`, `stories merge` and `duplicates
unmark` correct them, and later runs and re-extraction honour the corrections; a feed may opt out of
near-duplicate marks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_reextract import DAY, POT_1, TAXES_1, TAXES_2, TAXES_3, _page
from test_reextract import reports as reports  # a fixture, used by name
from test_stories_once import _copy, _paragraphs, _rss

from conftest import run_ingest
from support.localsite import LocalSite

NO_GAP = "min_host_gap: 0s\n"


def _serve(site: LocalSite, reports: dict[str, dict], keys: list[str], copy_of: str | None = None) -> str:
    """A feed of the reports (and a republished copy of one), on `site`; the feed's URL."""
    items = []
    for n, key in enumerate(keys):
        url = site.add(f"/news/{n}.html", _page(reports[key]["title"], {"main": _paragraphs(reports[key])}))
        items.append((reports[key]["title"], url, DAY))
    if copy_of:
        title = "Wire copy: " + reports[copy_of]["title"]
        items.append(
            (title, site.add("/news/copy.html", _page(title, {"main": _copy(reports[copy_of])})), DAY)
        )
    return site.add("/feed.xml", _rss(items), "application/rss+xml")


class Ingest:
    """The real command against one feeds.yaml and one database (a SQLite file or a PostgreSQL URL)."""

    def __init__(self, config: Path, database: Path | str) -> None:
        self.config, self.database = config, database

    def __call__(self, *args: str) -> tuple[int, str, str]:
        done = run_ingest(
            *args, "--config", str(self.config), "--db", str(self.database), cwd=self.config.parent
        )
        return done.returncode, done.stdout, done.stderr

    def articles(self) -> dict[str, dict]:
        """The stored articles by title."""
        code, out, err = self("export")
        assert code == 0, err
        return {row["title"]: row for row in map(json.loads, out.splitlines())}

    def show(self, article_id: str) -> str:
        code, out, err = self("show", "article", article_id)
        assert code == 0, err
        return out


@pytest.fixture
def ingest(site: LocalSite, reports: dict[str, dict], tmp_path: Path, database: Path | str) -> Ingest:
    feed = _serve(site, reports, [TAXES_1, TAXES_2, POT_1], copy_of=TAXES_1)
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - url: {feed}\n    allow_private: true\n")
    run = Ingest(config, database)
    code, out, err = run("--once")
    assert code == 0, out + err
    return run


def test_show_says_why_each_article_is_a_copy_and_where_it_is(
    ingest: Ingest, reports: dict[str, dict]
) -> None:
    articles = ingest.articles()
    first, second = (articles[reports[key]["title"]] for key in (TAXES_1, TAXES_2))
    copy = articles["Wire copy: " + reports[TAXES_1]["title"]]
    assert copy["duplicate_of"] == first["id"] and first["story_id"] == second["story_id"] == copy["story_id"]

    story = first["story_id"][:8]
    shown = ingest.show(copy["id"])
    assert re.search(rf"^Copy: duplicate of {first['id'][:8]}… \(MinHash Jaccard 0\.\d\d\)$", shown, re.M)
    assert re.search(rf"^Story: joined story {story}… \(copy of its original", shown, re.M), shown
    joined = ingest.show(second["id"])
    found = re.search(rf"^Story: joined story {story}… \(cosine (0\.\d\d) to [^;)]+(; shared "
                      r"names: ([^)]+))?\)$", joined, re.M)  # fmt: skip
    assert found, joined
    assert float(found[1]) >= 0.1
    names = found[3].split(", ")  # names are shared: each is in both reports
    texts = [article["title"] + " " + article["text"] for article in (first, second)]
    assert names and all(name in text for name in names for text in texts), names
    assert "Copy:" not in joined  # an original says nothing of copies
    started = ingest.show(first["id"])
    assert re.search(rf"^Story: started story {first['story_id'][:8]}… \(new story", started, re.M), started


def test_split_merge_and_unmark_are_kept_and_honoured(
    ingest: Ingest, reports: dict[str, dict], site: LocalSite
) -> None:
    articles = ingest.articles()
    first, second = (articles[reports[key]["title"]] for key in (TAXES_1, TAXES_2))
    copy_title = "Wire copy: " + reports[TAXES_1]["title"]
    story = first["story_id"]

    # Split: the first report leaves with its copy; the second stays.
    code, out, err = ingest("stories", "split", first["id"][:10])
    assert code == 0, err
    assert re.search(r"and 1 copy of it: moved to story \w{8}… \(override: split from story", out), out
    after = ingest.articles()
    moved = after[first["title"]]["story_id"]
    assert (
        moved != story
        and after[copy_title]["story_id"] == moved
        and after[second["title"]]["story_id"] == story
    )
    assert "(override: split from story" in ingest.show(first["id"])

    # A third report of the event arrives: it joins one of the two, and the two are not joined again.
    _serve(site, reports, [TAXES_1, TAXES_2, POT_1, TAXES_3], copy_of=TAXES_1)
    code, out, err = ingest("--once")
    assert code == 0, out + err
    after = ingest.articles()
    assert after[reports[TAXES_3]["title"]]["story_id"] in (moved, story)
    assert after[first["title"]]["story_id"] == moved != after[second["title"]]["story_id"] == story

    # Unmark: the copy is an original from now on, re-extraction included, and stays in its story.
    code, out, err = ingest("duplicates", "unmark", after[copy_title]["id"])
    assert code == 0 and "not a duplicate of" in out, err
    ingest.config.write_text(ingest.config.read_text() + "    remove: ['h1']\n")  # every text changes
    code, out, err = ingest("reextract")
    assert code == 0 and "records changed" in out, out + err
    after = ingest.articles()
    assert after[copy_title]["duplicate_of"] is None and after[copy_title]["story_id"] == moved
    assert "Copy: not a duplicate of" in ingest.show(after[copy_title]["id"])

    # Merge: one story again, under the id that stays; the correction is said for its articles.
    code, out, err = ingest("stories", "merge", story, moved[:8])
    assert code == 0 and f"story {moved} joined story {story}" in out, err
    after = ingest.articles()
    assert {after[title]["story_id"] for title in (first["title"], second["title"], copy_title)} == {story}
    assert "(override: story" in ingest.show(first["id"])


def test_corrections_say_what_is_wrong(ingest: Ingest, reports: dict[str, dict]) -> None:
    articles = ingest.articles()
    first, pot = articles[reports[TAXES_1]["title"]], articles[reports[POT_1]["title"]]
    code, _, err = ingest("stories", "split", "ffffffffffff")
    assert code == 1 and "no article with id 'ffffffffffff'" in err
    code, _, err = ingest("duplicates", "unmark", first["id"])
    assert code == 1 and "is not marked a copy" in err
    code, _, err = ingest("stories", "split", pot["id"])
    assert code == 1 and "the whole of story" in err  # alone in its story: nothing to split off
    code, _, err = ingest("stories", "merge", pot["story_id"], pot["story_id"][:8])
    assert code == 1 and "are one story" in err
    code, _, err = ingest("stories", "merge", pot["story_id"])
    assert code == 2


def test_a_feed_may_opt_out_of_near_duplicate_marks(
    site: LocalSite, reports: dict[str, dict], tmp_path: Path
) -> None:
    feed = _serve(site, reports, [TAXES_1, POT_1], copy_of=TAXES_1)
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"{NO_GAP}feeds:\n  - url: {feed}\n    allow_private: true\n    near_duplicates: false\n"
    )
    run = Ingest(config, tmp_path / "ingest.db")
    code, out, err = run("--once")
    assert code == 0, out + err
    articles = run.articles()
    copy, first = (
        articles["Wire copy: " + reports[TAXES_1]["title"]],
        articles[reports[TAXES_1]["title"]],
    )
    assert copy["duplicate_of"] is None and copy["story_id"] == first["story_id"]  # not a copy, same story
