"""`ingest extract`: the pipeline's extraction on pages outside any feed, to see what it keeps."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ingest.cli.common import EXIT_FAILED, EXIT_OK, USAGE_EXIT, UsageError, described

if TYPE_CHECKING:
    from ingest.cli.common import Commands
    from ingest.model import Article

FORMATS = ("json", "text", "markdown")


def add_commands(commands: Commands, common: argparse.ArgumentParser) -> None:
    extract = described(
        commands, "extract", common,
        summary="extract articles from HTML files, standard input or URLs",
        about="Run the pipeline's extraction (boilerplate removal, metadata, language) on pages and print "
              "each article: to see what ingest would keep of a page, or to tune a feed's `remove` and "
              "`body` selectors before putting them in feeds.yaml.\n\n"
              "A page is a file (gzip-compressed or not), `-` for standard input, or an http(s) URL, "
              "fetched as the pipeline fetches a page: its size and time limits, redirects, and the "
              "address guard, which refuses private and loopback addresses unless --allow-private. "
              "Articles are printed as JSON lines, or with --format as text or Markdown, separated by "
              "`---`. A page that fails is named on stderr and the others are still printed.",
        examples=(("ingest extract - --url https://example.org/news/1 < page.html.gz",
                   "a saved page on standard input, and the address it came from"),
                  ("ingest extract https://example.org/news/1 --body 'article' --format markdown",
                   "fetch a page and try a feed's selector on it, printed as Markdown")),
        exits=((EXIT_OK, "every page was extracted"),
               (EXIT_FAILED, "a page could not be read, fetched or extracted (stderr says which and why)"),
               USAGE_EXIT),
    )  # fmt: skip
    extract.add_argument("inputs", nargs="+", metavar="FILE|URL|-",
                         help="an HTML file, an http(s) URL to fetch, or - for standard input")
    extract.add_argument("--url", help="the address the file (or standard input) was fetched from")
    extract.add_argument("--format", choices=FORMATS, default="json",
                         help="JSON lines (the default), the text layout of `ingest show`, or Markdown")
    extract.add_argument("--allow-private", action="store_true",
                         help="fetch URLs on private and loopback addresses too, as a feed's "
                              "`allow_private: true`")
    extract.add_argument("--remove", action="append", default=[], metavar="SEL",
                         help="also remove what this CSS selector matches, as a feed's `remove` (repeatable)")
    extract.add_argument("--body", metavar="SEL",
                         help="the CSS selector of the article body, as a feed's `body`")
    extract.set_defaults(func=cmd_extract)


def cmd_extract(args: argparse.Namespace) -> int:
    """`ingest extract FILE|URL|-...`: the pipeline's extraction on each page, printed in order; a page
    that fails is named on stderr, not in the output."""
    from ingest.run.standalone import InputFailed, article_of

    _check_inputs(args.inputs, args.url)
    remove = tuple(_selector("--remove", value) for value in args.remove)
    body = None if args.body is None else _selector("--body", args.body)
    status, printed = EXIT_OK, 0
    for source in args.inputs:
        try:
            article = article_of(source, sys.stdin.buffer, url=args.url, allow_private=args.allow_private,
                                 remove=remove, body=body)  # fmt: skip
        except InputFailed as exc:
            print(f"ingest: {source}: {exc}", file=sys.stderr)
            status = EXIT_FAILED
            continue
        if printed and args.format != "json":
            print("\n---\n")  # one JSON line is one record; a text layout needs a break between two
        print(_shown(article, source, args.format), end="", flush=True)
        printed += 1
    return status


def _check_inputs(inputs: list[str], url: str | None) -> None:
    from ingest.run.standalone import STDIN, is_url

    if inputs.count(STDIN) > 1:
        raise UsageError("- reads standard input, which holds one page: give it once")
    if url and (len(inputs) > 1 or is_url(inputs[0])):
        raise UsageError("--url names the address of one file or of standard input: give one, without a URL")


def _shown(article: Article, source: str, form: str) -> str:
    from ingest.render import article_json, article_markdown, article_text
    from ingest.run.standalone import is_url

    if form == "text":
        return article_text(article)
    if form == "markdown":
        return article_markdown(article)
    # Which file the record came from; a fetched page's address is its `url`.
    return article_json(article, file=None if is_url(source) else source, feed=None) + "\n"


def _selector(option: str, value: str) -> str:
    """A CSS selector checked as feeds.yaml checks one."""
    from ingest.config import parse_selector

    try:
        return parse_selector(value)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None
