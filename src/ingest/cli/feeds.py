"""`ingest feeds` and `ingest retry`: see every feed's health, manage the list in feeds.yaml (add, remove,
import and export OPML), and try again what a fix cured."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    USAGE_EXIT,
    UsageError,
    config_of,
    described,
    stored,
)

if TYPE_CHECKING:
    from ingest.cli.common import Commands


def add_commands(commands: Commands, common: argparse.ArgumentParser) -> None:
    feeds = described(
        commands, "feeds", common,
        summary="every feed's health, or one feed's; add, remove, import and export feeds",
        about="List every feed of feeds.yaml and of the database: its state (ok, failing, gone, new, removed "
              "from the config), last success, last error, consecutive failures, next poll, articles stored "
              "and pages failed. A table on a terminal; JSON lines with --json. `feeds show` adds one feed's "
              "recent failed pages and their reasons.\n\n"
              "The actions below manage the list in feeds.yaml, keeping its comments and layout; each has "
              "its own --help: ingest feeds add --help.",
        examples=(("ingest feeds", "the table of every feed"),
                  ("ingest feeds show 'BBC World' --json", "one feed, its failed pages included, as JSON")),
        exits=((EXIT_OK, "listed"), (EXIT_FAILED, "the database is missing or cannot be read"), USAGE_EXIT),
    )  # fmt: skip
    feeds.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    feeds.set_defaults(func=cmd_feeds, feed=None)
    actions = feeds.add_subparsers(title="actions", metavar="ACTION")
    _add_show(actions, common)
    _add_add(actions, common)
    _add_remove(actions, common)
    _add_import(actions, common)
    _add_export(actions, common)

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


def _add_show(actions: Commands, common: argparse.ArgumentParser) -> None:
    show = described(
        actions, "show", common,
        summary="one feed's health, with its recent failed pages and why they failed",
        about="Show one feed of feeds.yaml or of the database, named by its name or its URL: its state, "
              "last success and error, and its recent failed pages with their reasons and what cures them.",
        examples=(("ingest feeds show 'BBC World'", "one feed, for people"),
                  ("ingest feeds show https://example.org/feed.xml --json", "the same as one JSON line")),
        exits=((EXIT_OK, "shown"), (EXIT_FAILED, "the database is missing or cannot be read"), USAGE_EXIT),
    )  # fmt: skip
    show.add_argument("feed", metavar="NAME|URL")
    # SUPPRESS: `ingest feeds --json show X` keeps the --json given before the action.
    show.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="one JSON line")
    show.set_defaults(func=cmd_feeds)


def _add_add(actions: Commands, common: argparse.ArgumentParser) -> None:
    add = described(
        actions, "add", common,
        summary="add a feed to feeds.yaml, given its address or a web page's",
        about="Add a feed at the end of feeds.yaml's `feeds:` list, keeping the file's comments and layout. "
              "The URL may be the feed's, or a web page's: the feeds the page declares (<link "
              "rel=alternate>), else those at the usual paths of its site (/feed, /rss.xml, /index.xml...), "
              "are fetched, listed, and you choose one, or give --yes for the first or --all for every one. "
              "Without a terminal to ask on, one of those (or the feed's own URL) is required.\n\n"
              "Fetching uses the pipeline's limits and address guard (--allow-private to pass it, written "
              "into the entry too). The name is --name, else the feed's own title. The result is checked "
              "as any feeds.yaml before it is written; a running daemon reads it on SIGHUP.",
        examples=(("ingest feeds add https://www.theverge.com/ --yes --tag technology",
                   "the first feed the site declares, tagged"),
                  ("ingest feeds add https://feeds.npr.org/1004/rss.xml --name 'NPR World' --interval 15m",
                   "a feed by its own URL, named and polled every 15 minutes")),
        exits=((EXIT_OK, "added"),
               (EXIT_FAILED, "no feed found at the address, it could not be fetched, or none was chosen"),
               (EXIT_USAGE, "already subscribed, a choice to make without a terminal, or feeds.yaml is wrong "
                            "(the message says how to fix it)")),
    )  # fmt: skip
    add.add_argument("url", metavar="URL", help="a feed's address, or a web page's")
    add.add_argument("--name", help="the feed's name (default: its own title)")
    add.add_argument("--interval", metavar="DURATION", help="time between polls: 15m, 2h... (default: "
                                                            "feeds.yaml's `defaults`)")  # fmt: skip
    add.add_argument("--tag", action="append", default=[], metavar="TAG", help="a tag (repeatable)")
    choice = add.add_mutually_exclusive_group()
    choice.add_argument("--yes", action="store_true", help="add the first feed found, without asking")
    choice.add_argument("--all", action="store_true", help="add every feed found")
    add.add_argument(
        "--allow-private",
        action="store_true",
        help="fetch private and loopback addresses too, and write `allow_private: true`",
    )
    add.set_defaults(func=cmd_feeds_add)


def _add_remove(actions: Commands, common: argparse.ArgumentParser) -> None:
    remove = described(
        actions, "remove", common,
        summary="remove a feed from feeds.yaml",
        about="Remove one feed's entry from feeds.yaml, by its name or its URL, leaving the rest of the file "
              "as it was. Its stored articles stay in the database, and `ingest feeds` shows it as removed; "
              "a running daemon stops polling it on SIGHUP.",
        examples=(("ingest feeds remove 'CNN World'", "by name"),
                  ("ingest feeds remove http://rss.cnn.com/rss/edition_world.rss", "by URL")),
        exits=((EXIT_OK, "removed"), USAGE_EXIT),
    )  # fmt: skip
    remove.add_argument("feed", metavar="NAME|URL")
    remove.set_defaults(func=cmd_feeds_remove)


def _add_import(actions: Commands, common: argparse.ArgumentParser) -> None:
    imports = described(
        actions, "import", common,
        summary="add the feeds of an OPML file from another reader",
        about="Add the feeds of an OPML subscription list (what Miniflux, FreshRSS, NetNewsWire, Feedly "
              "and others export) to feeds.yaml, with the folders they are filed in as tags. Feeds "
              "feeds.yaml has already, and a feed listed twice, are skipped and counted. Nothing is "
              "fetched. --dry-run lists what would be added and skipped, and writes nothing.",
        examples=(("ingest feeds import subscriptions.opml --dry-run", "see what would change"),
                  ("ingest feeds import subscriptions.opml", "add them")),
        exits=((EXIT_OK, "imported (or listed, with --dry-run)"),
               (EXIT_USAGE, "the file is not OPML or cannot be read, or feeds.yaml is wrong")),
    )  # fmt: skip
    imports.add_argument("file", metavar="FILE.opml")
    imports.add_argument("--dry-run", action="store_true", help="list what would change; write nothing")
    imports.set_defaults(func=cmd_feeds_import)


def _add_export(actions: Commands, common: argparse.ArgumentParser) -> None:
    export = described(
        actions, "export", common,
        summary="write feeds.yaml's feeds as OPML for other readers",
        about="Write the feeds of feeds.yaml as an OPML 2.0 subscription list, each feed's name as its "
              "title and its tags as folders, which Miniflux, FreshRSS and NetNewsWire import.",
        examples=(("ingest feeds export -o subscriptions.opml", "to a file"),
                  ("ingest feeds export --config /etc/ingest/feeds.yaml | less", "to standard output")),
        exits=((EXIT_OK, "written"), (EXIT_FAILED, "the output file cannot be written"), USAGE_EXIT),
    )  # fmt: skip
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    export.set_defaults(func=cmd_feeds_export)


def cmd_feeds(args: argparse.Namespace) -> int:
    """`ingest feeds`: every feed's health; `ingest feeds show NAME|URL`: one, with its failed pages."""
    from ingest.ops.health import as_details, as_json, as_table, feed_health, find

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


