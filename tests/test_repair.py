"""Seeing and repairing what failed, through the real command: `ingest feeds` shows a feed whose pages
fail as failing (not healthy), `feeds show` names the pages and why, and after the cure (here
allow_private: true) the next run, or a running daemon once reloaded, tries them again by itself; what
no setting cures (a site that fixed its page) waits for `ingest retry` or `--once --retry`."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from test_daemon import Daemon, wait_for
from test_daemon import start_daemon as start_daemon  # a fixture, used by name
from test_once import NO_GAP, _articles, _rss

from conftest import run_ingest
from support.localsite import LocalSite, page_html


def _feeds(tmp_path: Path, *args: str) -> list[dict]:
    done = run_ingest("feeds", "--json", *args, "--config", str(tmp_path / "feeds.yaml"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _refused_page(site: LocalSite, other_site: LocalSite, fixtures: Path, tmp_path: Path) -> tuple[Path, str]:
    """feeds.yaml with Harbour, whose one page is on a loopback host feeds.yaml does not name (refused by
    the address guard until allow_private), and a quiet feed without a name."""
    page = other_site.add("/story.html", page_html(fixtures, "readability-ars-1"))
    site.add("/feed.xml", _rss([("a story", page)]), "application/rss+xml")
    site.add("/quiet.xml", _rss([]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/feed.xml')}\n    name: Harbour\n  - {site.url('/quiet.xml')}\n")
    return config, page


def _set(config: Path, setting: str) -> None:
    """Add a setting to Harbour's entry in feeds.yaml."""
    config.write_text(config.read_text().replace("    name: Harbour\n", f"    name: Harbour\n    {setting}\n"))


def _forgotten(stderr: str) -> list[dict]:
    return [e for e in map(json.loads, stderr.splitlines()) if e["event"] == "failures_forgotten"]


def test_a_refused_page_is_shown_and_the_setting_that_cures_it_brings_it_back(
    site: LocalSite, other_site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    config, page = _refused_page(site, other_site, fixtures, tmp_path)
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

    # A change that cannot cure the refusal forgets nothing: the page failed for good.
    _set(config, "interval: 2h")
    again = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert again.returncode == 0 and other_site.requests == [] and _forgotten(again.stderr) == []
    assert _feeds(tmp_path)[0]["pages_failed"] == 1

    # The cure is enough: the next run forgets what it may cure and stores the page.
    _set(config, "allow_private: true")
    cured = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert cured.returncode == 0, cured.stdout + cured.stderr
    assert cured.stdout.strip().endswith("1 articles new")
    (forgot,) = _forgotten(cured.stderr)
    assert (forgot["feed"], forgot["settings"], forgot["pages"]) == ("Harbour", ["allow_private"], 1)
    assert [a["url"] for a in _articles(tmp_path / "ingest.db")] == [page]
    harbour, _ = _feeds(tmp_path)
    assert (harbour["state"], harbour["pages_failed"], harbour["articles"]) == ("ok", 0, 1)


@pytest.mark.parametrize("repair", [["retry"], ["--once", "--retry"]], ids=["retry", "once-retry"])
def test_a_page_refused_for_good_is_fetched_again_after_retry(
    site: LocalSite, fixtures: Path, tmp_path: Path, repair: list[str]
) -> None:
    # A page that answered 403, failed for good; then the site fixes it, which no setting of ours knows.
    page = site.add("/story.html", "forbidden", status=403)
    site.add("/feed.xml", _rss([("a story", page)]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/feed.xml')}\n    name: Harbour\n")
    assert run_ingest("--once", "--config", str(config), cwd=tmp_path).returncode == 1
    site.add("/story.html", page_html(fixtures, "readability-ars-1"))

    again = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert again.returncode == 0 and len(site.hits("/story.html")) == 1  # not asked again
    if repair == ["retry"]:
        cleared = run_ingest("retry", "Harbour", "--config", str(config), cwd=tmp_path)
        assert cleared.returncode == 0
        assert cleared.stdout.startswith("ingest: forgot 1 failed pages and the failures of 1 feeds")
        repair = ["--once"]
    fixed = run_ingest(*repair, "--config", str(config), cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert fixed.stdout.strip().endswith("1 articles new")
    assert [a["url"] for a in _articles(tmp_path / "ingest.db")] == [page]
    (harbour,) = _feeds(tmp_path)
    assert (harbour["state"], harbour["pages_failed"], harbour["articles"]) == ("ok", 0, 1)


def test_a_running_daemon_tries_again_what_a_reloaded_setting_may_cure(
    site: LocalSite, other_site: LocalSite, fixtures: Path, tmp_path: Path, start_daemon: Callable[..., Daemon]
) -> None:
    config, page = _refused_page(site, other_site, fixtures, tmp_path)
    daemon = start_daemon(config)
    wait_for(lambda: daemon.events("article_failed"), 30, "the page to be refused")
    assert other_site.requests == []

    _set(config, "allow_private: true")
    daemon.signal(signal.SIGHUP)
    wait_for(lambda: daemon.events("article_stored"), 30, "the page to be stored after the reload")
    (forgot,) = daemon.events("failures_forgotten")
    assert (forgot["feed"], forgot["settings"], forgot["pages"]) == ("Harbour", ["allow_private"], 1)
    assert daemon.stop() == 0
    assert [a["url"] for a in _articles(tmp_path / "ingest.db")] == [page]


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
