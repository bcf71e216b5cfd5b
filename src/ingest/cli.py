"""The command line: parse arguments, call one function per command, set the exit status."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gzip
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import __version__
from ingest.config import Config, ConfigError, load_config, require_feeds
from ingest.ops.logs import configure_logging

# Commands import their stages when they run: `ingest --help` should not wait for trafilatura.
if TYPE_CHECKING:
    from ingest.run.pipeline import PollResult
    from ingest.store import Store

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """The command line or the environment asks for something impossible."""


class Unavailable(Exception):
    """The database a command reads is missing or cannot be opened."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The daemon's only output is its log, which journald reads from stdout; for the other commands
    # stdout is data (summaries, JSON lines), so their logs go to stderr.
    daemon = args.func is cmd_run and not args.once
    configure_logging(
        level=args.log_level,
        json={"json": True, "console": False}.get(args.log_format),
        stream=sys.stdout if daemon else sys.stderr,
    )
    try:
        return args.func(args)
    except (ConfigError, UsageError) as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Unavailable as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("ingest: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`ingest export | head`); nothing is wrong with us.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


# -- commands --------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    """`ingest`: the daemon; `ingest --once`: poll every feed (or every due one) once and report."""
    from ingest.store import Store, StoreError
    from ingest.text.language import ModelUnavailable

    if args.due and not args.once:
        raise UsageError("--due goes with --once; the daemon always polls feeds when they are due")
    if args.listen and args.once:
        raise UsageError("--listen is for the daemon, not --once")
    if args.retry and not args.once:
        raise UsageError("--retry goes with --once; for the daemon, run `ingest retry` beside it")
    config = _config(args)
    if args.listen:
        config = dataclasses.replace(config, listen=_listen(args.listen))
    require_feeds(config)
    try:
        store = Store.open(_database(args, config))
    except StoreError as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        return _once(args, config, store) if args.once else _daemon(config, store)
    except (StoreError, ModelUnavailable) as exc:  # a write refused: read-only file or folder, full disk
        print(f"ingest: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        store.close()


def _daemon(config: Config, store: Store) -> int:
    from ingest.run.daemon import Daemon

    try:
        return asyncio.run(Daemon(config, store).run())
    except OSError as exc:  # e.g. the --listen address is taken
        print(f"ingest: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _once(args: argparse.Namespace, config: Config, store: Store) -> int:
    from ingest.run.pipeline import run_once

    if args.retry:
        print(_cleared(*store.clear_failures()))
    results = asyncio.run(run_once(config, store, due_only=args.due))
    for result in results:
        if not result.ok:
            print(f"failed: {result.feed.name} ({result.feed.url}): {result.error}")
        if result.failed_entries:
            print(
                f"pages failed: {result.feed.name} ({result.feed.url}): {result.failed_entries} "
                "(the reasons: the log's article_failed lines, and the entry_failures table)"
            )
    failed = sum(not r.ok for r in results)
    new = sum(r.stored for r in results)
    ok = len(results) - failed - sum(r.elsewhere for r in results)  # elsewhere: another daemon's poll
    print(f"ingest: {ok} feeds ok, {failed} failed; {new} articles new{_pages_said(results)}")
    # A page that answered 404 or 410 is the feed's dead link, not a failure of this run.
    return EXIT_FAILED if failed or any(r.failed_entries for r in results) else EXIT_OK


def _pages_said(results: list[PollResult]) -> str:
    """The summary's tail: pages that failed and on how many feeds, dead links, feeds left to others."""
    pages = sum(r.failed_entries for r in results)
    said = f", {pages} pages failed on {sum(r.failed_entries > 0 for r in results)} feeds" if pages else ""
    if missing := sum(r.missing_entries for r in results):
        said += f", {missing} pages gone (404 or 410)"
    if elsewhere := sum(r.elsewhere for r in results):
        said += f"; {elsewhere} feeds left to other daemons"
    return said


def cmd_feeds(args: argparse.Namespace) -> int:
    """`ingest feeds`: every feed's health; `ingest feeds show NAME|URL`: one, with its failed pages."""
    from ingest.ops.health import as_details, as_json, as_table, feed_health, find

    if bool(args.show) != bool(args.feed):
        raise UsageError("to see one feed: ingest feeds show NAME|URL")
    config = _config(args)
    with _stored(args, config) as store:
        rows = feed_health(config.feeds, store.feed_states(), store.feed_counts())
        if args.feed is None:
            sys.stdout.write("".join(as_json(row) + "\n" for row in rows) if args.json else as_table(rows))
            return EXIT_OK
        row = find(rows, args.feed)
        if row is None:
            raise UsageError(f"no feed named or at {args.feed!r} in {config.path} or {store.location}")
        sys.stdout.write(as_json(row) + "\n" if args.json else as_details(row, store.failed_pages(row.url)))
    return EXIT_OK


def cmd_retry(args: argparse.Namespace) -> int:
    """`ingest retry [FEED...]`: forget the failures of feeds and their pages; the next poll tries again."""
    from ingest.ops.health import feed_health, find

    config = _config(args)
    with _stored(args, config) as store:
        urls = None
        if args.feeds:
            rows = feed_health(config.feeds, store.feed_states(), store.feed_counts())
            found = {key: find(rows, key) for key in args.feeds}
            if missing := [key for key, row in found.items() if row is None]:
                raise UsageError(f"no feed named or at {', '.join(map(repr, missing))} in {config.path}")
            urls = [row.url for row in found.values() if row is not None]
        print(_cleared(*store.clear_failures(urls)))
    return EXIT_OK


def _cleared(pages: int, feeds: int) -> str:
    return f"ingest: forgot {pages} failed pages and the failures of {feeds} feeds; the next poll tries again"


def cmd_search(args: argparse.Namespace) -> int:
    """`ingest search QUERY`: stored articles with every word of it, best first, each with a snippet."""
    from ingest.render import search_hit_json, search_hit_text

    if args.limit < 1:
        raise UsageError("--limit: give 1 or more")
    with _stored(args) as store:
        hits = store.search(" ".join(args.query), args.limit)
    render = search_hit_json if args.json else search_hit_text
    sys.stdout.write("".join(render(article, snippet) for article, snippet in hits))
    return EXIT_OK if hits else EXIT_FAILED


def cmd_export(args: argparse.Namespace) -> int:
    """`ingest export`: every stored article (or, with --stories, story) as one JSON object per line."""
    from ingest.render import article_json, story_json
    from ingest.stories.record import current_story

    since = _since(args.since) if args.since else None
    with _stored(args) as store:
        if args.stories:
            for story in store.stories(since=since):
                sys.stdout.write(story_json(current_story(store, story)) + "\n")
        else:
            for article in store.articles(since=since):
                sys.stdout.write(article_json(article) + "\n")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """`ingest show story|article ID`: one record for people, in the seeds' layout."""
    from ingest.render import article_text, story_text
    from ingest.store import AmbiguousId
    from ingest.stories.record import current_story

    with _stored(args) as store:
        try:
            found = store.story(args.id) if args.kind == "story" else store.article(args.id)
        except AmbiguousId as exc:
            raise UsageError(str(exc)) from None
        if found is None:
            print(f"ingest: no {args.kind} with id {args.id!r} in {store.location}", file=sys.stderr)
            return EXIT_FAILED
        if args.kind == "article":
            sys.stdout.write(article_text(found))
        else:
            members = store.story_members(found.id)
            sys.stdout.write(story_text(current_story(store, found, members), members))
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    """`ingest extract FILE...`: the pipeline's extraction on local HTML files, as JSON lines."""
    from ingest.extract import ExtractionError
    from ingest.render import article_json
    from ingest.run.standalone import article_from_file

    if args.url and len(args.files) > 1:
        raise UsageError("--url names the address of one file; give one file with it")
    remove = tuple(_selector("--remove", value) for value in args.remove)
    body = None if args.body is None else _selector("--body", args.body)
    status = EXIT_OK
    for path in args.files:
        try:
            article = article_from_file(_read_html(path), path, args.url, remove=remove, body=body)
        except (OSError, ExtractionError) as exc:
            print(json.dumps({"file": str(path), "error": str(exc)}, ensure_ascii=False))
            status = EXIT_FAILED
            continue
        print(article_json(article, file=str(path), feed=None))  # not from a feed
    return status


# -- helpers -----------------------------------------------------------------------------------------


@contextmanager
def _stored(args: argparse.Namespace, config: Config | None = None) -> Iterator[Store]:
    """The existing database, for commands that read it; a missing one is a failure, not created."""
    from ingest.store import Store, StoreError

    try:
        store = Store.open(_database(args, config), create=False)
    except StoreError as exc:
        raise Unavailable(str(exc)) from None
    try:
        yield store
    finally:
        store.close()


def _config(args: argparse.Namespace) -> Config:
    path = args.config or os.environ.get("INGEST_CONFIG") or "feeds.yaml"
    return load_config(Path(path))


def _database(args: argparse.Namespace, config: Config | None = None) -> Path | str:
    """--db, else $INGEST_DATABASE (or its older name $INGEST_DB), else the database the configuration
    names: a SQLite file's path, or a postgresql:// URL."""
    from ingest.store.base import scheme_of

    given = args.db or os.environ.get("INGEST_DATABASE") or os.environ.get("INGEST_DB")
    if given:
        return given if scheme_of(given) else Path(given)
    return (config or _config(args)).database


def _listen(value: str) -> tuple[str, int]:
    from ingest.config import parse_listen

    try:
        return parse_listen(value)
    except ValueError as exc:
        raise UsageError(f"--listen: {exc}") from None


def _since(value: str) -> str:
    """--since as the ISO 8601 UTC form the database stores, so strings compare as times."""
    from ingest.text.dates import ISO, iso, parse_datetime

    parsed = parse_datetime(value, ISO)
    if parsed is None:
        raise UsageError(f"--since {value!r}: not an ISO 8601 date or time")
    return iso(parsed) or ""


def _selector(option: str, value: str) -> str:
    """A CSS selector checked as feeds.yaml checks one."""
    from ingest.config import parse_selector

    try:
        return parse_selector(value)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _read_html(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: an option given before the command is not reset by the command's own default.
    common.add_argument("--config", default=argparse.SUPPRESS, metavar="FILE",
                        help="feeds.yaml to use (default: $INGEST_CONFIG, else ./feeds.yaml)")
    common.add_argument("--db", default=argparse.SUPPRESS, metavar="FILE|URL",
                        help="a SQLite file or a postgresql:// URL (default: $INGEST_DATABASE, else the "
                             "config's `database`)")
    common.add_argument("--log-level", default=argparse.SUPPRESS,
                        choices=["debug", "info", "warning", "error"])
    common.add_argument("--log-format", default=argparse.SUPPRESS, choices=["auto", "json", "console"],
                        help="log lines as JSON or for people (default: JSON unless stderr is a terminal)")

    parser = argparse.ArgumentParser(
        prog="ingest", parents=[common], description="Poll news feeds into a SQLite or PostgreSQL database."
    )
    parser.set_defaults(func=cmd_run, config=None, db=None, log_level="info", log_format="auto")
    parser.add_argument("--once", action="store_true", help="poll every feed once, then exit")
    parser.add_argument("--due", action="store_true",
                        help="with --once: only the feeds whose next poll time has come (for cron)")
    parser.add_argument("--retry", action="store_true",
                        help="with --once: first forget every failure, so that failed pages are tried again")
    parser.add_argument("--listen", metavar="HOST:PORT",
                        help="serve /healthz and /metrics here (default: the config's `listen`)")
    parser.add_argument("--version", action="version", version=f"ingest {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    export = commands.add_parser("export", parents=[common], help="write stored articles as JSON lines")
    export.add_argument("--since", metavar="ISO", help="only articles fetched at or after this time")
    export.add_argument("--stories", action="store_true",
                        help="stories instead of articles (with --since: those updated since)")
    export.add_argument("--format", choices=["jsonl"], default="jsonl")
    export.set_defaults(func=cmd_export)

    feeds = commands.add_parser("feeds", parents=[common], help="every feed's health, or one feed's")
    feeds.add_argument("show", nargs="?", choices=["show"], help="show one feed, with its failed pages")
    feeds.add_argument("feed", nargs="?", metavar="NAME|URL")
    feeds.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    feeds.set_defaults(func=cmd_feeds)

    retry = commands.add_parser("retry", parents=[common],
                                help="forget failures of feeds and pages, so the next poll tries them again")
    retry.add_argument("feeds", nargs="*", metavar="NAME|URL", help="these feeds only (default: every feed)")
    retry.set_defaults(func=cmd_retry)

    search = commands.add_parser("search", parents=[common], help="find stored articles by their words")
    search.add_argument("query", nargs="+", metavar="WORD", help="every word must occur (title or text)")
    search.add_argument("--limit", type=int, default=20, help="at most this many hits (default: 20)")
    search.add_argument("--json", action="store_true", help="JSON lines instead of text")
    search.set_defaults(func=cmd_search)

    show = commands.add_parser("show", parents=[common], help="print one story or article for people")
    show.add_argument("kind", choices=["story", "article"])
    show.add_argument("id", help="its id, or the start of it")
    show.set_defaults(func=cmd_show)

    extract = commands.add_parser("extract", parents=[common], help="extract articles from local HTML files")
    extract.add_argument("files", nargs="+", type=Path, metavar="FILE")
    extract.add_argument("--url", help="the address the file was fetched from")
    extract.add_argument("--remove", action="append", default=[], metavar="SEL",
                         help="also remove what this CSS selector matches, as a feed's `remove` (repeatable)")
    extract.add_argument("--body", metavar="SEL",
                         help="the CSS selector of the article body, as a feed's `body`")
    extract.set_defaults(func=cmd_extract)
    return parser
