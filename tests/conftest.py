from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.store import Store
from support.fixturedir import require_fixtures
from support.localsite import LocalSite
from support.pgcluster import REQUIRE_ENV, PostgresCluster, Unavailable

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return require_fixtures()


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite("127.0.0.1") as s:
        yield s


@pytest.fixture
def other_site() -> Iterator[LocalSite]:
    """A second site on another loopback address: a host that feeds.yaml does not name."""
    with LocalSite("127.0.0.2") as s:
        yield s


def ingest_command() -> list[str]:
    """The installed `ingest` console script of the interpreter running the tests."""
    script = Path(sys.executable).with_name("ingest")
    if script.exists():
        return [str(script)]
    found = shutil.which("ingest")
    if found is None:
        raise RuntimeError("the `ingest` command is not installed: pip install -e '.[test]'")
    return [found]


def run_ingest(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real `ingest` command and capture its output."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    full_env.update(env or {})
    return subprocess.run(
        [*ingest_command(), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# -- databases: every store test runs on SQLite and on a throw-away PostgreSQL cluster ------------------


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """One PostgreSQL server for the whole session, stopped and deleted at its end; the tests that
    need it are skipped where none can start, unless $INGEST_REQUIRE_POSTGRES is 1 (CI)."""
    cluster = PostgresCluster()
    try:
        cluster.start()
    except Unavailable as exc:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but no PostgreSQL server could start: {exc}")
        pytest.skip(f"no PostgreSQL server to test against: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(pg_cluster: PostgresCluster) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database of this test's own, dropped after it (with any
    sessions left open on it): give it to Store.open, or to `ingest` as --db or $INGEST_DATABASE."""
    url = pg_cluster.create_database()
    yield url
    pg_cluster.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend's name in turn: a test that asks for it (or for `database` or `store`) runs twice."""
    return request.param


@pytest.fixture
def database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """A fresh database's location on each backend: a file path not yet made, or an empty database's URL."""
    if backend == "sqlite":
        (tmp_path / "db").mkdir()
        return tmp_path / "db" / "ingest.db"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(database: Path | str) -> Iterator[Store]:
    """A migrated, empty store on each backend in turn, closed after the test."""
    opened = Store.open(database)
    yield opened
    opened.close()


@pytest.fixture
def sql(store: Store, backend: str) -> Iterator[Callable[..., list[dict[str, Any]]]]:
    """Another tool's connection to the store's database: sql(query, *params) gives the rows as dicts;
    placeholders are written %s on either backend."""
    if backend == "sqlite":
        lite = sqlite3.connect(store.path, timeout=2)  # type: ignore[attr-defined]
        lite.row_factory = sqlite3.Row
        yield lambda query, *params: [dict(row) for row in lite.execute(query.replace("%s", "?"), params)]
        lite.close()
    else:
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(store.url, autocommit=True, row_factory=dict_row) as conn:  # type: ignore[attr-defined]
            yield lambda query, *params: conn.execute(query, params).fetchall()
