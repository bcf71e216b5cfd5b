"""`ingest stories split|merge` and `ingest duplicates unmark`: a person's corrections of the deduper, kept
in the database and honoured by every later placement, restart and re-extraction."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from ingest.cli.common import EXIT_FAILED, EXIT_OK, USAGE_EXIT, config_of, described, one, stored

if TYPE_CHECKING:
    from ingest.cli.common import Commands
    from ingest.config import Config
    from ingest.dedupe.overrides import Override
    from ingest.store import Store

EXITS = ((EXIT_OK, "done"), (EXIT_FAILED, "no such article or story, nothing to change, or the database is "
         "missing"), USAGE_EXIT)  # fmt: skip


def add_commands(commands: Commands, common: argparse.ArgumentParser) -> None:
    stories = commands.add_parser("stories", help="correct how articles were grouped into stories")
    group = stories.add_subparsers(title="commands", metavar="COMMAND", required=True)
    split = described(
        group, "split", common,
        summary="move an article and its copies out of its story, into a story of its own",
        about="Detach an article, and the articles marked copies of it, from its story into a new story of "
              "their own. The correction is kept: no later assignment joins the two stories again, later "
              "copies of the article follow it, and restarts and `ingest reextract` keep it. Both stories' "
              "records are written again. `ingest show article ID` says why an article is where it is.",
        examples=(("ingest stories split 3f2a9b0c", "the article whose id starts with 3f2a9b0c"),
                  ("ingest stories split 3f2a9b0c --db postgresql://ingest@db.example/ingest",
                   "the same, on a database several daemons share")),
        exits=EXITS,
    )  # fmt: skip
    split.add_argument("article", help="the article's id, or the start of it")
    split.set_defaults(func=cmd_split)
    merge = described(
        group, "merge", common,
        summary="join two stories into one",
        about="Join story B into story A: B's articles move to A, B's id is gone, and A's record is written "
              "again. A split between the two is lifted. The correction is kept, as every correction is.",
        examples=(("ingest stories merge 8c1d 5e77", "story 5e77… joins story 8c1d…"),
                  ("ingest stories merge 8c1d2e3f4a5b6c7d 5e77a0c1b2c3d4e5", "the same, with whole ids")),
        exits=EXITS,
    )  # fmt: skip
    merge.add_argument("story", help="the story that stays: its id, or the start of it")
    merge.add_argument("other", help="the story that joins it")
    merge.set_defaults(func=cmd_merge)

    duplicates = commands.add_parser("duplicates", help="correct near-duplicate marks")
    marks = duplicates.add_subparsers(title="commands", metavar="COMMAND", required=True)
    unmark = described(
        marks, "unmark", common,
        summary="clear an article's near-duplicate mark",
        about="Clear an article's mark as a copy of another: it becomes an original in its own right, is "
              "never marked a copy of that article again (re-extraction included), and later copies of it "
              "are recognised as its own. It stays in its story; `ingest stories split` moves it.",
        examples=(("ingest duplicates unmark 3f2a9b0c", "3f2a9b0c… is not a copy"),
                  ("ingest duplicates unmark 3f2a9b0c --config /etc/ingest/feeds.yaml",
                   "with the service's feeds.yaml and its database")),
        exits=EXITS,
    )  # fmt: skip
    unmark.add_argument("article", help="the article's id, or the start of it")
    unmark.set_defaults(func=cmd_unmark)


def cmd_split(args: argparse.Namespace) -> int:
    from ingest.dedupe.overrides import SPLIT, Override
    from ingest.dedupe.story_ids import new_story_id

    def correction(store: Store) -> Override | str:
        article = one(store.article, args.article, "article", store.location)
        if article.story_id is None:
            return f"article {article.id} is not in a story yet: the daemon or the next run places it first"
        members = store.story_members(article.story_id)
        if all(a.id == article.id or a.duplicate_of == article.id for a in members):
            return f"article {article.id} and its copies are the whole of story {article.story_id}"
        story_id = new_story_id(article.id, lambda taken: store.story(taken) is not None)
        return Override(SPLIT, article.id, story_id, article.story_id)

    return _correct(args, correction)


def cmd_merge(args: argparse.Namespace) -> int:
    from ingest.dedupe.overrides import MERGE, Override

    def correction(store: Store) -> Override | str:
        keep, gone = (one(store.story, key, "story", store.location) for key in (args.story, args.other))
        if keep.id == gone.id:
            return f"{args.story} and {args.other} are one story, {keep.id}"
        return Override(MERGE, story_id=keep.id, other_story_id=gone.id)

    return _correct(args, correction)


def cmd_unmark(args: argparse.Namespace) -> int:
    from ingest.dedupe.overrides import UNMARK, Override

    def correction(store: Store) -> Override | str:
        article = one(store.article, args.article, "article", store.location)
        if article.duplicate_of is None:
            return f"article {article.id} is not marked a copy of another"
        return Override(UNMARK, article.id, original_id=article.duplicate_of)

    return _correct(args, correction)


def _correct(args: argparse.Namespace, correction: Callable[[Store], Override | str]) -> int:
    config = config_of(args)
    with stored(args, config, upgrade=True) as store:
        override = correction(store)
        if isinstance(override, str):
            print(f"ingest: {override}", file=sys.stderr)
            return EXIT_FAILED
        moved = store.correct(override)
        asyncio.run(_rewrite_records(config, store))
    print(f"ingest: {_said(override, moved)}")
    return EXIT_OK


async def _rewrite_records(config: Config, store: Store) -> None:
    """The stories the correction changed, summarised again (in a fleet, by the daemon that places)."""
    from ingest.run.pipeline import refresh_story_records
    from ingest.run.services import services

    async with services(config, store) as svc:
        await refresh_story_records(svc)


def _said(override: Override, moved: list[str]) -> str:
    from ingest.dedupe.reasons import describe

    others = len(moved) - 1
    copies = f" and {others} {'copy' if others == 1 else 'copies'} of it" if others > 0 else ""
    if override.kind == "merge":
        return f"story {override.other_story_id} joined story {override.story_id}: {len(moved)} articles came"
    return f"article {override.article_id}{copies}: {describe(override.reason())}"
