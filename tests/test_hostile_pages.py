"""Hostile article pages behind a good feed: each page fails with its reason, logged, within the bound,
while the feed and a good feed beside it go on; pages in broken charsets are still stored readably."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from aiohttp import compression_utils

from support.hostile import (
    GOOD_TEXTS,
    Polled,
    article_page,
    binary_junk,
    deep_nesting,
    gzip_bomb,
    many_paragraphs,
    poll_beside_good,
    rss,
    streamer,
)
from support.localsite import LocalSite

LIMIT = f"body exceeds {10 * 1024**2} bytes"


async def poll_page(site: LocalSite, tmp_path: Path, page: str, **feed: object) -> Polled:
    """Poll a feed whose one entry links to `page` on `site` (a trusted host), beside the good feed."""
    url = site.add("/links.xml", rss([("the page", site.url(page), None)]), "application/rss+xml")
    return await poll_beside_good(site, tmp_path, {"url": url, **feed})


def assert_page_failed(polled: Polled, reason: str) -> dict:
    """The feed was fine, its one article failed with `reason` and was logged once; the good feed stored."""
    result = polled.results["hostile"]
    assert result.ok and (result.stored, result.failed_entries) == (0, 1), result
    (logged,) = polled.logged("article_failed", "hostile")
    assert reason in logged["error"], logged["error"]
    assert polled.results["good"].stored == len(GOOD_TEXTS), [
        e for e in polled.events if e.get("feed") == "good"
    ]
    assert len(polled.articles) == len(GOOD_TEXTS)
    return logged


# -- bodies that never end or inflate -------------------------------------------------------------


async def test_gzip_bomb(site: LocalSite, tmp_path: Path) -> None:
    bomb = gzip_bomb()  # 1 GB of zeros in about 1 MB
    assert len(bomb) < 2 * 1024**2
    site.add("/bomb.html", bomb, "text/html", headers={"Content-Encoding": "gzip"})

    assert_page_failed(await poll_page(site, tmp_path, "/bomb.html"), LIMIT)


BROTLI = compression_utils.HAS_BROTLI


@pytest.mark.skipif(not BROTLI, reason="no brotli package: aiohttp cannot decode br at all")
async def test_brotli_bomb_is_bounded_like_gzip(site: LocalSite, tmp_path: Path) -> None:
    brotli = importlib.import_module("brotli" if importlib.util.find_spec("brotli") else "brotlicffi")
    bomb = brotli.compress(b"\0" * 256 * 1024**2)
    site.add("/bomb.html", bomb, "text/html", headers={"Content-Encoding": "br"})

    assert_page_failed(await poll_page(site, tmp_path, "/bomb.html"), LIMIT)


async def test_brotli_is_not_asked_for_and_refused_when_sent(site: LocalSite, tmp_path: Path) -> None:
    """Without a brotli package aiohttp neither offers br nor decodes it: the page fails, nothing inflates."""
    site.add("/br.html", binary_junk(100_000), "text/html", headers={"Content-Encoding": "br"})

    polled = await poll_page(site, tmp_path, "/br.html")

    (seen,) = site.hits("/br.html")
    offered = "br" in seen.headers.get("Accept-Encoding", "")
    assert offered == BROTLI
    if not BROTLI:
        assert_page_failed(polled, "unreadable response: Can not decode content-encoding: brotli (br)")
    else:  # junk is not brotli: a decoding error, still only this article's failure
        assert_page_failed(polled, "")


async def test_endless_body(site: LocalSite, tmp_path: Path) -> None:
    site.handle("/endless.html", streamer(None, "text/html", b"<p>more</p>" * 6000))

    assert_page_failed(await poll_page(site, tmp_path, "/endless.html"), LIMIT)


# -- pages that would take the parser minutes ----------------------------------------------------


@pytest.mark.parametrize(
    "body", [many_paragraphs(), deep_nesting()], ids=["200,000 paragraphs", "100,000 deep"]
)
async def test_too_many_elements_are_refused_before_parsing(
    site: LocalSite, tmp_path: Path, body: bytes
) -> None:
    site.add("/huge.html", body)

    assert_page_failed(await poll_page(site, tmp_path, "/huge.html"), "elements")


async def test_a_feeds_max_elements_is_the_limit(site: LocalSite, tmp_path: Path) -> None:
    site.add("/long.html", many_paragraphs(300))

    assert_page_failed(await poll_page(site, tmp_path, "/long.html", max_elements=200), "elements")


async def test_the_extraction_deadline_kills_a_slow_extraction(site: LocalSite, tmp_path: Path) -> None:
    site.add("/slow.html", many_paragraphs(30_000))  # under the element limit; trafilatura needs seconds

    logged = assert_page_failed(
        await poll_page(site, tmp_path, "/slow.html", parse_timeout=0.5), "deadline"
    )
    assert "build_article_job ran past its 0.5s deadline" in logged["error"]  # the worker call, named


# -- what is not an HTML page -------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "application/octet-stream"])
async def test_binary_content_types(site: LocalSite, tmp_path: Path, content_type: str) -> None:
    site.add("/file", binary_junk(), content_type)

    assert_page_failed(await poll_page(site, tmp_path, "/file"), f"content type {content_type!r} is not HTML")


async def test_binary_junk_labelled_html(site: LocalSite, tmp_path: Path) -> None:
    site.add("/junk.html", binary_junk(), "text/html")

    assert_page_failed(await poll_page(site, tmp_path, "/junk.html"), "not parseable as HTML")


async def test_redirect_loop(site: LocalSite, tmp_path: Path) -> None:
    site.redirect("/a.html", "/b.html")
    site.redirect("/b.html", "/a.html")

    assert_page_failed(await poll_page(site, tmp_path, "/a.html"), "more than 5 redirects")
    assert len(site.hits("/a.html")) + len(site.hits("/b.html")) == 6


# -- charsets ------------------------------------------------------------------------------------

PARAGRAPHS = [
    "The café on the corner served crème brûlée to a naïve critic, who wrote a glowing review of it.",
    "Its owner, Zoë, said the recipe came from her grandmother in Besançon and would never be changed.",
    "Prices rose by 5 € this spring, but the queue outside grew longer every weekend all the same.",
]


async def _stored_text(site: LocalSite, tmp_path: Path, body: bytes, content_type: str) -> str:
    site.add("/page.html", body, content_type)
    polled = await poll_page(site, tmp_path, "/page.html")
    problems = polled.logged("article_failed", "hostile") + polled.logged("article_crashed", "hostile")
    assert polled.results["hostile"].stored == 1, problems
    (article,) = polled.stored(site.url("/links.xml"))
    assert article.title == "Café society"
    return article.text


async def test_invalid_utf8_keeps_the_valid_text(site: LocalSite, tmp_path: Path) -> None:
    good = article_page(PARAGRAPHS, "utf-8").encode()
    broken = good.replace("Zoë".encode(), b"Zo\xeb").replace(b"grandmother", b"grand\xff\xfemother")

    text = await _stored_text(site, tmp_path, broken, "text/html; charset=utf-8")

    assert PARAGRAPHS[0] in text and PARAGRAPHS[2] in text  # not decoded as Latin-1 ("cafÃ©")
    assert "Zo\ufffd" in text and "grand\ufffd\ufffdmother" in text


@pytest.mark.parametrize(
    ("encoding", "content_type", "meta"),
    [
        ("utf-8", "text/html; charset=iso-8859-1", None),  # UTF-8 bytes, said to be Latin-1
        ("utf-8", "text/html", "windows-1252"),
        ("cp1252", "text/html; charset=utf-8", None),  # Windows-1252 bytes, said to be UTF-8
        ("cp1252", "text/html; charset=shift_jis", None),
    ],
    ids=[
        "utf-8 said latin-1",
        "utf-8 meta windows-1252",
        "windows-1252 said utf-8",
        "windows-1252 said shift_jis",
    ],
)
async def test_a_wrong_declared_charset(
    site: LocalSite, tmp_path: Path, encoding: str, content_type: str, meta: str | None
) -> None:
    body = article_page(PARAGRAPHS, meta).encode(encoding)

    text = await _stored_text(site, tmp_path, body, content_type)

    assert all(p in text for p in PARAGRAPHS), text
