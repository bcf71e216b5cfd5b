"""`ingest --once` end to end: the real command against real fixture pages and feeds on loopback."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from conftest import run_ingest
from support.localsite import LocalSite, fixture_feed, page_html, page_index

# Tests play many sites on one loopback address; the politeness gap would only slow them down.
NO_GAP = "min_host_gap: 0s\n"

# Real pages from three corpora; their gold texts say what the articles are.
PAGES = [
    "readability-bbc-1",
    "readability-ars-1",
    "readability-breitbart",
    "readability-guardian-1",
    "wcxb-0151",
    "wcxb-0153",
]


@dataclass
class NewsSite:
    """A loopback site with RSS, Atom and JSON feeds over real pages, a broken feed and a missing one."""

    site: LocalSite
    config: Path
    pages: dict[str, str]  # page id -> the page's URL on the site

    def page_paths(self) -> set[str]:
        return {url.removeprefix(self.site.url("")) for url in self.pages.values()}


def _rss(items: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(u)}</link><guid>{escape(u)}</guid>"
        f"<pubDate>Fri, 23 May 2025 05:30:00 GMT</pubDate></item>"
        for t, u in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Local RSS</title>{body}</channel></rss>'


def _atom(items: list[tuple[str, str]]) -> str:
    body = "".join(
        f'<entry><title>{escape(t)}</title><link rel="alternate" href="{escape(u)}"/>'
        f"<id>urn:local:{i}</id><updated>2025-05-23T05:30:00Z</updated></entry>"
        for i, (t, u) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Local Atom</title><id>urn:local</id><updated>2025-05-23T05:30:00Z</updated>{body}</feed>"
    )


def _json_feed(items: list[tuple[str, str]]) -> str:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Local JSON",
            "items": [{"id": u, "url": u, "title": t} for t, u in items],
        }
    )


@pytest.fixture
def news(site: LocalSite, fixtures: Path, tmp_path: Path) -> Iterator[NewsSite]:
    index = page_index(fixtures)
    pages = {pid: site.add(f"/articles/{n}.html", page_html(fixtures, pid)) for n, pid in enumerate(PAGES)}
    titled = [(index[pid]["gold_title"] or pid, url) for pid, url in pages.items()]
    # Page 2 is in the RSS and the Atom feed; the Atom link carries tracking parameters.
    site.add("/rss.xml", _rss(titled[0:3]), "application/rss+xml")
    atom_items = [(titled[2][0], titled[2][1] + "?utm_source=atom&fbclid=abc"), *titled[3:5]]
    site.add("/atom.xml", _atom(atom_items), "application/atom+xml")
    # The JSON feed links through a redirect: records keep the URL the page was fetched from.
    site.add("/feed.json", _json_feed([(titled[5][0], site.redirect("/go/5", titled[5][1]))]), "application/feed+json")
    # A real JSON Feed whose own content is the article (its links point to the internet: never fetched).
    body, ctype = fixture_feed(fixtures, "rsparser-inessential.json")
    site.add("/inessential.json", body, ctype)
    # A real non-feed: an HTML "Document Moved" page.
    body, _ = fixture_feed(fixtures, "rssparser-unrecognized.rss")
    site.add("/broken.rss", body, "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"""
min_host_gap: 0s  # one loopback address plays every site; no need to space requests out
feeds:
  - url: {site.url('/rss.xml')}
    name: rss
  - url: {site.url('/atom.xml')}
    name: atom
  - url: {site.url('/feed.json')}
    name: json
  - url: {site.url('/inessential.json')}
    name: inessential
    full_text: false
  - url: {site.url('/broken.rss')}
    name: broken
  - url: {site.url('/missing.xml')}
    name: missing
