"""`ingest export`'s filters and formats through the real command line (`ingest.cli.main`, and the
installed command for its errors), on a database of each backend filled through the store: which
articles and stories each filter lets through, relative ages, published against fetched time, CSV
read back with the csv module against the JSON lines, and the usage errors."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import structlog

from conftest import run_ingest
from ingest.cli import main
from ingest.model import Article, Entry, Extracted
from ingest.normalize import build_article
from ingest.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)
HARBOUR = ("https://harbour.example/feed.xml", "Harbour News")
WIRE = ("https://wire.example/rss", "World Wire")
# Two stories; ids chosen so that "5a" starts one id and "5" starts both.
STORY_A, STORY_B = "5a0e1c2d3b4f5a6b", "5b9e8d7c6b5a4f3e"
# Each article: (name, feed, feed tags, URL, site name, published ago, fetched ago, story). Ages in hours.
ROWS = (
    ("fresh", HARBOUR, ("local",), "https://harbour.example/bridge", None, 3, 1, STORY_A),
    ("older", HARBOUR, ("local",), "https://harbour.example/ferry", None, 48, 1, STORY_A),
    ("undated", WIRE, ("world", "news"), "https://www.wire.example/summit", "Wire", None, 120, STORY_B),
    ("old", WIRE, ("world", "news"), "https://www.wire.example/vote", "Wire", 240, 0.5, STORY_B),
)
TEXT = (
    "The {name} report begins with what happened at the harbour on Tuesday morning. Officials said the "
    "work would take another week, and traders along the quay said they had lost a day of business.\n\n"
    "A second paragraph, with a comma, a \"quote\" and a semicolon; it follows the first one."
)

Export = Callable[..., tuple[int, str, str]]


def _article(name: str, feed: tuple[str, str], tags: tuple[str, ...], url: str, site: str | None,
             published: float | None, fetched: float, story: str) -> Article:  # fmt: skip
    when = None if published is None else NOW - timedelta(hours=published)
    built = build_article(
        entry=Entry(guid=url, link=url, title=f"The {name} report", published=when),
        feed_url=feed[0],
        feed_tags=tags,
        url=url,
        extracted=Extracted(text=TEXT.format(name=name), title=f"The {name} report", site_name=site),
        fetched_at=NOW - timedelta(hours=fetched),
    )
    return dataclasses.replace(built, story_id=story, keywords=["harbour", name])


@pytest.fixture
def export(database: Path | str) -> Export:
    """The database filled with ROWS; export(*args) runs `ingest export` on it through the command line's
    own entry point, in this process: (exit status, stdout, stderr)."""
    store = Store.open(database)
    try:
        store.sync_feeds([HARBOUR, WIRE])
        for row in ROWS:
            assert store.add_article(_article(*row), entry_url=row[3])
    finally:
        store.close()

    def run(*args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        config, handlers, level = structlog.get_config(), logging.root.handlers[:], logging.root.level
        try:
            with redirect_stdout(out), redirect_stderr(err):
                status = main(["export", "--db", str(database), *args])
        finally:
            # main points the process's logging at its stderr, here a buffer: the tests after this one
            # must log where they did before (a logger bound meanwhile writes to the buffer, still open).
            structlog.configure(**config)
            logging.root.handlers[:], logging.root.level = handlers, level
        return status, out.getvalue(), err.getvalue()

    return run


def _names(export: Export, *args: str) -> list[str]:
    """The articles an export writes, by their name in ROWS, in the order written."""
    status, out, err = export(*args)
    assert status == 0, err
    return [json.loads(line)["title"].split()[1] for line in out.splitlines()]


def _stories(export: Export, *args: str) -> list[str]:
    status, out, err = export("--stories", *args)
    assert status == 0, err
    return [json.loads(line)["id"] for line in out.splitlines()]


def test_plain_export_writes_every_article_as_stored(export: Export, database: Path | str) -> None:
    from ingest.render import article_json

    status, out, _ = export()
    store = Store.open(database, create=False)
    try:
        expected = [article_json(article) for article in store.articles()]
    finally:
        store.close()
    assert status == 0 and out.splitlines() == expected
    assert [json.loads(line)["title"] for line in expected] == [f"The {row[0]} report" for row in ROWS]


def test_since_and_until_apply_to_the_published_date_else_the_fetched_time(export: Export) -> None:
    assert _names(export, "--since", "1d") == ["fresh"]
    # "undated" has no published date: it counts by when it was fetched, five days ago.
    assert _names(export, "--since", "1w") == ["fresh", "older", "undated"]
    assert _names(export, "--until", "24h") == ["older", "undated", "old"]
    assert _names(export, "--since", "2w", "--until", "4d") == ["undated", "old"]
    assert _names(export, "--since", "90m", "--until", "1h") == []
    # --since includes its instant, --until does not: adjacent windows never share an article.
    published = (NOW - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (_names(export, "--since", published), _names(export, "--until", published)) == (
        ["fresh"], ["older", "undated", "old"]
    )
    # ISO dates and times, in any zone, mean the same instant.
    day = (NOW - timedelta(days=3)).strftime("%Y-%m-%d")
    assert _names(export, "--since", day) == ["fresh", "older"]
    paris = (NOW - timedelta(hours=5)).astimezone(timezone(timedelta(hours=2))).isoformat()
    assert paris.endswith("+02:00") and _names(export, "--since", paris) == ["fresh"]
    assert _names(export, "--until", (NOW - timedelta(days=6)).isoformat()) == ["old"]


def test_by_fetched_gives_the_time_each_article_was_stored(export: Export) -> None:
    assert _names(export, "--since", "2h", "--by", "fetched") == ["fresh", "older", "old"]
    assert _names(export, "--until", "2h", "--by", "fetched") == ["undated"]
    assert _names(export, "--since", "2h", "--by", "published") == []


def test_feed_source_tag_and_story_filters_combine(export: Export) -> None:
    assert _names(export, "--feed", "Harbour News") == ["fresh", "older"]
    assert _names(export, "--feed", WIRE[0]) == ["undated", "old"]
    assert _names(export, "--feed", "Harbour News", "--feed", WIRE[0]) == ["fresh", "older", "undated", "old"]
    assert _names(export, "--source", "wire.example") == ["undated", "old"]
    assert _names(export, "--source", "https://WWW.Wire.example/") == ["undated", "old"]
    assert _names(export, "--source", "Wire") == ["undated", "old"]  # the site name
    assert _names(export, "--source", "harbour.example", "--source", "nowhere.example") == ["fresh", "older"]
    assert _names(export, "--tag", "world") == ["undated", "old"]
    assert _names(export, "--tag", "local", "--tag", "news") == ["fresh", "older", "undated", "old"]
    assert _names(export, "--tag", "wor") == []
    assert _names(export, "--story", STORY_B) == ["undated", "old"]
    assert _names(export, "--story", "5a") == ["fresh", "older"]  # an id's start, as `show` takes it
    # Filters of different options must all hold.
    assert _names(export, "--tag", "local", "--since", "1d") == ["fresh"]
    assert _names(export, "--feed", "World Wire", "--since", "1w", "--source", "wire.example") == ["undated"]
    assert _names(export, "--story", "5a", "--source", "wire.example") == []


def test_stories_count_by_their_last_update_and_their_articles(export: Export) -> None:
    # STORY_A's articles were fetched an hour ago; STORY_B's last one half an hour ago.
    assert _stories(export) == [STORY_A, STORY_B]
    assert _stories(export, "--since", "45m") == [STORY_B]
    assert _stories(export, "--until", "45m") == [STORY_A]
    assert _stories(export, "--feed", "Harbour News") == [STORY_A]
    assert _stories(export, "--tag", "news", "--source", "wire.example") == [STORY_B]
    assert _stories(export, "--tag", "local", "--source", "wire.example") == []
    assert _stories(export, "--story", "5b") == [STORY_B]
    (story,) = (json.loads(line) for line in export("--stories", "--story", "5a")[1].splitlines())
    members = [json.loads(line)["id"] for line in export("--story", "5a")[1].splitlines()]
    assert sorted(story["articles"]) == sorted(members) and len(members) == 2


def test_csv_holds_what_the_json_lines_hold(export: Export) -> None:
    status, out, err = export("--format", "csv", "--feed", "World Wire")
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    records = [json.loads(line) for line in export("--feed", "World Wire")[1].splitlines()]
    assert len(rows) == 2 and list(rows[0]) == list(records[0])  # the record's fields, in its order
    for row, record in zip(rows, records, strict=True):
        assert row == {key: _cell(value) for key, value in record.items()}
    assert rows[0]["tags"] == "world; news" and "\n\n" in rows[0]["text"] and rows[0]["published"] == ""

    # With nothing to write, the header is still there for tools that read the columns.
    empty = export("--format", "csv", "--tag", "none")[1]
    assert list(csv.reader(io.StringIO(empty, newline=""))) == [list(records[0])]


def test_stories_as_csv_hold_what_their_json_lines_hold(export: Export) -> None:
    written = export("--stories", "--format", "csv", "--story", "5b")[1]
    (row,) = csv.DictReader(io.StringIO(written, newline=""))
    (story,) = (json.loads(line) for line in export("--stories", "--story", "5b")[1].splitlines())
    image = story.pop("image") or {"url": None, "caption": None, "source": None}
    story |= {f"image_{key}": value for key, value in image.items()}
    assert row.keys() == story.keys()
    assert row["sources"] == "; ".join(f"{domain}: {n}" for domain, n in story.pop("sources").items())
    assert row["key_points"].split("\n") == story.pop("key_points") != []
    assert {key: row[key] for key in story} == {key: _cell(value) for key, value in story.items()}


def _cell(value: object) -> str:
    """A JSON value as a CSV cell reads back."""
    if value is None:
        return ""
    return "; ".join(value) if isinstance(value, list) else str(value)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--since", "yesterday-ish"],
         "--since 'yesterday-ish': give an ISO 8601 date or time, e.g. --since 2025-06-01"),
        (["--until", "30"], "--until '30': give an ISO 8601 date or time"),
        (["--since", "2025-13-01"], "e.g. --since 2h or --since 7d"),
        (["--since", "99999999w"], "--since 99999999w: too long ago; give e.g. --since 2w"),
        (["--since", "2d", "--until", "3d"], "--since 2d is not before --until 3d"),
        (["--by", "updated"], "--by updated: give one of published, fetched, e.g. --by fetched"),
        (["--stories", "--by", "fetched"], "--by: stories count by their last update"),
        (["--feed", "Nowhere News"], "--feed 'Nowhere News': no feed has that name, title or URL"),
        (["--story", "5"], "--story: '5' starts more than one story id"),
    ],
)  # fmt: skip
def test_bad_values_are_usage_errors_that_name_the_option(export: Export, args: list[str], said: str) -> None:
    status, out, err = export(*args)
    assert (status, out) == (2, ""), err
    assert said in err


def test_the_installed_command_refuses_a_bad_value_and_documents_the_filters(
    export: Export, database: Path | str, tmp_path: Path
) -> None:
    done = run_ingest("export", "--db", str(database), "--until", "soon", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("ingest: --until 'soon': give an ISO 8601 date or time")
    bad = run_ingest("export", "--db", str(database), "--format", "xml", cwd=tmp_path)
    assert bad.returncode == 2 and "invalid choice: 'xml'" in bad.stderr
    usage = run_ingest("export", "--help", cwd=tmp_path).stdout
    assert "fetched if it has none" in " ".join(usage.split())  # articles without a date
    examples = usage.split("examples:\n")[1].split("\n\nexit status:\n")
    assert len(examples[0].splitlines()) == 4  # two examples, each with what it does
    assert "--since 7d" in examples[0] and "--format csv" in examples[0]
    assert [line.split()[0] for line in examples[1].splitlines()] == ["0", "1", "2"]


def test_a_story_that_is_not_stored_fails_as_show_does(export: Export) -> None:
    status, out, err = export("--story", "ffff")
    assert (status, out) == (1, "") and "no story with id 'ffff'" in err
