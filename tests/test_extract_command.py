"""`ingest extract` end to end: real fixture pages from standard input, files and a loopback web server,
through the real command; errors on stderr, the articles that could be extracted still printed."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web

from ingest import defaults
from ingest.model import Article
from ingest.render import article_text
from support.localsite import LocalSite, page_html, page_index

PAGE = "readability-bbc-1"  # a real page with a title, a date and a site name
OTHER = "readability-ars-1"


def extract(*args: str, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    """`python -m ingest extract ARGS`, its output as text."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "ingest", "extract", *args],
        input=stdin, cwd=cwd, env=env, capture_output=True, timeout=120,
    )  # fmt: skip
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def gold(fixtures: Path, page_id: str) -> dict:
    return page_index(fixtures)[page_id]


def only_record(done: subprocess.CompletedProcess[str]) -> dict:
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    return json.loads(line)


# -- standard input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("packed", [True, False], ids=["gzip", "plain"])
def test_dash_reads_the_page_from_standard_input(packed: bool, fixtures: Path, tmp_path: Path) -> None:
    raw = (fixtures / "pages" / gold(fixtures, PAGE)["file"]).read_bytes()  # gzip: known by its bytes
    page = raw if packed else page_html(fixtures, PAGE)

    record = only_record(extract("-", "--url", "https://news.example/obama", cwd=tmp_path, stdin=page))

    assert record["file"] == "-"
    assert record["url"] == "https://news.example/obama"
    assert record["title"] == gold(fixtures, PAGE)["gold_title"]
    assert "President Barack Obama" in record["text"]


def test_standard_input_without_url_takes_the_pages_canonical_address(fixtures: Path, tmp_path: Path) -> None:
    record = only_record(extract("-", cwd=tmp_path, stdin=page_html(fixtures, PAGE)))
    assert record["url"] == "http://www.bbc.com/news/world-us-canada-33646704"


# -- URLs: the pipeline's fetch, limits and address guard ----------------------------------------------


def test_a_loopback_url_is_refused_without_allow_private(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    url = site.add("/news/1", page_html(fixtures, PAGE))

    done = extract(url, cwd=tmp_path)

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"ingest: {url}: address not allowed: 127.0.0.1 (loopback)")
    assert "--allow-private" in done.stderr
    assert site.hits() == []  # refused before connecting


def test_allow_private_fetches_it_as_the_pipeline_would(
    site: LocalSite, fixtures: Path, tmp_path: Path
) -> None:
    page = site.add("/news/1", page_html(fixtures, PAGE))
    moved = site.redirect("/old/1", "/news/1", status=301)

    record = only_record(extract(moved, "--allow-private", cwd=tmp_path))

    assert record["url"] == page  # the address after redirects
    assert record["file"] is None
    assert record["title"] == gold(fixtures, PAGE)["gold_title"]
    (request,) = site.hits("/news/1")
    assert request.headers["User-Agent"] == defaults.USER_AGENT
    assert request.headers["Accept"].startswith("text/html")


async def _streamed(request: web.Request) -> web.StreamResponse:
    """A page larger than the limit, sent without a Content-Length: the limit holds while reading."""
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    chunk = b"<p>" + b"x" * (1024 * 1024)
    for _ in range(defaults.MAX_BYTES // len(chunk) + 2):
        await response.write(chunk)
    await response.write_eof()
    return response


@pytest.mark.parametrize("sent", ["declared", "streamed"])
def test_a_page_over_max_bytes_fails_clearly(sent: str, site: LocalSite, tmp_path: Path) -> None:
    if sent == "declared":
        url = site.add("/huge", b"<p>" + b"x" * defaults.MAX_BYTES)
    else:
        url = site.handle("/huge", _streamed)

    done = extract(url, "--allow-private", cwd=tmp_path)

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"ingest: {url}: ")
    assert f"exceeds {defaults.MAX_BYTES} bytes" in done.stderr and "max_bytes" in done.stderr