"""
    )
    yield NewsSite(site, config, pages)


def _articles(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM articles ORDER BY rowid")]
    finally:
        conn.close()


def _shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def test_once_stores_every_article_once_and_names_the_failing_feeds(
    news: NewsSite, fixtures: Path, tmp_path: Path
) -> None:
    done = run_ingest("--once", "--config", str(news.config), cwd=tmp_path)

    assert done.returncode == 1, done.stderr
    lines = done.stdout.strip().splitlines()
    failed = [line for line in lines if line.startswith("failed: ")]
    assert len(failed) == 2
    assert any(line.startswith("failed: broken (") and "not a feed" in line for line in failed)
    assert any(line.startswith("failed: missing (") and "HTTP 404" in line for line in failed)
    assert lines[-1] == "ingest: 4 feeds ok, 2 failed; 26 articles new"
    assert "Traceback" not in done.stderr

    articles = _articles(tmp_path / "ingest.db")
    assert len(articles) == 26
    assert len({a["canonical_url"] for a in articles}) == 26
    assert not [a for a in articles if "utm_" in a["canonical_url"] or "fbclid" in a["canonical_url"]]

    index = page_index(fixtures)
    by_url = {a["canonical_url"]: a for a in articles}
    for page_id, url in news.pages.items():
        article = by_url[url]  # the fixture pages' canonical links point off-site, so ours stands
        gold = _shingles(index[page_id]["gold_text"])
        recall = len(gold & _shingles(article["text"])) / len(gold)
        assert recall > 0.6, (page_id, recall)
        assert article["source"] == "127.0.0.1"
        assert "<p" not in article["text"] and "\n\n" in article["text"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", article["published"])

    for article in articles:
        assert article["content_hash"] == hashlib.sha256(article["text"].encode()).hexdigest()
        assert article["duplicate_of"] is None
        assert article["word_count"] > 0
    # Each article is in a story, named after its first article and counted in the stories table.
    with sqlite3.connect(tmp_path / "ingest.db") as conn:
        stories = dict(conn.execute("SELECT id, articles FROM stories"))
    assert Counter(a["story_id"] for a in articles) == stories
    assert stories.keys() <= {a["id"] for a in articles}

    from_feed = [a for a in articles if a["feed"].endswith("/inessential.json")]
    assert len(from_feed) == 20
    assert {a["source"] for a in from_feed} == {"inessential.com"}
    assert all(a["text"] and not re.search(r"</?(p|div|a|br|img)\b", a["text"]) for a in from_feed)


def test_second_run_sends_conditional_gets_and_fetches_no_page_again(news: NewsSite, tmp_path: Path) -> None:
    first = run_ingest("--once", "--config", str(news.config), cwd=tmp_path)
    assert first.returncode == 1
    seen_before = len(news.site.requests)

    second = run_ingest("--once", "--config", str(news.config), cwd=tmp_path)

    assert second.returncode == 1
    assert second.stdout.strip().splitlines()[-1] == "ingest: 4 feeds ok, 2 failed; 0 articles new"
    again = news.site.requests[seen_before:]
    feeds = {"/rss.xml", "/atom.xml", "/feed.json", "/inessential.json"}
    conditional = {r.path for r in again if r.path in feeds and r.headers.get("If-None-Match")}
    assert conditional == feeds
    assert not [r for r in again if r.path in news.page_paths()]
    assert len(_articles(tmp_path / "ingest.db")) == 26
    not_modified = [json.loads(line) for line in second.stderr.splitlines() if "feed_not_modified" in line]
    assert {event["feed"] for event in not_modified} == {"rss", "atom", "json", "inessential"}


def test_logs_are_json_lines_bound_to_their_feed_and_url(news: NewsSite, tmp_path: Path) -> None:
    done = run_ingest("--once", "--config", str(news.config), cwd=tmp_path)

    events = [json.loads(line) for line in done.stderr.splitlines()]
    assert events and all({"timestamp", "level", "event"} <= event.keys() for event in events)
    failures = {e["feed"]: e for e in events if e["event"] == "feed_failed"}
    assert failures.keys() == {"broken", "missing"}
    assert failures["missing"]["url"] == news.site.url("/missing.xml")
    stored = [e for e in events if e["event"] == "article_stored"]
    assert len(stored) == 26
    rss_urls = {url for pid, url in news.pages.items() if PAGES.index(pid) < 3}
    for event in stored:
        if event["feed"] == "rss":  # context from one feed's work never leaks into another's
            assert event["url"] in rss_urls


def test_same_page_under_two_urls_is_stored_once(site: LocalSite, fixtures: Path, tmp_path: Path) -> None:
    html = page_html(fixtures, "readability-bbc-1").decode()
    html = html.replace("<head>", '<head><link rel="canonical" href="/story/obama">', 1)
    first, second = site.add("/a.html", html), site.add("/print/a.html", html)
    site.add("/one.xml", _rss([("one", first)]), "application/rss+xml")
    site.add("/two.xml", _rss([("two", second)]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - {site.url('/one.xml')}\n  - {site.url('/two.xml')}\n")

    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    articles = _articles(tmp_path / "ingest.db")
    assert [a["canonical_url"] for a in articles] == [site.url("/story/obama")]
    assert done.stdout.strip().splitlines()[-1] == "ingest: 2 feeds ok, 0 failed; 1 articles new"
    assert "article_duplicate" in done.stderr


# Two pages for a feed's own selectors. On the first, a promotion holds the longest paragraph, so the
# generic layers keep it; on the second, a long read in an <article> wins over the story in #story.
PROMO_TEXT = (
    "Support independent reporting from the harbour towns. Members get every story a day early, a printed "
    "quarterly with the best of our photography, invitations to readers' evenings in the old customs house, "
    "and the knowledge that no advertiser decides what we cover. Membership costs less than a coffee a week "
    "and you can cancel at any time from your account page."
)
STORY = [
    (
        "The harbour bridge reopened to traffic on Monday morning after eleven weeks of repairs to its "
        "lifting span, a month later than the council had promised when the work began in the spring."
    ),
    (
        "Engineers replaced two of the four hydraulic rams and most of the deck plating. The council said "
        "the final bill of 3.2 million pounds was within the budget agreed in March."
    ),
    "Ferry services that ran during the closure will stop at the end of the week.",
]
ESSAY = [
    f"Part {n} of the long history of the harbour, from the first timber quay built by the fishing families "
    "in the seventeenth century to the container cranes that arrived in the nineteen seventies and left "
    "again twenty years later, told through the lives of the people who worked on it."
    for n in range(1, 9)
]
HEAD = "<html><head><title>Harbour bridge reopens after repairs</title></head><body>"
PROMO_PAGE = f"""{HEAD}<article><h1>Harbour bridge reopens after repairs</h1><p>{STORY[0]}</p>
<div class="promo-box"><p>{PROMO_TEXT}</p></div><p>{STORY[1]}</p><p>{STORY[2]}</p></article></body></html>"""
STORY_PAGE = f"""{HEAD}<h1>Harbour bridge reopens after repairs</h1>
<div id="story">{"".join(f"<p>{p}</p>" for p in STORY)}</div>
<article class="long-read"><h2>Long read</h2>{"".join(f"<p>{p}</p>" for p in ESSAY)}</article>
</body></html>"""


def test_a_feeds_selectors_remove_furniture_and_name_the_body(site: LocalSite, tmp_path: Path) -> None:
    feeds = {"promo": PROMO_PAGE, "promo-plain": PROMO_PAGE, "story": STORY_PAGE, "story-plain": STORY_PAGE}
    for name, html in feeds.items():
        site.add(f"/{name}.xml", _rss([(name, site.add(f"/{name}.html", html))]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"{NO_GAP}feeds:\n"
        f"  - url: {site.url('/promo.xml')}\n    remove: ['.promo-box']\n"
        f"  - url: {site.url('/promo-plain.xml')}\n"
        f"  - url: {site.url('/story.xml')}\n    body: '#story'\n"
        f"  - url: {site.url('/story-plain.xml')}\n"
    )

    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    text = {a["feed"].rsplit("/", 1)[1][:-4]: a["text"] for a in _articles(tmp_path / "ingest.db")}
    assert text["promo"] == "\n\n".join(STORY)
    assert text["story"] == "\n\n".join(STORY)
    # Without them, the same pages give the promotion and the long read: the selectors made the difference.
    assert PROMO_TEXT in text["promo-plain"]
    assert ESSAY[0] in text["story-plain"] and STORY[0] not in text["story-plain"]


def test_links_to_private_addresses_are_never_connected_to(
    site: LocalSite, other_site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    other_site.add("/secret.html", page_html(fixtures, "readability-ars-1"))
    port = other_site.port
    links = [
        other_site.url("/secret.html"),  # a host feeds.yaml does not name, on loopback
        f"http://[::ffff:127.0.0.2]:{port}/secret.html",  # IPv4-mapped IPv6
        f"http://2130706434:{port}/secret.html",  # 127.0.0.2 as a decimal number
        f"http://0177.0.0.2:{port}/secret.html",  # octal
        site.redirect("/hop", other_site.url("/secret.html")),  # a trusted host redirecting inward
    ]
    site.add("/feed.xml", _rss([(f"link {i}", url) for i, url in enumerate(links)]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - {site.url('/feed.xml')}\n")

    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)

    assert other_site.requests == []
    assert done.returncode == 1  # the feed itself is fine; its articles failed, which the run owns up to
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == f"ingest: 1 feeds ok, 0 failed; 0 articles new, {len(links)} pages failed on 1 feeds"
    assert lines[0].startswith(f"pages failed: 127.0.0.1 ({site.url('/feed.xml')}): {len(links)} ")
    failures = [json.loads(line) for line in done.stderr.splitlines() if "article_failed" in line]
    assert len(failures) == len(links)
    assert sum("address not allowed" in f["error"] for f in failures) >= 3
    assert _articles(tmp_path / "ingest.db") == []

    # The same feed with allow_private reaches the page.
    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/feed.xml')}\n    allow_private: true\n")
    (tmp_path / "ingest.db").unlink()
    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert other_site.hits("/secret.html")
    assert len({a["canonical_url"] for a in _articles(tmp_path / "ingest.db")}) >= 1


def test_export_writes_every_article_as_a_json_line(news: NewsSite, tmp_path: Path) -> None:
    run_ingest("--once", "--config", str(news.config), cwd=tmp_path)

    done = run_ingest("export", "--config", str(news.config), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 26
    required = {
        "id", "url", "canonical_url", "feed", "source", "site_name", "title", "description", "author",
        "published", "fetched_at", "language", "text", "word_count", "image_url", "tags", "keywords",
        "content_hash", "duplicate_of", "story_id",
    }  # fmt: skip
    assert all(required <= record.keys() for record in records)
    assert all(isinstance(record["tags"], list) for record in records)
    redirected = [r for r in records if r["feed"].endswith("/feed.json")]
    assert [r["url"] for r in redirected] == [news.pages[PAGES[5]]]

    later = run_ingest("export", "--since", "2999-01-01", "--db", str(tmp_path / "ingest.db"), cwd=tmp_path)
    assert later.returncode == 0 and later.stdout == ""
    bad = run_ingest("export", "--since", "yesterday-ish", "--config", str(news.config), cwd=tmp_path)
    assert bad.returncode == 2 and "--since" in bad.stderr


def test_extract_prints_one_json_object_per_file(fixtures: Path, tmp_path: Path) -> None:
    page = tmp_path / "bbc.html"
    page.write_bytes(page_html(fixtures, "readability-bbc-1"))
    missing = tmp_path / "absent.html"

    done = run_ingest("extract", str(page), str(missing), cwd=tmp_path)

    assert done.returncode == 1
    (good,) = (json.loads(line) for line in done.stdout.splitlines())  # the failure is not a record
    assert good["file"] == str(page)
    assert good["title"] == page_index(fixtures)["readability-bbc-1"]["gold_title"]
    assert good["text"].startswith("President Barack Obama") or "President Barack Obama" in good["text"]
    assert f"ingest: {missing}: no such file" in done.stderr


def test_extract_takes_a_feeds_selectors_as_options(tmp_path: Path) -> None:
    (tmp_path / "promo.html").write_text(PROMO_PAGE)
    (tmp_path / "story.html").write_text(STORY_PAGE)

    done = run_ingest("extract", "--remove", ".promo-box", "--remove", "h1", "promo.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["text"] == "\n\n".join(STORY)

    done = run_ingest("extract", "--body", "#story", "story.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["text"] == "\n\n".join(STORY)

    bad = run_ingest("extract", "--body", "div,", "story.html", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("ingest: --body: not a CSS selector: 'div,'")


CONFIG_ERRORS = {
    "syntax": ("feeds:\n  - url: http://a.example/\n    name: [unclosed\n", 4, ""),
    "unknown key": ("feeds:\n  - url: http://a.example/\n    intervall: 5m\n", 3, "feeds[0].intervall"),
    "bad url": ("feeds:\n  - ftp://a.example/feed\n", 2, "feeds[0]"),
    "bad duration": ("feeds:\n  - url: http://a.example/\n    interval: soon\n", 3, "feeds[0].interval"),
    "wrong type": ("defaults:\n  full_text: 'yes'\nfeeds: []\n", 2, "defaults.full_text"),
    "bad selector": ("feeds:\n  - url: http://a.example/\n    body: 'div,'\n", 3, "feeds[0].body"),
}


@pytest.mark.parametrize("case", sorted(CONFIG_ERRORS))
def test_a_bad_config_exits_2_with_one_line_naming_file_line_and_key(case: str, tmp_path: Path) -> None:
    text, line, key = CONFIG_ERRORS[case]
    config = tmp_path / "feeds.yaml"
    config.write_text(text)

    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)

    assert done.returncode == 2
    assert done.stdout == ""
    message = done.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert f"{config}:{line}:" in message
    assert key in message
    assert not (tmp_path / "ingest.db").exists()


def test_a_missing_config_exits_2(tmp_path: Path) -> None:
    done = run_ingest("--once", cwd=tmp_path)  # ./feeds.yaml, which is not there

    assert done.returncode == 2
    assert done.stderr.strip() == "ingest: feeds.yaml: no such file"


def test_config_and_db_come_from_the_environment_and_options_after_the_command(
    news: NewsSite, tmp_path: Path
) -> None:
    db = tmp_path / "elsewhere.db"
    done = run_ingest("--once", cwd=tmp_path, env={"INGEST_CONFIG": str(news.config), "INGEST_DB": str(db)})
    assert done.returncode == 1 and db.exists()
    assert not (tmp_path / "ingest.db").exists()

    exported = run_ingest("export", "--db", str(db), cwd=tmp_path)
    assert len(exported.stdout.splitlines()) == 26


def test_a_truncated_feed_keeps_its_entries_before_the_break(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    body, ctype = fixture_feed(fixtures, "rsparser-allthis-partial.json")  # a real, truncated JSON Feed
    site.add("/partial.json", body, ctype)
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/partial.json')}\n    name: partial\n    full_text: false\n")

    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)

    assert done.returncode == 1
    assert done.stdout.startswith("failed: partial (") and "malformed feed" in done.stdout
    # the parser's reason as a whole sentence, not cut at the "at" before its position
    assert "malformed JSON at line 1 column 12171: Invalid control character\n" in done.stdout
    assert len(_articles(tmp_path / "ingest.db")) == 2  # the two items complete before the cut


def test_oversized_pages_and_slow_extractions_are_skipped_with_their_reason(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    big = site.add("/big.html", page_html(fixtures, "readability-bbc-1"))  # ~100 KB
    # 45,000 paragraphs (under max_elements) take trafilatura over ten seconds here; the feed itself parses in
    # milliseconds, even on a loaded machine (a 200 ms limit once timed out its parse there).
    sentence = "of a very long article about nothing in particular, written to be slow to read."
    paragraphs = "".join(f"<p>Paragraph {i} {sentence}</p>" for i in range(45000))
    slow = site.add("/slow.html", f"<html><body><article>{paragraphs}</article></body></html>")
    site.add("/big.xml", _rss([("big", big)]), "application/rss+xml")
    site.add("/slow.xml", _rss([("slow", slow)]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"{NO_GAP}feeds:\n"
        f"  - url: {site.url('/big.xml')}\n    name: big\n    max_bytes: 20KB\n"
        f"  - url: {site.url('/slow.xml')}\n    name: slow\n    parse_timeout: 1s\n"
    )

    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)

    assert done.returncode == 1  # the feeds are fine; two of their pages were not, and the run says so
    summary = "ingest: 2 feeds ok, 0 failed; 0 articles new, 2 pages failed on 2 feeds"
    assert done.stdout.strip().splitlines()[-1] == summary
    failures = {e["feed"]: e for e in map(json.loads, done.stderr.splitlines()) if e["event"] == "article_failed"}
    assert "exceeds 20480 bytes" in failures["big"]["error"]
    assert failures["big"]["url"] == big
    assert "deadline" in failures["slow"]["error"]
    assert _articles(tmp_path / "ingest.db") == []


@pytest.mark.parametrize("args", [["--due"], ["--once", "--listen", "127.0.0.1:9108"], ["--listen", "nowhere"]])
def test_options_that_do_not_fit_together_are_usage_errors(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("feeds: []\n")

    done = run_ingest(*args, cwd=tmp_path, timeout=30)

    assert done.returncode == 2
    assert done.stderr.startswith("ingest: ") and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("where", ["--db", "database:"])
def test_a_database_in_a_missing_folder_is_an_error_naming_it(where: str, tmp_path: Path) -> None:
    """A typo in the path used to create the folders it named; now nothing is made and the folder is named."""
    db = tmp_path / "typo" / "dir" / "x.db"
    database = f"database: {db}\n" if where == "database:" else ""
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{database}feeds:\n  - http://127.0.0.1:9/feed.xml\n")
    options = ["--db", str(db)] if where == "--db" else []

    done = run_ingest("--once", *options, "--config", str(config), cwd=tmp_path, timeout=60)

    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == f"ingest: {db}: no such folder: {db.parent} (create it, or correct the path)\n"
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize("command", [["--once"], ["--once", "--due"], []])
def test_an_empty_feed_list_is_an_error_for_polling(command: list[str], tmp_path: Path) -> None:
    """With no feed, --once reported "0 feeds ok" and the daemon idled: both looked healthy."""
    config = tmp_path / "feeds.yaml"
    config.write_text("feeds: []\n")

    done = run_ingest(*command, "--config", str(config), cwd=tmp_path, timeout=60)

    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"ingest: {config}: feeds: no feeds to poll: list at least one feed URL under `feeds:`\n"
    assert not (tmp_path / "ingest.db").exists()


def test_reading_commands_work_with_an_empty_feed_list(news: NewsSite, tmp_path: Path) -> None:
    """export and show read the database the config names; its feed list may be empty by then."""
    run_ingest("--once", "--config", str(news.config), cwd=tmp_path)
    emptied = tmp_path / "emptied.yaml"
    emptied.write_text(f"database: {tmp_path / 'ingest.db'}\nfeeds: []\n")

    exported = run_ingest("export", "--config", str(emptied), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    first = json.loads(exported.stdout.splitlines()[0])
    shown = run_ingest("show", "article", first["id"], "--config", str(emptied), cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert first["title"] in shown.stdout


def test_feed_tags_and_page_keywords_are_exported_apart(site: LocalSite, tmp_path: Path) -> None:
    """`tags` are the feed's labels from feeds.yaml; `keywords` what the entry and page say, one per item."""
    keyworded = STORY_PAGE.replace("<head>", '<head><meta property="article:tag" content="Jakarta; search">', 1)
    page = site.add("/story.html", keyworded)
    item = "<category>aircraft;search;Indonesia;</category></item>"
    site.add("/story.xml", _rss([("story", page)]).replace("</item>", item), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/story.xml')}\n    tags: [harbour, Local]\n")

    assert run_ingest("--once", "--config", str(config), cwd=tmp_path).returncode == 0
    done = run_ingest("export", "--config", str(config), cwd=tmp_path)

    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["tags"] == ["harbour", "Local"]
    assert record["keywords"] == ["aircraft", "search", "Indonesia", "Jakarta"]


def test_pages_that_fail_fail_the_run_and_show_on_their_feed_but_dead_links_do_not(
    site: LocalSite, tmp_path: Path
) -> None:
    broken = [site.add(f"/broken/{n}.html", "<p>down</p>", status=500) for n in range(3)]
    dead = [site.url(f"/dead/{n}.html") for n in range(2)]  # never added: 404
    site.add("/broken.xml", _rss([(f"b{n}", url) for n, url in enumerate(broken)]), "application/rss+xml")
    site.add("/dead.xml", _rss([(f"d{n}", url) for n, url in enumerate(dead)]), "application/rss+xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"{NO_GAP}feeds:\n  - url: {site.url('/broken.xml')}\n    name: broken\n"
        f"  - url: {site.url('/dead.xml')}\n    name: dead\n"
    )

    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)

    assert done.returncode == 1  # pages that failed for a reason that may pass fail the run
    lines = done.stdout.strip().splitlines()
    summary = (
        "ingest: 2 feeds ok, 0 failed; 0 articles new, 3 pages failed on 1 feeds, 2 pages gone (404 or 410)"
    )
    assert lines[-1] == summary
    assert len(lines) == 2 and lines[0].startswith(f"pages failed: broken ({site.url('/broken.xml')}): 3 ")
    conn = sqlite3.connect(tmp_path / "ingest.db")
    errors = dict(conn.execute("SELECT name, last_error FROM feeds").fetchall())
    conn.close()
    assert errors == {"broken": "3 of 3 new pages failed (see entry_failures)", "dead": None}

    # Dead links alone are the feed's business: the run succeeds.
    config.write_text(f"{NO_GAP}feeds:\n  - url: {site.url('/dead.xml')}\n    name: dead\n")
    (tmp_path / "ingest.db").unlink()
    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip().endswith("0 articles new, 2 pages gone (404 or 410)")
