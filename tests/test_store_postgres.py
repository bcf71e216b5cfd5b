"""What is PostgreSQL's own: choosing it (feeds.yaml, $INGEST_DATABASE, --db), errors that name the URL
without its password, the driver as an optional extra, migrations under a lock, and a lost connection
that the next call makes again. The store's meaning on both backends is test_store.py's."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from test_store import T0, article

from conftest import run_ingest
from ingest.config import ConfigError, load_config
from ingest.store import Store, StoreError
from ingest.store.pg_schema import MIGRATIONS
from support.localsite import LocalSite
from support.pgcluster import PostgresCluster

DEAD = "postgresql://reader:s3cret@127.0.0.1:1/ingest"  # nothing listens on port 1
DEAD_SHOWN = "postgresql://reader@127.0.0.1:1/ingest"
DRIVER = "PostgreSQL needs the psycopg driver: pip install 'ingest[postgres]'"


def with_password(url: str, password: str = "s3cret") -> str:
    return url.replace("postgres@", f"postgres:{password}@", 1)


# ---------------------------------------------------------------- the driver is optional


def python(code: str) -> subprocess.CompletedProcess[str]:
    """`code` in a new interpreter where psycopg cannot be imported, as without the extra installed."""
    blocked = "import sys; sys.modules['psycopg'] = None\n"
    return subprocess.run([sys.executable, "-c", blocked + code], capture_output=True, text=True, timeout=60)


def test_without_psycopg_a_postgresql_url_is_one_line_naming_the_extra() -> None:
    done = python(
        "import ingest.store, ingest.cli\n"
        "assert sys.modules['psycopg'] is None  # registering the backend imported nothing\n"
        "from ingest.store import Store, StoreError\n"
        f"try:\n    Store.open({DEAD!r})\nexcept StoreError as exc:\n    print(exc)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{DEAD_SHOWN}: {DRIVER}\n"


def test_without_psycopg_the_command_says_so_and_fails() -> None:
    done = python(f"from ingest.cli import main\nsys.exit(main(['export', '--db', {DEAD!r}]))")
    assert done.returncode == 1
    assert done.stderr == f"ingest: {DEAD_SHOWN}: {DRIVER}\n"
    assert done.stdout == ""


def test_without_psycopg_sqlite_still_works(tmp_path: Path) -> None:
    done = python(f"from ingest.store import Store\nStore.open({str(tmp_path / 'x.db')!r}).close()\nprint('ok')")
    assert done.stdout == "ok\n", done.stderr


# ---------------------------------------------------------------- errors name the URL, never the password


def test_an_unreachable_server_is_a_one_line_store_error_without_the_password() -> None:
    with pytest.raises(StoreError) as info:
        Store.open(DEAD)
    message = str(info.value)
    assert message.startswith(f"{DEAD_SHOWN}: cannot connect: "), message
    assert "s3cret" not in message and "\n" not in message


def test_a_missing_database_is_named_without_the_password(postgres_url: str) -> None:
    missing = with_password(postgres_url.rpartition("/")[0] + "/no_such_db")
    with pytest.raises(StoreError) as info:
        Store.open(missing)
    assert str(info.value).startswith(f"{postgres_url.rpartition('/')[0]}/no_such_db: cannot connect:")
    assert "no_such_db" in str(info.value).partition(": ")[2] and "s3cret" not in str(info.value)


def test_a_unix_socket_url_opens_and_shows_no_password_in_either_place(
    postgres_url: str, pg_cluster: PostgresCluster
) -> None:
    name = postgres_url.rpartition("/")[2]
    socket_url = f"postgresql://postgres:s3cret@/{name}?host={pg_cluster.root}&port={pg_cluster.port}&password=s3cret"
    store = Store.open(socket_url)
    try:
        assert store.location == f"postgresql://postgres@/{name}?host={pg_cluster.root}&port={pg_cluster.port}"
        assert store.answers()
    finally:
        store.close()


def test_an_unknown_scheme_is_a_store_error() -> None:
    with pytest.raises(StoreError, match=r"^mysql://u@db/x: no backend for mysql://"):
        Store.open("mysql://u:pw@db/x")


# ---------------------------------------------------------------- opening and migrating


def test_both_spellings_of_the_scheme_open_the_database(postgres_url: str) -> None:
    store = Store.open(postgres_url.replace("postgresql://", "postgres://"))
    try:
        assert type(store).__name__ == "PostgresStore" and store.shared
        assert store.add_article(article("https://example.com/1"), None)
        assert store.location == postgres_url.replace("postgresql://", "postgres://")
    finally:
        store.close()
    again = Store.open(with_password(postgres_url, "unused"), create=False)  # trust: any password
    try:
        assert [a.canonical_url for a in again.articles()] == ["https://example.com/1"]
        assert again.location == postgres_url  # what messages show
    finally:
        again.close()


def test_open_without_create_needs_the_tables(postgres_url: str) -> None:
    with pytest.raises(StoreError, match="no ingest tables here"):
        Store.open(postgres_url, create=False)
    Store.open(postgres_url).close()
    Store.open(postgres_url, create=False).close()


def test_migrations_are_recorded_once_even_when_daemons_start_together(postgres_url: str) -> None:
    errors: list[BaseException] = []

    def open_and_close() -> None:
        try:
            Store.open(postgres_url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_and_close) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT name, applied_at FROM ingest_migrations ORDER BY name").fetchall()
        assert [name for name, _ in rows] == [name for name, _ in MIGRATIONS]
        Store.open(postgres_url).close()  # once more with nothing to do: nothing is applied again
        assert conn.execute("SELECT name, applied_at FROM ingest_migrations ORDER BY name").fetchall() == rows


def test_a_page_two_daemons_store_leaves_no_error_in_the_server_log(
    postgres_url: str, pg_cluster: PostgresCluster
) -> None:
    log = pg_cluster.root / "server.log"  # type: ignore[operator]
    before = log.read_text(errors="replace")
    first, second = Store.open(postgres_url), Store.open(postgres_url)
    try:
        assert first.add_article(article("https://example.com/same", fetched_at=T0), None)
        assert not second.add_article(article("https://example.com/same", fetched_at=T0), None)
        assert second.add_article(article("https://example.com/other", fetched_at=T0), None)  # still usable
    finally:
        first.close()
        second.close()
    added = log.read_text(errors="replace")[len(before):]
    assert "duplicate key" not in added and "ERROR" not in added, added


def test_a_claim_never_waits_for_a_feed_row_another_session_has_locked(postgres_url: str) -> None:
    feed, now = "https://example.com/feed.xml", datetime(2025, 6, 24, 12, tzinfo=UTC)
    store = Store.open(postgres_url)
    blocker = psycopg.connect(postgres_url)  # not autocommit: its transaction holds the row lock
    try:
        store.sync_feeds([(feed, "Example")])
        blocker.execute("SELECT 1 FROM feeds WHERE url = %s FOR UPDATE", [feed])
        answer: list[object] = []
        claimer = threading.Thread(target=lambda: answer.append(store.claim_feed(feed, owner="a", now=now, lease=30)))
        claimer.start()
        claimer.join(timeout=5)
        waited = claimer.is_alive()
        blocker.rollback()  # lets a claimer that did wait finish, so the test ends either way
        claimer.join(timeout=30)
        assert not waited and answer == [None]  # skipped, not waited for
        assert store.claim_feed(feed, owner="a", now=now, lease=30)
    finally:
        blocker.close()
        store.close()


# ---------------------------------------------------------------- a lost connection


def terminate(url: str) -> int:
    """End every ingest session on the database, as a server restart or a network cut would."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
               WHERE datname = current_database() AND application_name = 'ingest' AND pid <> pg_backend_pid()"""
        ).fetchall()
    return len(rows)


def test_a_lost_connection_is_a_store_error_and_the_next_call_connects_again(postgres_url: str) -> None:
    store = Store.open(with_password(postgres_url))
    try:
        store.sync_feeds([("https://example.com/feed.xml", "Example")])
        assert store.hold_assigner()
        assert terminate(postgres_url) == 1
        with pytest.raises(StoreError) as info:
            store.feed_state("https://example.com/feed.xml")
        message = str(info.value)
        assert message.startswith(f"{postgres_url}: ") and "s3cret" not in message and "\n" not in message
        assert store.feed_state("https://example.com/feed.xml").name == "Example"  # connected again
        store.release_assigner()
        other = Store.open(postgres_url)
        try:
            assert other.hold_assigner()  # the role went with the lost session
            assert not store.hold_assigner()
        finally:
            other.close()
    finally:
        store.close()


def test_answers_says_no_once_the_database_is_gone(postgres_url: str, pg_cluster: PostgresCluster) -> None:
    store = Store.open(postgres_url)
    try:
        assert store.answers()
        pg_cluster.drop_database(postgres_url)
        assert not store.answers(timeout=1.0)
        with pytest.raises(StoreError, match="the server ended the session"):  # the session it had
            store.feed_state("https://example.com/feed.xml")
        with pytest.raises(StoreError, match="cannot connect: .*does not exist"):  # and a new one
            store.feed_state("https://example.com/feed.xml")
    finally:
        store.close()


# ---------------------------------------------------------------- choosing the database


def feeds_yaml(folder: Path, database: str, feeds: str = "[]") -> Path:
    path = folder / "feeds.yaml"
    path.write_text(f"database: {database}\nmin_host_gap: 0s\nfeeds: {feeds}\n")
    return path


def test_feeds_yaml_names_a_server_by_url_and_a_file_by_path(tmp_path: Path) -> None:
    url = "postgresql://ingest:pw@db.internal:5432/news?sslmode=require"
    assert load_config(feeds_yaml(tmp_path, url)).database == url
    assert load_config(feeds_yaml(tmp_path, "postgres://db/news")).database == "postgres://db/news"
    assert load_config(feeds_yaml(tmp_path, "data/news.db")).database == tmp_path / "data" / "news.db"
    with pytest.raises(ConfigError, match=r"feeds.yaml:1: database: mysql:// is not a database") as info:
        load_config(feeds_yaml(tmp_path, "mysql://u:hunter2@db/news"))
    assert "hunter2" not in str(info.value)


def stored_urls(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["canonical_url"] for line in done.stdout.splitlines()]


def test_db_flag_then_environment_then_feeds_yaml(tmp_path: Path, postgres_url: str) -> None:
    lite = tmp_path / "ingest.db"
    for location, url in ((lite, "https://example.com/in-sqlite"), (postgres_url, "https://example.com/in-pg")):
        store = Store.open(location)
        store.add_article(article(url), None)
        store.close()
    elsewhere = tmp_path / "elsewhere.db"
    Store.open(elsewhere).close()
    config = feeds_yaml(tmp_path, postgres_url)

    def export(*args: str, **env: str) -> list[str]:
        return stored_urls(run_ingest("export", "--config", str(config), *args, cwd=tmp_path, env=env))

    assert export() == ["https://example.com/in-pg"]  # feeds.yaml
    assert export(INGEST_DATABASE=str(lite)) == ["https://example.com/in-sqlite"]  # the environment
    assert export(INGEST_DB=str(lite)) == ["https://example.com/in-sqlite"]  # its older name
    assert export(INGEST_DATABASE=str(elsewhere), INGEST_DB=str(lite)) == []  # the new name wins
    assert export("--db", postgres_url, INGEST_DATABASE=str(lite)) == ["https://example.com/in-pg"]  # --db
    assert export("--db", str(lite), INGEST_DATABASE=postgres_url) == ["https://example.com/in-sqlite"]


def test_commands_name_the_server_without_its_password(tmp_path: Path, postgres_url: str) -> None:
    Store.open(postgres_url).close()
    done = run_ingest("show", "article", "0123", "--db", with_password(postgres_url), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == f"ingest: no article with id '0123' in {postgres_url}\n"


def test_once_migrates_and_polls_into_postgresql(tmp_path: Path, postgres_url: str, site: LocalSite) -> None:
    empty = site.add("/feed.xml", "<rss version='2.0'><channel><title>t</title></channel></rss>", "application/rss+xml")
    done = run_ingest("--once", "--config", str(feeds_yaml(tmp_path, postgres_url, f"[{empty}]")), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 feeds ok, 0 failed" in done.stdout
    assert not (tmp_path / "ingest.db").exists()
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM ingest_migrations").fetchone() == (len(MIGRATIONS),)
