"""Seeing and repairing what failed, through the real command: `ingest feeds` shows a feed whose pages
fail as failing (not healthy), `feeds show` names the pages and why, and after the cure (here
allow_private: true) `ingest retry`, or `--once --retry`, lets the next run store them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_once import NO_GAP, _articles, _rss

from conftest import run_ingest
from support.localsite import LocalSite, page_html


def _feeds(tmp_path: Path, *args: str) -> list[dict]:
    done = run_ingest("feeds", "--json", *args, "--config", str(tmp_path / "feeds.yaml"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.parametrize("repair", [["retry"], ["--once", "--retry"]], ids=["retry", "once-retry"])
def test_a_refused_page_is_shown_and_stored_once_cured_and_retried(
    site: LocalSite, other_site: LocalSite, fixtures: Path, tmp_path: Path, repair: list[str]
) -> None:
    # On a loopback host feeds.yaml does not name: refused by the address guard.
    page = other_site.add("/story.html", page_html(fixtures, "readability-ars-1"))
    site.add("/feed.xml", _rss([("a story", page)]), "application/rss+xml")
    site.add("/quiet.xml", _rss([]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    feed = site.url("/feed.xml")
    config.write_text(f"{NO_GAP}feeds:\n  - url: {feed}\n    name: Harbour\n  - {site.url('/quiet.xml')}\n")

    first = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert first.returncode == 1 and other_site.requests == []
    harbour, quiet = _feeds(tmp_path)
    seen = (harbour["name"], harbour["state"], harbour["pages_failed"], harbour["articles"])
    assert seen == ("Harbour", "failing", 1, 0)
    assert quiet["state"] == "ok" and quiet["name"] == "Local RSS"  # no name given: its own title
    shown = run_ingest("feeds", "show", "Harbour", "--config", str(config), cwd=tmp_path)
    assert shown.returncode == 0
    assert page in shown.stdout and "set allow_private: true on this feed" in shown.stdout
    assert "for good" in shown.stdout
    table = run_ingest("feeds", "--config", str(config), cwd=tmp_path).stdout.splitlines()
    assert table[0].split()[:3] == ["NAME", "STATE", "ARTICLES"]
    assert table[1].split()[:2] == ["Harbour", "failing"]

    # The cure alone does not bring the page back: it failed for good.
    cured = config.read_text().replace("    name: Harbour\n", "    name: Harbour\n    allow_private: true\n")
    config.write_text(cured)
    again = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert again.returncode == 0 and other_site.requests == [] and _articles(tmp_path / "ingest.db") == []

    if repair == ["retry"]:
        cleared = run_ingest("retry", "Harbour", "--config", str(config), cwd=tmp_path)
        assert cleared.returncode == 0
        assert cleared.stdout.startswith("ingest: forgot 1 failed pages and the failures of 1 feeds")
        repair = ["--once"]
    fixed = run_ingest(*repair, "--config", str(config), cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert fixed.stdout.strip().endswith("1 articles new")
    assert [a["url"] for a in _articles(tmp_path / "ingest.db")] == [page]
    harbour, _ = _feeds(tmp_path)
    assert (harbour["state"], harbour["pages_failed"], harbour["articles"]) == ("ok", 0, 1)


def test_a_feed_dropped_from_the_config_is_listed_as_removed_and_unknown_names_are_refused(
    site: LocalSite, tmp_path: Path
) -> None:
    site.add("/a.xml", _rss([]), "application/rss+xml")
    site.add("/b.xml", _rss([]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - {site.url('/a.xml')}\n  - {site.url('/b.xml')}\n")
    assert run_ingest("--once", "--config", str(config), cwd=tmp_path).returncode == 0
    config.write_text(f"{NO_GAP}feeds:\n  - {site.url('/a.xml')}\n")

    a, b = _feeds(tmp_path)
    assert (a["state"], b["state"], b["url"], b["next_poll"]) == ("ok", "removed", site.url("/b.xml"), None)
    unknown = run_ingest("retry", "nowhere", "--config", str(config), cwd=tmp_path)
    assert unknown.returncode == 2 and "no feed named or at 'nowhere'" in unknown.stderr