def cmd_feeds_add(args: argparse.Namespace) -> int:
    """`ingest feeds add URL`: the feed at URL, or one its page leads to, written into feeds.yaml."""
    from ingest.config.edit import NewFeed
    from ingest.run.subscribe import RELOAD, NoFeed, Refused, add_chosen, check_new, choose, find_feeds

    if args.all and args.name:
        raise UsageError("--name names one feed: give it without --all")
    config = config_of(args)
    template = NewFeed(args.url, args.name, args.interval, tuple(dict.fromkeys(args.tag)), args.allow_private)
    try:
        check_new(config, template)
        found = find_feeds(args.url, allow_private=args.allow_private, user_agent=config.user_agent)
        ask = input if sys.stdin.isatty() else None
        chosen = choose(found, every=args.all, first=args.yes, ask=ask, out=sys.stdout)
        added = add_chosen(config, chosen, template)
    except NoFeed as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Refused as exc:
        raise UsageError(str(exc)) from None
    for feed in added.new:
        named = f" as {feed.name!r}" if feed.name else ""
        print(f"ingest: added {feed.url}{named} to {config.path}")
    for feed, have in added.subscribed:
        print(f"ingest: skipped {feed.url}: in {config.path} already, as {have.name!r}")
    print(f"ingest: {RELOAD}")
    return EXIT_OK


def cmd_feeds_remove(args: argparse.Namespace) -> int:
    """`ingest feeds remove NAME|URL`: the feed's entry taken out of feeds.yaml; its articles stay."""
    from ingest.config.edit import remove_feed
    from ingest.run.subscribe import RELOAD

    config = config_of(args)
    removed = remove_feed(config.path, args.feed)
    print(f"ingest: removed {removed.name!r} ({removed.url}) from {config.path}; its stored articles stay "
          "in the database, and `ingest feeds` shows it as removed")  # fmt: skip
    print(f"ingest: {RELOAD}")
    return EXIT_OK


def cmd_feeds_import(args: argparse.Namespace) -> int:
    """`ingest feeds import FILE.opml [--dry-run]`: the feeds of an OPML file added to feeds.yaml."""
    from ingest.run.subscribe import RELOAD, Refused, import_opml, import_summary

    config = config_of(args)
    try:
        sorted_ = import_opml(config, Path(args.file), dry_run=args.dry_run, out=sys.stdout)
    except Refused as exc:
        raise UsageError(str(exc)) from None
    print(f"ingest: {import_summary(sorted_, dry_run=args.dry_run)}")
    if sorted_.new and not args.dry_run:
        print(f"ingest: {RELOAD}")
    return EXIT_OK


def cmd_feeds_export(args: argparse.Namespace) -> int:
    """`ingest feeds export [-o FILE]`: feeds.yaml's feeds as OPML 2.0."""
    from ingest.run.subscribe import export_opml

    config = config_of(args)
    document = export_opml(config)
    if args.output in (None, "-"):
        sys.stdout.buffer.write(document)
        return EXIT_OK
    try:
        Path(args.output).write_bytes(document)
    except OSError as exc:
        print(f"ingest: {args.output}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"ingest: wrote {len(config.feeds)} feeds to {args.output}", file=sys.stderr)
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
