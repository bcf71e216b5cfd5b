"""What every command shares: its errors and exit codes, where its configuration and database come from,
and how its help is laid out."""

from __future__ import annotations

import argparse
import os
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from ingest.config import Config, load_config
from ingest.ops.logs import configure_logging

if TYPE_CHECKING:
    from ingest.store import Store

    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

T = TypeVar("T")
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
USAGE_EXIT = (EXIT_USAGE, "the command line or feeds.yaml is wrong (the message says how to fix it)")


class UsageError(Exception):
    """The command line or the environment asks for something impossible."""


class Unavailable(Exception):
    """The database a command reads is missing or cannot be opened."""


class NotFound(LookupError):
    """No stored record has the id a command was given."""


def one(find: Callable[[str], T | None], key: str, noun: str, location: str, option: str = "") -> T:
    """The record whose id is `key` or the one id that starts with it (`find`: the store's lookup); a usage
    error (naming `option`, if given) when several ids start with it, NotFound when none does."""
    from ingest.store import AmbiguousId

    try:
        found = find(key)
    except AmbiguousId as exc:
        raise UsageError(f"{option}: {exc}" if option else str(exc)) from None
    if found is None:
        raise NotFound(f"no {noun} with id {key!r} in {location}")
    return found


def described(
    parser: Commands,
    name: str,
    common: argparse.ArgumentParser,
    *,
    summary: str,
    about: str,
    examples: Sequence[tuple[str, str]],
    exits: Sequence[tuple[int, str]],
) -> argparse.ArgumentParser:
    """A command's parser whose --help says what it does, shows examples and lists its exit codes."""
    return parser.add_parser(
        name,
        parents=[common],
        help=summary,
        description=wrapped(about),
        epilog=epilog(examples, exits),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def wrapped(text: str) -> str:
    """Paragraphs filled to the width of the examples, which argparse must not reflow."""
    return "\n\n".join(textwrap.fill(" ".join(part.split()), 100) for part in text.split("\n\n"))


def epilog(examples: Sequence[tuple[str, str]], exits: Sequence[tuple[int, str]]) -> str:
    lines = ["examples:"]
    for command, meaning in examples:
        lines += [f"  {command}", f"      {meaning}"]
    lines += ["", "exit status:"]
    lines += [f"  {code}  {meaning}" for code, meaning in exits]
    return "\n".join(lines)



def log_to(args: argparse.Namespace, stream: TextIO) -> None:
    """The log as the command line asks for it, written to `stream`."""
    json = {"json": True, "console": False}.get(args.log_format)  # "auto": JSON unless a terminal
    configure_logging(level=args.log_level, json=json, stream=stream)


@contextmanager
def stored(
    args: argparse.Namespace, config: Config | None = None, *, upgrade: bool = False
) -> Iterator[Store]:
    """The existing database, for commands that read it; a missing one is a failure, not created. With
    `upgrade`, for a command that writes, it is brought to the current schema first."""
    from ingest.store import Store, StoreError

    location = database(args, config)
    try:
        store = Store.open(location, create=False)
        if upgrade:
            store.close()
            store = Store.open(location)
    except StoreError as exc:
        raise Unavailable(str(exc)) from None
    try:
        yield store
    finally:
        store.close()


def config_of(args: argparse.Namespace) -> Config:
    path = args.config or os.environ.get("INGEST_CONFIG") or "feeds.yaml"
    return load_config(Path(path))


def database(args: argparse.Namespace, config: Config | None = None) -> Path | str:
    """--db, else $INGEST_DATABASE (or its older name $INGEST_DB), else the database the configuration
    names: a SQLite file's path, or a postgresql:// URL."""
    from ingest.store.base import scheme_of

    given = args.db or os.environ.get("INGEST_DATABASE") or os.environ.get("INGEST_DB")
    if given:
        return given if scheme_of(given) else Path(given)
    return (config or config_of(args)).database
