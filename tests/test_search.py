"""`ingest search` through the real command, on what a real --once stored from real pages."""

from __future__ import annotations

import json
from pathlib import Path

from test_once import NO_GAP, _articles, _rss

from conftest import run_ingest
from support.localsite import LocalSite, page_html, page_index

PAGES = ("readability-bbc-1", "readability-ars-1")


def test_search_finds_stored_articles_by_their_words(site: LocalSite, fixtures: Path, tmp_path: Path) -> None:
    links = [site.add(f"/{pid}.html", page_html(fixtures, pid)) for pid in PAGES]
    items = [(pid, url) for pid, url in zip(PAGES, links, strict=True)]
    site.add("/feed.xml", _rss(items), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - {site.url('/feed.xml')}\n")
    assert run_ingest("--once", "--config", str(config), cwd=tmp_path).returncode == 0
    stored = {a["url"]: a for a in _articles(tmp_path / "ingest.db")}
    # Two words from the longest paragraph of the first page's gold text: only that page has both.
    gold = max(page_index(fixtures)[PAGES[0]]["gold_text"].split("\n"), key=len)
    words = [w for w in gold.split() if w.isalpha() and len(w) > 6][:2]

    done = run_ingest("search", *words, "--json", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    hits = [json.loads(line) for line in done.stdout.splitlines()]
    assert [h["url"] for h in hits] == [links[0]]
    assert hits[0]["id"] == stored[links[0]]["id"] and "[" in hits[0]["snippet"]

    text = run_ingest("search", *words, "--config", str(config), cwd=tmp_path).stdout
    assert text.startswith(f"{stored[links[0]]['id']}  ") and stored[links[0]]["title"] in text

    none = run_ingest("search", "zzqxjv", "--config", str(config), cwd=tmp_path)
    assert (none.returncode, none.stdout) == (1, "")
