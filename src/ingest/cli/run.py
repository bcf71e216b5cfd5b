"""`ingest`, the daemon, and `ingest --once`, one poll of every feed with a summary of what it did."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from typing import TYPE_CHECKING

from ingest.cli.common import EXIT_FAILED, EXIT_OK, USAGE_EXIT, UsageError, config_of, database, log_to
from ingest.cli.feeds import cleared
from ingest.config import Config, require_feeds

if TYPE_CHECKING:
    from ingest.run.pipeline import PollResult
    from ingest.store import Store

ABOUT = """\
Poll the feeds of feeds.yaml, fetch each new article, extract its text, recognise duplicates, group
articles into stories, and store them in a SQLite file or a PostgreSQL database.

Without a command, ingest runs as a daemon until SIGTERM (SIGHUP reloads feeds.yaml); with --once it
polls every feed once, prints a summary and exits."""

EXAMPLES = (
    ("ingest --once", "poll every feed once; a progress display on a terminal, then a summary"),
    ("ingest --config /etc/ingest/feeds.yaml --listen 127.0.0.1:9108",
     "run the daemon, serving /healthz and /metrics"),
)
EXITS = (
    (EXIT_OK, "done (--once: every feed and page was fetched, or answered 404/410)"),
    (EXIT_FAILED, "--once: a feed or page failed (named above the summary); the database cannot be written"),
    USAGE_EXIT,
)


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="poll every feed once, then exit")
    parser.add_argument("--due", action="store_true",
                        help="with --once: only the feeds whose next poll time has come (for cron)")
    parser.add_argument("--retry", action="store_true",
                        help="with --once: first forget every failure, so that failed pages are tried again")
    parser.add_argument("--listen", metavar="HOST:PORT",
                        help="serve /healthz and /metrics here (default: the config's `listen`)")
    parser.set_defaults(func=cmd_run)


def is_daemon(args: argparse.Namespace) -> bool:
    return args.func is cmd_run and not args.once


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
    config = config_of(args)
    if args.listen:
        config = dataclasses.replace(config, listen=_listen(args.listen))
    require_feeds(config)
    try:
        store = Store.open(database(args, config))
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
    from ingest.run.tally import Tally

    if args.retry:
        print(cleared(*store.clear_failures()))
    tally = Tally()
    polls = run_once(config, store, due_only=args.due, tally=tally)
    if sys.stderr.isatty():  # a person is watching: show them how far it got
        from ingest.cli.progress import live_progress

        with live_progress(tally, on_stderr=lambda: log_to(args, sys.stderr)):
            results = asyncio.run(polls)
    else:
        results = asyncio.run(polls)
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


def _listen(value: str) -> tuple[str, int]:
    from ingest.config import parse_listen

    try:
        return parse_listen(value)
    except ValueError as exc:
        raise UsageError(f"--listen: {exc}") from None
