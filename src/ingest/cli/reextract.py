"""`ingest reextract`: stored articles extracted again from their kept pages, after the rules changed."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from ingest.cli.common import EXIT_FAILED, EXIT_OK, USAGE_EXIT, config_of, described, stored
from ingest.cli.records import add_article_filters, article_filter, resolved_filter

if TYPE_CHECKING:
    from ingest.cli.common import Commands
    from ingest.run.reextract import Reextracted


def add_commands(commands: Commands, common: argparse.ArgumentParser) -> None:
    again = described(
        commands, "reextract", common,
        summary="extract stored articles again from their kept pages, with today's rules",
        about="Run extraction, clean-up and near-duplicate detection again on the pages kept of stored "
              "articles (feeds.yaml's keep_html: 30 days by default), with this version's rules and each "
              "feed's settings (remove, body, max_elements, tags) as feeds.yaml gives them now. Records "
              "that come out different are rewritten in place, keeping their ids; an article whose text "
              "changed is placed again (its original and its story, among the articles of its days), and "
              "the stories it leaves or joins are summarised again. It runs in the worker pool and may run "
              "beside the daemon, which reloads its index when it sees the change.\n\n"
              "--since and --until work as export's: an ISO 8601 date or time, or an age (30m, 2h, 7d).",
        examples=(("ingest reextract --since 30d", "the last month's articles"),
                  ("ingest reextract --feed 'BBC World' --source bbc.co.uk",
                   "one feed's articles from one site, after changing its remove: selectors")),
        exits=((EXIT_OK, "done, every kept page extracted"), (EXIT_FAILED, "some pages failed to extract "
               "(their records are kept as they were), or the database is missing"), USAGE_EXIT),
    )  # fmt: skip
    add_article_filters(again)
    again.set_defaults(func=cmd_reextract, by=None, stories=False, story=None)


def cmd_reextract(args: argparse.Namespace) -> int:
    from ingest.run.reextract import reextract_stored

    config = config_of(args)
    where = article_filter(args)
    with stored(args, config, upgrade=True) as store:
        where = resolved_filter(where, args, store)
        done = asyncio.run(reextract_stored(config, store, where))
    print(said(done))
    return EXIT_FAILED if done.failed else EXIT_OK


def said(done: Reextracted) -> str:
    """The report: what was done, then what could not be."""
    line = (f"ingest: {done.pages} pages extracted again: {done.changed} records changed, "
            f"{done.text_changed} of them in their text, {done.moved} placed differently")  # fmt: skip
    missed = [(done.failed, "failed (records kept as they were; see the reextract_failed log lines)"),
              (done.unconfigured, "skipped: their feed is no longer in feeds.yaml"),
              (done.without_page, "have no kept page (fetched before pages were kept, or longer ago "
                                  "than keep_html)")]  # fmt: skip
    return line + "".join(f"\n{count} articles {what}" for count, what in missed if count)
