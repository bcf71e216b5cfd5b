"""One PostgreSQL session for a store: connecting, reconnecting after a loss, and the errors an operator
can act on as StoreErrors naming the database (its URL without the password).

psycopg is imported when a connection is made, never when this module is: `ingest.store` registers
the PostgreSQL backend on every start, and a SQLite user need not install the driver.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ingest.store.base import StoreError, shown

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[dict[str, Any]]

CONNECT_TIMEOUT_S = 10.0
DRIVER_MISSING = "PostgreSQL needs the psycopg driver: pip install 'ingest[postgres]'"
# What an operator can do about an error the server gave, by its SQLSTATE's first characters.
_HINTS = (
    ("53100", "the database server's disk is full"),
    ("25006", "the server takes no writes: is it a standby?"),
    ("42501", "the database user lacks a privilege on ingest's tables"),
    ("57P", "the server ended the session: a restart, a shutdown or an administrator"),
)


def open_connection(url: str, *, timeout: float = CONNECT_TIMEOUT_S) -> Connection:
    """A new connection to `url`: autocommit (transactions are explicit), rows as dicts, JSON columns as
    the text the records hold, times in UTC; a StoreError if the driver or the server is missing."""
    try:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict
        from psycopg.rows import dict_row
        from psycopg.types.string import TextLoader
    except ImportError:
        raise StoreError(f"{shown(url)}: {DRIVER_MISSING}") from None
    try:
        given = conninfo_to_dict(url)
        # libpq counts whole seconds and takes 2 at least. A server that vanishes without a word (a cut
        # network) fails the next call within half a minute rather than blocking the daemon's event loop
        # for TCP's quarter of an hour: keepalives while idle, and a bound on unacknowledged sends.
        defaults = {"connect_timeout": str(max(2, math.ceil(timeout))), "application_name": "ingest",
                    "keepalives_idle": "30", "keepalives_interval": "10", "keepalives_count": "3",
                    "tcp_user_timeout": "30000"}  # fmt: skip
        extra = {name: value for name, value in defaults.items() if name not in given}  # the URL's own win
        conn = psycopg.connect(url, autocommit=True, row_factory=dict_row, **extra)
    except psycopg.Error as exc:
        raise StoreError(f"{shown(url)}: cannot connect: {said(exc, url)}") from None
    conn.adapters.register_loader("json", TextLoader)
    try:
        conn.execute("SET TIME ZONE 'UTC'")  # timestamps come back in UTC, and intervals add in seconds
    except psycopg.Error as exc:
        conn.close()
        raise StoreError(f"{shown(url)}: {said(exc, url)}") from None
    return conn


def said(exc: Exception, url: str) -> str:
    """The driver's message on one line, with a hint when its SQLSTATE has one, and never the password."""
    text = " ".join(str(exc).split())
    password = unquote(urlsplit(url).password or "")
    if password:
        text = text.replace(password, "***")
    state = getattr(exc, "sqlstate", None) or ""
    hint = next((hint for prefix, hint in _HINTS if state.startswith(prefix)), None)
    return f"{text} ({hint})" if hint else text


class PgSession:
    """A store's connection: made again on the next call after it was lost, so a daemon whose server
    restarted recovers by itself (the failing call raised a StoreError, and the caller retries)."""

    def __init__(self, url: str, conn: Connection) -> None:
        self.url = url  # as configured, password and all, to connect again with
        self.location = shown(url)
        self._conn: Connection | None = conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextmanager
    def _session(self, *, atomic: bool = False) -> Iterator[Connection]:
        """The connection (in a transaction if `atomic`); a failure that is no bug of ours, a lost
        connection, a full disk, a read-only server, is raised as a StoreError naming the database."""
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = open_connection(self.url)
        conn = self._conn
        try:
            if atomic:
                with conn.transaction():
                    yield conn
            else:
                yield conn
        except (psycopg.OperationalError, psycopg.errors.ReadOnlySqlTransaction,
                psycopg.errors.InsufficientPrivilege) as exc:  # fmt: skip
            if conn.broken or conn.closed:
                conn.close()
                self._conn = None  # the next call connects again
            raise StoreError(f"{self.location}: {said(exc, self.url)}") from None

    def _rows(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        with self._session() as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]  (our own SQL text)

    def _one(self, sql: str, params: Any = None) -> dict[str, Any] | None:
        with self._session() as conn:
            return conn.execute(sql, params).fetchone()  # type: ignore[arg-type]

    def _run(self, sql: str, params: Any = None) -> None:
        with self._session() as conn:
            conn.execute(sql, params)  # type: ignore[arg-type]
