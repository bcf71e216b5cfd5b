"""A throw-away PostgreSQL cluster for tests and benchmarks: `initdb` into a temporary folder, a server on
127.0.0.1 (and a Unix socket in that folder) with fsync off, a fresh database whenever one is asked for,
and all of it stopped and deleted at the end.

    with PostgresCluster() as pg:          # or cluster = PostgresCluster(); cluster.start() ... cluster.stop()
        url = pg.create_database()         # postgresql://postgres@127.0.0.1:PORT/test_...
        ...                                # Store.open(url), `ingest --db URL`, psycopg.connect(url)

The server binaries are those of the Debian `postgresql` package (/usr/lib/postgresql/*/bin), or
wherever `pg_config --bindir` or PATH says. initdb and postgres refuse to run as root, so under root
(as here and in CI) they run as the `postgres` user that package creates, which owns the folder.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

# Set to 1 (as .ci/run does) to fail, rather than skip, the PostgreSQL tests when no server can start.
REQUIRE_ENV = "INGEST_REQUIRE_POSTGRES"
SUPERUSER = "postgres"
_SERVER_TOOLS = ("initdb", "pg_ctl", "postgres")
_START_TIMEOUT_S = 60
# Settings for a server whose data nobody needs after the run: no waiting for the disk.
_FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"


class Unavailable(Exception):
    """No PostgreSQL server can be started here; str() says what is missing."""


def find_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: the newest Debian one, else pg_config's, else
    the one on PATH."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version, reverse=True)
    if pg_config := shutil.which("pg_config"):
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(found.stdout.strip()))
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).resolve().parent)
    return next((c for c in candidates if all((c / tool).is_file() for tool in _SERVER_TOOLS)), None)


def _version(bindir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in bindir.parent.name.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresCluster:
    """One server of our own. `root` is the folder it lives in (made, and deleted at stop; a new temporary
    one if not given); `statements` loads pg_stat_statements, for counting the statements a run sends."""

    def __init__(self, root: Path | None = None, *, statements: bool = False) -> None:
        self.root = root
        self.statements_on = statements
        self.port = 0
        self._bindir: Path | None = None
        self._as_user: list[str] = []  # the command prefix that runs a server binary as its owner
        self._names = itertools.count(1)
        self._admin: Any = None  # a psycopg connection to the `postgres` database, made on first use

    def __enter__(self) -> PostgresCluster:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        """initdb and start the server; Unavailable if there are no binaries or no way to run them."""
        self._bindir = find_bindir()
        if self._bindir is None:
            raise Unavailable("no initdb, pg_ctl and postgres in /usr/lib/postgresql/*/bin, pg_config --bindir "
                              "or PATH (Debian: apt-get install postgresql)")  # fmt: skip
        try:
            import psycopg  # noqa: F401  (the tests' connections, and ours to make databases)
        except ImportError:
            raise Unavailable("psycopg is not installed: pip install -e '.[test]'") from None
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="ingest-pg-"))
        else:
            self.root.mkdir(parents=True)
        atexit.register(self.stop)  # should a run end without its teardown
        try:
            if os.geteuid() == 0:
                self._run_as_owner()
            self._server("initdb", "-D", str(self.root / "data"), "-U", SUPERUSER, "--auth=trust",
                         "-E", "UTF8", "--no-sync")  # fmt: skip
            self._start()
            if self.statements_on:
                self._execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        except BaseException:
            self.stop()
            raise

    def _run_as_owner(self) -> None:
        """Under root: the `postgres` user owns the folder and runs the binaries, and may pass through
        the folders above it (search only, no listing: a temporary folder is 0700)."""
        assert self.root is not None
        try:
            owner = pwd.getpwnam(SUPERUSER)
        except KeyError:
            raise Unavailable(f"running as root, and no {SUPERUSER!r} user to run the server as") from None
        os.chown(self.root, owner.pw_uid, owner.pw_gid)
        for folder in self.root.resolve().parents:
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                folder.chmod(mode | stat.S_IXOTH)
        self._as_user = ["runuser", "-u", SUPERUSER, "--"] if shutil.which("runuser") else [
            "setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--init-groups"]  # fmt: skip

    def _server(self, tool: str, *args: str) -> None:
        assert self._bindir is not None and self.root is not None
        command = [*self._as_user, str(self._bindir / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root, check=False)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise Unavailable(f"{tool} failed ({done.returncode}): {done.stderr.strip()} {tail}".strip())

    def _start(self) -> None:
        assert self.root is not None
        preload = "-c shared_preload_libraries=pg_stat_statements" if self.statements_on else ""
        for attempt in range(3):  # another process may take the free port before the server does
            self.port = _free_port()
            options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} {_FAST} {preload}"
            try:
                self._server("pg_ctl", "start", "-w", "-t", str(_START_TIMEOUT_S), "-D", str(self.root / "data"),
                             "-l", str(self.root / "server.log"), "-o", options)  # fmt: skip
                return
            except Unavailable:
                if attempt == 2:
                    raise

    def stop(self) -> None:
        """Stop the server and delete its folder (safe to call more than once)."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self.root is None or not self.root.exists():
            return
        try:
            if (self.root / "data" / "postmaster.pid").exists():
                self._server("pg_ctl", "stop", "-D", str(self.root / "data"), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database (named `name`, else test_<pid>_<n>), as its URL."""
        name = name or f"test_{os.getpid()}_{next(self._names)}"
        self._execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, database: str) -> None:
        """Drop a database, by its name or URL, ending any sessions still open on it."""
        name = database.rpartition("/")[2].partition("?")[0]
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # FORCE: PostgreSQL 13 and later

    def reset_statements(self) -> None:
        """Forget the statements counted so far (with `statements=True`)."""
        self._execute("SELECT pg_stat_statements_reset()")

    def statements(self) -> int:
        """Statements run in every database since the last reset, but our own counting (`statements=True`)."""
        row = self._execute("SELECT sum(calls) FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'")
        return int(row[0] or 0) if row else 0

    def _execute(self, sql: str) -> tuple[Any, ...] | None:
        import psycopg

        if self._admin is None:
            self._admin = psycopg.connect(self.url("postgres"), autocommit=True)
        cursor = self._admin.execute(sql)
        return cursor.fetchone() if cursor.description else None
