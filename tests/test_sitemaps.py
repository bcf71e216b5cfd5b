"""Sitemaps as sources, through the real `ingest --once` against sitemaps on a loopback site: a Google
News sitemap, a sitemap index with a gzipped child, lastmod deciding which children a poll reads, the
per-source cap, and a document that is no sitemap."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import pytest

from conftest import run_ingest
from support.localsite import LocalSite, page_html, page_index

NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


def _urlset(pages: list[tuple[str, str | None, str | None]]) -> str:
    """A sitemap of (url, publication date, title); with a date or title, as a Google News one."""
    items = []
    for url, date, title in pages:
        news = ""
        if date or title:
            news = (
                f"<news:news><news:publication><news:name>Local</news:name><news:language>en</news:language>"
                f"</news:publication><news:publication_date>{date}</news:publication_date>"
                f"<news:title>{title}</news:title></news:news>"
            )
        items.append(f"<url><loc>{url}</loc>{news}</url>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        f' xmlns:news="{NEWS}">{"".join(items)}</urlset>'
    )


def _index(children: list[tuple[str, str]]) -> str:
    items = "".join(
        f"<sitemap><loc>{url}</loc><lastmod>{lastmod}</lastmod></sitemap>" for url, lastmod in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'
    )


def _stored(db: Path) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return {
            row["url"]: dict(row) for row in conn.execute("SELECT url, title, published, feed FROM articles")
        }
    finally:
        conn.close()


def _pages(site: LocalSite, fixtures: Path, count: int, start: int = 0) -> list[str]:
    ids = sorted(page_index(fixtures))[start : start + count]
    return [site.add(f"/news/{start + n}.html", page_html(fixtures, pid)) for n, pid in enumerate(ids)]


def test_a_google_news_sitemap_is_a_source_with_its_titles_dates_and_cap(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    urls = _pages(site, fixtures, 4)
    dates = [
        "2026-12-01T08:00:00Z",
        "2026-12-04T09:30:00+01:00",
        "2026-12-03T10:00:00Z",
        "2026-12-02T10:00:00Z",
    ]
    site.add(
        "/news-sitemap.xml",
        _urlset([(u, d, f"Headline {n}") for n, (u, d) in enumerate(zip(urls, dates))]),
        "application/xml",
    )
    site.add("/not-a-sitemap.xml", "<html><body><p>Welcome</p></body></html>", "text/html")
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"min_host_gap: 0s\nfeeds:\n  - sitemap: {site.url('/news-sitemap.xml')}\n    name: News\n"
        f"    max_entries: 3\n  - sitemap: {site.url('/not-a-sitemap.xml')}\n    name: Lobby\n"
    )

    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)

    assert done.returncode == 1, done.stderr[-2000:]
    assert "failed: Lobby" in done.stdout and "not a sitemap" in done.stdout
    assert "ingest: 1 feeds ok, 1 failed; 3 articles new" in done.stdout
    stored = _stored(tmp_path / "ingest.db")
    # The cap takes the newest three by publication date; the oldest (page 0) waits.
    assert set(stored) == {urls[1], urls[2], urls[3]}
    assert site.hits("/news/0.html") == []


def test_an_index_reads_its_gzipped_child_and_later_only_the_children_that_changed(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    old, new = _pages(site, fixtures, 2), _pages(site, fixtures, 2, start=2)
    site.add(
        "/old.xml.gz", gzip.compress(_urlset([(u, None, None) for u in old]).encode()), "application/gzip"
    )
    site.add("/new.xml", _urlset([(u, None, None) for u in new]), "application/xml")
    site.add(
        "/sitemap.xml",
        _index([(site.url("/old.xml.gz"), "2020-01-01"), (site.url("/new.xml"), "2020-01-02")]),
        "application/xml",
    )
    config = tmp_path / "feeds.yaml"
    config.write_text(f"min_host_gap: 0s\nfeeds:\n  - sitemap: {site.url('/sitemap.xml')}\n    name: Site\n")

    first = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr[-2000:]
    assert set(_stored(tmp_path / "ingest.db")) == {*old, *new}  # never polled: every child read

    # The index changes: one child is new since the last good poll, the others are as they were.
    later = _pages(site, fixtures, 1, start=4)
    site.add("/later.xml", _urlset([(u, None, None) for u in later]), "application/xml")
    children = [
        (site.url("/old.xml.gz"), "2020-01-01"),
        (site.url("/new.xml"), "2020-01-02"),
        (site.url("/later.xml"), "2099-01-01"),
    ]
    site.add("/sitemap.xml", _index(children), "application/xml")
    second = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr[-2000:]
    assert second.stdout.strip().endswith("1 articles new")
    assert (len(site.hits("/old.xml.gz")), len(site.hits("/new.xml")), len(site.hits("/later.xml"))) == (
        1,
        1,
        1,
    )
    assert set(_stored(tmp_path / "ingest.db")) == {*old, *new, *later}


def test_the_parser_keeps_its_limits_on_hostile_documents() -> None:
    from ingest.feeds import FeedError, NotAFeed
    from ingest.feeds.sitemap import parse_sitemap

    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    with pytest.raises(FeedError, match="more than 1000000 bytes once inflated; raise max_bytes"):
        parse_sitemap(bomb, "http://x/s.xml.gz", max_bytes=1_000_000)
    entity = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "http://evil/">]>'
        b"<urlset><url><loc>&a;1</loc></url><url><loc>http://ok/2</loc></url></urlset>"
    )
    assert [e.link for e in parse_sitemap(entity, "x").entries] == ["http://ok/2"]  # never expanded
    plain = parse_sitemap(
        b"<urlset><url><loc> http://a/1 </loc><lastmod>2026-12-01</lastmod></url></urlset>", "x"
    )
    assert [(e.link, e.updated.isoformat()) for e in plain.entries] == [
        ("http://a/1", "2026-12-01T00:00:00+00:00")
    ]
    assert [e.link for e in parse_sitemap(b"http://a/1\nnot a url\nhttps://a/2\n", "x").entries] == [
        "http://a/1",
        "https://a/2",
    ]
    with pytest.raises(NotAFeed, match="not a sitemap: the document is <rss>"):
        parse_sitemap(b"<rss><channel/></rss>", "x")
