"""SQLite's refused writes as the operator reads them: a StoreError naming the file and what to do."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlite_utils import Database

from ingest.store.base import StoreError

# Readers and a second writer wait this long for a lock before giving up.
BUSY_TIMEOUT_S = 30.0

# What an operator can do about a write SQLite refused, by the start of its error code's name.
_WRITE_HINTS = (
    ("SQLITE_READONLY", "the file or its folder is read-only: check their permissions and the mount"),
    ("SQLITE_FULL", "the disk is full"),
    ("SQLITE_IOERR", "the disk may be full or failing"),
    ("SQLITE_CANTOPEN", "its folder must exist and be writable, for the -wal and -shm files"),
    ("SQLITE_BUSY", f"another process held the write lock for more than {BUSY_TIMEOUT_S:g}s"),
)
_T = TypeVar("_T")


class _OnFile(Protocol):
    path: Path


def writes(method: Callable[..., _T]) -> Callable[..., _T]:
    """A Store method whose refused write (read-only file, full disk, I/O error) is a StoreError naming
    the file and why, rather than a bare sqlite3 error that the callers' catch-alls would log as a crash."""
    @functools.wraps(method)
    def write(self: _OnFile, *args: Any, **kwargs: Any) -> _T:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot write: {explained(exc)}") from None

    return write


def explained(exc: sqlite3.Error) -> str:
    """SQLite's message, and what to do about it when its error code says."""
    name = getattr(exc, "sqlite_errorname", "")
    hint = next((text for prefix, text in _WRITE_HINTS if name.startswith(prefix)), None)
    return f"{exc} ({hint})" if hint else str(exc)


@contextmanager
def writing(db: Database) -> Iterator[None]:
    """A transaction that reads before it writes, holding the write lock from its start (BEGIN
    IMMEDIATE). A deferred one that read first cannot take the lock once another process has committed
    since its read: SQLite answers SQLITE_BUSY_SNAPSHOT at once, which no busy timeout waits out."""
    if db.conn.in_transaction:  # inside the caller's transaction, which holds what it holds
        with db.atomic():
            yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.execute("COMMIT")
