"""The command line: parse arguments, call one function per command, set the exit status.

Each command lives in its own module with its parser; commands import their stages when they run, so
that `ingest --help` does not wait for trafilatura."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ingest import __version__
from ingest.cli import corrections, extract, feeds, records, reextract, run, webhooks
from ingest.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    NotFound,
    Unavailable,
    UsageError,
    epilog,
    log_to,
    wrapped,
)
from ingest.config import ConfigError

__all__ = ["main", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE"]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The daemon's only output is its log, which journald reads from stdout; for the other commands
    # stdout is data (summaries, JSON lines), so their logs go to stderr.
    log_to(args, sys.stdout if run.is_daemon(args) else sys.stderr)
    try:
        return args.func(args)
    except (ConfigError, UsageError) as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (Unavailable, NotFound) as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("ingest: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`ingest export | head`); nothing is wrong with us.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


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
        prog="ingest",
        parents=[common],
        description=wrapped(run.ABOUT),
        epilog=epilog(run.EXAMPLES, run.EXITS) + "\n\nEach command has its own --help: ingest feeds --help.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(config=None, db=None, log_level="info", log_format="auto")
    run.add_options(parser)
    parser.add_argument("--version", action="version", version=f"ingest {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    feeds.add_commands(commands, common)
    records.add_commands(commands, common)
    extract.add_commands(commands, common)
    reextract.add_commands(commands, common)
    corrections.add_commands(commands, common)
    webhooks.add_commands(commands, common)
    return parser
