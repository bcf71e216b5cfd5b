"""`ingest search`, `export` and `show`: read what is stored."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from ingest.cli.common import EXIT_FAILED, EXIT_OK, USAGE_EXIT, UsageError, described, one, stored

if TYPE_CHECKING:
    from ingest.cli.common import Commands
    from ingest.model import Article, Story
    from ingest.store import ArticleFilter, Store

R = TypeVar("R", "Article", "Story")  # what export writes: one kind of record per run


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
        summary="write stored articles or stories as JSON lines or CSV",
        about="Write the stored articles (or, with --stories, the stories) as one JSON object per line in "
              "the layout of the seed documents, or as CSV: a header row of the record's fields, then one "
              "row per record, list items separated by semicolons (a story's key points: one per line). "
              "A record meets every filter given; --feed, --source and --tag may be repeated, and then "
              "one of their values is enough.\n\n"
              "--since and --until take an ISO 8601 date or time (2025-06-01, 2025-06-01T09:30:00Z; UTC "
              "unless it names its zone) or an age before now (30m, 2h, 7d, 2w); --since is included, "
              "--until is not. They apply to an article's published date, or to when it was fetched if it "
              "has none; with --by fetched, to when it was fetched. A story counts by its last update (when "
              "its latest article was fetched), and --feed, --source and --tag keep the stories with at "
              "least one article they match.",
        examples=(("ingest export --since 7d --source bbc.co.uk --tag world > week.jsonl",
                   "the articles BBC published in the last seven days, from feeds tagged world"),
                  ("ingest export --stories --feed 'BBC World' --until 2026-12-01 --format csv",
                   "as CSV, the stories of that feed last updated before that day")),
        exits=((EXIT_OK, "written"), (EXIT_FAILED, "no such story (--story), or the database is missing "
               "or cannot be read"), USAGE_EXIT),
    )  # fmt: skip
    add_article_filters(export)
    # The store is imported when a command runs, not to build the parser: --by is checked by article_filter.
    export.add_argument("--by", metavar="published|fetched",
                        help="the time --since and --until apply to (default: published, else fetched)")
    export.add_argument("--story", metavar="ID", help="only the articles of this story (an id or its start)")
    export.add_argument("--stories", action="store_true", help="stories instead of articles")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl",
                        help="JSON lines (the default), or CSV with a header row")
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


def add_article_filters(parser: argparse.ArgumentParser) -> None:
    """The filters `article_filter` reads, for every command that selects stored articles."""
    parser.add_argument("--since", metavar="WHEN", help="only records at or after WHEN: a date, time or age")
    parser.add_argument("--until", metavar="WHEN", help="only records before WHEN: a date, time or age")
    parser.add_argument("--feed", action="append", default=[], metavar="NAME|URL",
                        help="only articles of this feed: its name in feeds.yaml, own title, or URL")
    parser.add_argument("--source", action="append", default=[], metavar="SITE",
                        help="only articles from this site: its host (bbc.co.uk) or site name (BBC News)")
    parser.add_argument("--tag", action="append", default=[], help="only articles of feeds with this tag")


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
    """`ingest export`: the stored articles (or, with --stories, stories) the filters select, as JSON
    lines or CSV."""
    from ingest.model import Article, Story
    from ingest.render import article_json, story_json
    from ingest.stories.record import current_story

    where = article_filter(args)
    with stored(args) as store:
        where = resolved_filter(where, args, store)
        if args.stories:
            stories = (current_story(store, story) for story in store.stories(where))
            _write(stories, Story, story_json, args.format)
        else:
            _write(store.articles(where), Article, article_json, args.format)
    return EXIT_OK


def _write(records: Iterable[R], kind: type[R], as_json: Callable[[R], str], form: str) -> None:
    """Records on stdout as --format asks: JSON lines, or CSV under a header row of the record's fields."""
    from ingest.render import csv_header, csv_row

    if form == "csv":
        sys.stdout.write(csv_header(kind))
        sys.stdout.writelines(csv_row(record) for record in records)
    else:
        sys.stdout.writelines(as_json(record) + "\n" for record in records)


def cmd_show(args: argparse.Namespace) -> int:
    """`ingest show story|article ID`: one record for people, in the seeds' layout."""
    from ingest.render import article_text, story_text
    from ingest.stories.record import current_story

    with stored(args) as store:
        find = store.story if args.kind == "story" else store.article
        found = one(find, args.id, args.kind, store.location)
        if args.kind == "article":
            sys.stdout.write(article_text(found, placed_because(store, found.id)))
        else:
            members = store.story_members(found.id)
            sys.stdout.write(story_text(current_story(store, found, members), members))
    return EXIT_OK


def placed_because(store: Store, article_id: str) -> list[str]:
    """The lines `show article` prints on why the article is a copy and why it is in its story."""
    from ingest.dedupe.reasons import describe

    copy, story = store.reasons(article_id)
    return [f"{label}: {describe(reason)}" for label, reason in (("Copy", copy), ("Story", story)) if reason]


def article_filter(args: argparse.Namespace) -> ArticleFilter:
    """The export's filters as the store reads them, the times checked before the database is opened."""
    from ingest.store.base import DEFAULT_TIME, FILTER_TIMES, ArticleFilter

    if args.by is not None and args.by not in FILTER_TIMES:
        raise UsageError(f"--by {args.by}: give one of {', '.join(FILTER_TIMES)}, e.g. --by fetched")
    if args.stories and args.by:
        raise UsageError("--by: stories count by their last update; give --by only for articles")
    now = datetime.now(UTC)
    since = _moment("--since", args.since, now) if args.since else None
    until = _moment("--until", args.until, now) if args.until else None
    if since and until and since >= until:
        raise UsageError(f"--since {args.since} is not before --until {args.until}: nothing could match")
    return ArticleFilter(
        since=since, until=until, by=args.by or DEFAULT_TIME,
        feeds=tuple(args.feed), sources=tuple(args.source), tags=tuple(args.tag),
    )  # fmt: skip


def resolved_filter(where: ArticleFilter, args: argparse.Namespace, store: Store) -> ArticleFilter:
    """The filter with --story's whole id, once --feed is known to name a feed (NotFound if there is no
    such story, as `show` says)."""
    from ingest.store.base import FEED_KEYS

    known = {getattr(state, key) for state in store.feed_states() for key in FEED_KEYS}
    if missing := [feed for feed in where.feeds if feed not in known]:
        raise UsageError(f"--feed {missing[0]!r}: no feed has that name, title or URL in {store.location} "
                         f"(give one as `ingest feeds` lists it, e.g. --feed https://example.com/feed.xml)")
    if args.story is None:
        return where
    story = one(store.story, args.story, "story", store.location, option="--story")
    return dataclasses.replace(where, story=story.id)


def _moment(option: str, value: str, now: datetime) -> str:
    """A --since or --until as the ISO 8601 UTC text the records hold (see store.records.time_bound)."""
    from ingest.store.records import time_bound

    try:
        return time_bound(value, now, lambda given: f"{option} {given}")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
