"""`ingest feeds` and `ingest retry`: see every feed's health, and try again what a fix cured."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ingest.cli.common import EXIT_FAILED, EXIT_OK, USAGE_EXIT, UsageError, config_of, described, stored

if TYPE_CHECKING:
    from ingest.cli.common import Commands


def add_commands(commands: Commands, common: argparse.ArgumentParser) -> None:
    feeds = described(
        commands, "feeds", common,
        summary="every feed's health, or one feed's",
        about="List every feed of feeds.yaml and of the database: its state (ok, failing, gone, new, removed "
              "from the config), last success, last error, consecutive failures, next poll, articles stored "
              "and pages failed. A table on a terminal; JSON lines with --json. `feeds show` adds one feed's "
              "recent failed pages and their reasons.",
        examples=(("ingest feeds", "the table of every feed"),
                  ("ingest feeds show 'BBC World' --json", "one feed, its failed pages included, as JSON")),
        exits=((EXIT_OK, "listed"), (EXIT_FAILED, "the database is missing or cannot be read"), USAGE_EXIT),
    )  # fmt: skip
    feeds.add_argument("show", nargs="?", choices=["show"], help="show one feed, with its failed pages")
    feeds.add_argument("feed", nargs="?", metavar="NAME|URL")
    feeds.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    feeds.set_defaults(func=cmd_feeds)

    retry = described(
        commands, "retry", common,
        summary="forget failures of feeds and pages, so the next poll tries them again",
        about="Forget the recorded failures of feeds and of their pages, so that the next poll (of a "
              "running daemon, or of `ingest --once`) fetches them again: for after a fix, such as "
              "`allow_private: true` or a larger `max_bytes`. Stored articles are kept.",
        examples=(("ingest retry", "every feed and every failed page"),
                  ("ingest retry 'BBC World' https://example.org/feed.xml", "these two feeds only")),
        exits=((EXIT_OK, "forgotten"), (EXIT_FAILED, "the database is missing or cannot be written"),
               USAGE_EXIT),
    )  # fmt: skip
    retry.add_argument("feeds", nargs="*", metavar="NAME|URL", help="these feeds only (default: every feed)")
    retry.set_defaults(func=cmd_retry)


def cmd_feeds(args: argparse.Namespace) -> int:
    """`ingest feeds`: every feed's health; `ingest feeds show NAME|URL`: one, with its failed pages."""
    from ingest.ops.health import as_details, as_json, as_table, feed_health, find

    if bool(args.show) != bool(args.feed):
        raise UsageError("to see one feed: ingest feeds show NAME|URL")
    config = config_of(args)
    with stored(args, config) as store:
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

    config = config_of(args)
    with stored(args, config) as store:
        urls = None
        if args.feeds:
            rows = feed_health(config.feeds, store.feed_states(), store.feed_counts())
            found = {key: find(rows, key) for key in args.feeds}
            if missing := [key for key, row in found.items() if row is None]:
                raise UsageError(f"no feed named or at {', '.join(map(repr, missing))} in {config.path}")
            urls = [row.url for row in found.values() if row is not None]
        print(cleared(*store.clear_failures(urls)))
    return EXIT_OK


def cleared(pages: int, feeds: int) -> str:
    return f"ingest: forgot {pages} failed pages and the failures of {feeds} feeds; the next poll tries again"
