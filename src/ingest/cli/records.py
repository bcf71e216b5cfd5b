"""`ingest search`, `export` and `show`: read what is stored."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ingest.cli.common import EXIT_FAILED, EXIT_OK, USAGE_EXIT, UsageError, described, stored

if TYPE_CHECKING:
    from ingest.cli.common import Commands


def add_commands(commands: Commands, common: argparse.ArgumentParser) -> None:
    search = described(
        commands, "search", common,
        summary="find stored articles by their words",
        about="Find the stored articles whose title or text holds every word given, best first, each with "
              "its id, date, source and a snippet around the words.",
        examples=(("ingest search earthquake Japan", "articles holding both words"),
                  ("ingest search --limit 5 --json election", "the five best hits as JSON lines")),
        exits=((EXIT_OK, "something was found"), (EXIT_FAILED, "nothing was found, or the database is "
               "missing"), USAGE_EXIT),
    )  # fmt: skip
    search.add_argument("query", nargs="+", metavar="WORD", help="every word must occur (title or text)")
    search.add_argument("--limit", type=int, default=20, help="at most this many hits (default: 20)")
    search.add_argument("--json", action="store_true", help="JSON lines instead of text")
    search.set_defaults(func=cmd_search)

    export = described(
        commands, "export", common,
        summary="write stored articles or stories as JSON lines",
        about="Write every stored article (or, with --stories, every story) as one JSON object per line, "
              "in the layout of the seed documents.",
        examples=(("ingest export > articles.jsonl", "every article"),
                  ("ingest export --stories --since 2026-12-01", "the stories updated since that day")),
        exits=((EXIT_OK, "written"), (EXIT_FAILED, "the database is missing or cannot be read"), USAGE_EXIT),
    )  # fmt: skip
    export.add_argument("--since", metavar="ISO", help="only articles fetched at or after this time")
    export.add_argument("--stories", action="store_true",
                        help="stories instead of articles (with --since: those updated since)")
    export.add_argument("--format", choices=["jsonl"], default="jsonl")
    export.set_defaults(func=cmd_export)

    show = described(
        commands, "show", common,
        summary="print one story or article for people",
        about="Print one stored story (its summary, key points and articles) or one article, in the layout "
              "of the seed documents. An id can be shortened to any unambiguous start.",
        examples=(("ingest show story 8c1d", "the story whose id starts with 8c1d"),
                  ("ingest show article 3f2a9b0c", "one article, its text included")),
        exits=((EXIT_OK, "shown"), (EXIT_FAILED, "no such id, or the database is missing"), USAGE_EXIT),
    )  # fmt: skip
    show.add_argument("kind", choices=["story", "article"])
    show.add_argument("id", help="its id, or the start of it")
    show.set_defaults(func=cmd_show)


def cmd_search(args: argparse.Namespace) -> int:
    """`ingest search QUERY`: stored articles with every word of it, best first, each with a snippet."""
    from ingest.render import search_hit_json, search_hit_text

    if args.limit < 1:
        raise UsageError("--limit: give 1 or more")
    with stored(args) as store:
        hits = store.search(" ".join(args.query), args.limit)
    render = search_hit_json if args.json else search_hit_text
    sys.stdout.write("".join(render(article, snippet) for article, snippet in hits))
    return EXIT_OK if hits else EXIT_FAILED


def cmd_export(args: argparse.Namespace) -> int:
    """`ingest export`: every stored article (or, with --stories, story) as one JSON object per line."""
    from ingest.render import article_json, story_json
    from ingest.stories.record import current_story

    since = _since(args.since) if args.since else None
    with stored(args) as store:
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

    with stored(args) as store:
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


def _since(value: str) -> str:
    """--since as the ISO 8601 UTC form the database stores, so strings compare as times."""
    from ingest.text.dates import ISO, iso, parse_datetime

    parsed = parse_datetime(value, ISO)
    if parsed is None:
        raise UsageError(f"--since {value!r}: not an ISO 8601 date or time")
    return iso(parsed) or ""
