"""`ingest extract`: the pipeline's extraction on pages outside any feed, to see what it keeps."""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.cli.common import EXIT_FAILED, EXIT_OK, USAGE_EXIT, UsageError, described

if TYPE_CHECKING:
    from ingest.cli.common import Commands


def add_commands(commands: Commands, common: argparse.ArgumentParser) -> None:
    extract = described(
        commands, "extract", common,
        summary="extract articles from local HTML files",
        about="Run the pipeline's extraction (boilerplate removal, metadata, language) on HTML files and "
              "print each article as a JSON line: to see what ingest would keep of a page, or to tune a "
              "feed's `remove` and `body` selectors before putting them in feeds.yaml.",
        examples=(("ingest extract page.html --url https://example.org/news/1", "one saved page"),
                  ("ingest extract page.html --remove '.promo' --body 'article'",
                   "try a feed's selectors on it")),
        exits=((EXIT_OK, "every page was extracted"), (EXIT_FAILED, "a page could not be read or extracted"),
               USAGE_EXIT),
    )  # fmt: skip
    extract.add_argument("files", nargs="+", type=Path, metavar="FILE")
    extract.add_argument("--url", help="the address the file was fetched from")
    extract.add_argument("--remove", action="append", default=[], metavar="SEL",
                         help="also remove what this CSS selector matches, as a feed's `remove` (repeatable)")
    extract.add_argument("--body", metavar="SEL",
                         help="the CSS selector of the article body, as a feed's `body`")
    extract.set_defaults(func=cmd_extract)


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