def test_a_missing_page_is_named_with_its_status(site: LocalSite, tmp_path: Path) -> None:
    url = site.url("/gone")
    done = extract(url, "--allow-private", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith(f"ingest: {url}: HTTP 404")


# -- files and failures ----------------------------------------------------------------------------------


def test_a_missing_file_is_named_on_stderr_and_the_others_still_printed(
    fixtures: Path, tmp_path: Path
) -> None:
    page = tmp_path / "bbc.html"
    page.write_bytes(page_html(fixtures, PAGE))
    packed = (fixtures / "pages" / gold(fixtures, OTHER)["file"]).read_bytes()
    (tmp_path / "other.html.gz").write_bytes(packed)

    done = extract(str(page), "absent.html", "other.html.gz", cwd=tmp_path)

    assert done.returncode == 1
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert (first["file"], second["file"]) == (str(page), "other.html.gz")
    assert second["title"] == gold(fixtures, OTHER)["gold_title"]
    assert "ingest: absent.html: no such file\n" in done.stderr
    assert "Errno" not in done.stderr and "error" not in first | second


def test_a_page_without_an_article_is_a_failure_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_text("<html><head><title>x</title></head><body></body></html>")
    done = extract("empty.html", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("ingest: empty.html: no article extracted: ")


@pytest.mark.parametrize(
    "args",
    [
        ("-", "-"),
        ("a.html", "b.html", "--url", "https://x.example/"),
        ("https://x.example/", "--url", "https://y.example/"),
    ],
    ids=["stdin twice", "url for two files", "url for a url"],
)
def test_impossible_inputs_are_usage_errors(args: tuple[str, ...], tmp_path: Path) -> None:
    done = extract(*args, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("ingest: ")


# -- formats ---------------------------------------------------------------------------------------------


def test_text_format_is_the_layout_of_ingest_show(fixtures: Path, tmp_path: Path) -> None:
    html = page_html(fixtures, PAGE)
    record = only_record(extract("-", cwd=tmp_path, stdin=html))
    article = Article(**{field.name: record[field.name] for field in dataclasses.fields(Article)})

    done = extract("-", "--format", "text", cwd=tmp_path, stdin=html)

    assert done.returncode == 0, done.stderr
    assert done.stdout == article_text(article)


def test_markdown_format_has_title_heading_metadata_and_paragraphs(fixtures: Path, tmp_path: Path) -> None:
    done = extract("-", "--format", "markdown", "--url", "https://news.example/obama", cwd=tmp_path,
                   stdin=page_html(fixtures, PAGE))  # fmt: skip

    assert done.returncode == 0, done.stderr
    title = gold(fixtures, PAGE)["gold_title"]
    heading, blank, meta, blank2, first, *_ = done.stdout.split("\n")
    assert heading == f"# {title}" and blank == blank2 == ""
    assert "2015-07-24" in meta and "news.example" in meta and "<https://news.example/obama>" in meta
    assert first.startswith("President Barack Obama")


def test_several_pages_in_text_formats_are_separated(fixtures: Path, tmp_path: Path) -> None:
    for page_id in (PAGE, OTHER):
        (tmp_path / f"{page_id}.html").write_bytes(page_html(fixtures, page_id))
    files = [f"{PAGE}.html", f"{OTHER}.html"]

    markdown = extract(*files, "--format", "markdown", cwd=tmp_path)
    text = extract(*files, "--format", "text", cwd=tmp_path)

    for done in (markdown, text):
        assert done.returncode == 0, done.stderr
        first, second = done.stdout.split("\n\n---\n\n")
        assert gold(fixtures, OTHER)["gold_title"] in second.splitlines()[0]
    assert markdown.stdout.count("\n# ") == 1 and markdown.stdout.startswith("# ")


def test_help_describes_files_stdin_and_urls(tmp_path: Path) -> None:
    done = extract("--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "standard input" in done.stdout and "--allow-private" in done.stdout
    assert done.stdout.count("  ingest extract ") == 2  # two examples
    assert "exit status:" in done.stdout and "  1  " in done.stdout
