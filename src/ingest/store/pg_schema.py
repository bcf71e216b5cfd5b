"""The PostgreSQL schema's history, as frozen SQL: a step never changes once released and never
imports today's code, as with SQLite's (`migrations.py`).

Several daemons may start at once against one database, so the steps run in one transaction that
first takes a transaction-level advisory lock: the first daemon migrates, the others wait on the lock
and then find every step recorded in `ingest_migrations`. The lock goes with the transaction, so a
daemon killed half-way leaves neither a lock nor a half-made schema behind.

The records' times are the ISO 8601 text the records hold (compared as text, in the "C" collation so
that the order is the code points' whatever the database's locale); the fleet's own times (leases,
claims, host reservations) are `timestamptz`, to the microsecond.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # psycopg is imported only where a PostgreSQL database is opened
    import psycopg

# pg_advisory_xact_lock's key for migrations: "ingest" in ASCII, then 1. The assigner's key (2) is
# pg_fleet.ASSIGNER_LOCK; no other program is expected to use keys starting this way.
MIGRATION_LOCK = 0x696E6765_7374_0001

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "p001_initial",
        """
        CREATE TABLE feeds (
            url TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            title TEXT,
            etag TEXT,
            last_modified TEXT,
            last_polled TEXT COLLATE "C",
            last_success TEXT COLLATE "C",
            last_status INTEGER,
            last_error TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            next_poll TEXT COLLATE "C",
            gone_since TEXT COLLATE "C",
            lease_owner TEXT,
            lease_until TIMESTAMPTZ
        );
        CREATE TABLE articles (
            seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,  -- the order of storing (SQLite's rowid)
            id TEXT COLLATE "C" PRIMARY KEY,
            url TEXT NOT NULL,
            canonical_url TEXT NOT NULL UNIQUE,
            entry_url TEXT,
            guid TEXT,
            feed TEXT NOT NULL,
            source TEXT NOT NULL,
            site_name TEXT,
            title TEXT,
            description TEXT,
            author TEXT,
            published TEXT COLLATE "C",
            fetched_at TEXT COLLATE "C" NOT NULL,
            language TEXT,
            text TEXT NOT NULL,
            word_count INTEGER NOT NULL,
            image_url TEXT,
            image_caption TEXT,
            tags JSON NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL,
            duplicate_of TEXT COLLATE "C" REFERENCES articles(id),
            story_id TEXT COLLATE "C",
            -- Full-text search over title and text (SQLite's articles_fts): words as written, no
            -- stemming, since the articles are in many languages.
            search TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', coalesce(title, '') || ' ' || text)) STORED
        );
        CREATE INDEX articles_guid ON articles(guid);
        CREATE INDEX articles_entry_url ON articles(entry_url);
        CREATE INDEX articles_content_hash ON articles(content_hash);
        CREATE INDEX articles_fetched_at ON articles(fetched_at);
        CREATE INDEX articles_published ON articles(published);
        CREATE INDEX articles_story_id ON articles(story_id);
        CREATE INDEX articles_duplicate_of ON articles(duplicate_of);
        CREATE INDEX articles_search ON articles USING GIN (search);
        CREATE TABLE entry_failures (
            key TEXT PRIMARY KEY,
            feed TEXT NOT NULL,
            url TEXT,
            reason TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            permanent BOOLEAN NOT NULL,
            last_attempt TEXT COLLATE "C" NOT NULL
        );
        CREATE TABLE fingerprints (
            seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,  -- the order of arrival
            article_id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles(id),
            signature BYTEA NOT NULL,
            shingles INTEGER NOT NULL,
            duplicate_of TEXT COLLATE "C"
        );
        CREATE TABLE stories (
            id TEXT COLLATE "C" PRIMARY KEY,
            first_seen TEXT COLLATE "C" NOT NULL,
            updated_at TEXT COLLATE "C" NOT NULL,
            articles INTEGER NOT NULL DEFAULT 0,
            title TEXT,
            date TEXT,
            sources JSON,  -- json, not jsonb: the order of the sources (most articles first) is kept
            summary TEXT,
            key_points JSON,
            image_url TEXT,
            image_caption TEXT,
            image_source TEXT,
            summarized_by TEXT,
            stale BOOLEAN NOT NULL DEFAULT true
        );
        CREATE INDEX stories_stale ON stories(stale) WHERE stale;
        CREATE INDEX stories_updated_at ON stories(updated_at);
        -- The fleet: claims on entries being fetched, and each host's next allowed request start.
        CREATE TABLE entry_claims (
            key TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            until TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE hosts (
            host TEXT PRIMARY KEY,
            next_allowed TIMESTAMPTZ NOT NULL
        );
        """,
    ),
    (
        "p002_keywords",
        # An article's keywords (its entry's categories and its page's keywords) apart from `tags`, which
        # now hold only its feed's own labels; rows stored before keep their mixed tags and no keywords.
        """
        ALTER TABLE articles ADD COLUMN keywords JSON NOT NULL DEFAULT '[]';
        """,
    ),
    (
        "p003_feed_settings",
        # The settings each feed's failures were recorded under (those that can cure one, as JSON text):
        # when feeds.yaml changes them, the failures are forgotten and tried again.
        """
        ALTER TABLE feeds ADD COLUMN settings TEXT;
        """,
    ),
    (
        "p004_events",
        # The outbox of webhooks: every change other tools may subscribe to, written in the transaction
        # that makes it, and each webhook's place in it. Ids come from a sequence, so a later id may commit
        # first: each event keeps its transaction's id, and a reader takes only the events of transactions
        # older than every one still running (see PostgresEvents.events_after).
        """
        CREATE TABLE events (
            id BIGSERIAL PRIMARY KEY,
            kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            at TEXT COLLATE "C" NOT NULL,
            xid XID8 NOT NULL DEFAULT pg_current_xact_id()
        );
        CREATE INDEX events_at ON events(at);
        CREATE TABLE webhooks (
            url TEXT PRIMARY KEY,
            after BIGINT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try TEXT,
            failing_since TEXT,
            last_error TEXT,
            last_success TEXT,
            delivered INTEGER NOT NULL DEFAULT 0,
            dropped INTEGER NOT NULL DEFAULT 0
        );
        """,
    ),
    (
        "p005_links_and_views",
        # As SQLite's m009, for the reasons given there: an article's story as a foreign key, checked at
        # commit; none on `feed`; and the views for the common questions.
        """
        UPDATE articles SET story_id = NULL
        WHERE story_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = articles.story_id);
        ALTER TABLE articles ADD CONSTRAINT articles_story_id_fkey FOREIGN KEY (story_id)
            REFERENCES stories(id) DEFERRABLE INITIALLY DEFERRED;
        CREATE VIEW story_articles AS
        SELECT s.id AS story_id, s.title AS story_title, a.id AS article_id, a.title, a.source,
               a.published, a.url
        FROM stories s JOIN articles a ON a.story_id = s.id
        ORDER BY s.updated_at DESC, s.id, coalesce(a.published, a.fetched_at), a.seq;
        CREATE VIEW feed_health AS
        SELECT f.url, f.name, f.title, f.last_polled, f.last_success, f.last_status, f.last_error,
               f.failures, f.next_poll, f.gone_since, coalesce(a.n, 0) AS articles,
               coalesce(e.n, 0) AS pages_failed
        FROM feeds f
        LEFT JOIN (SELECT feed, count(*) AS n FROM articles GROUP BY feed) a ON a.feed = f.url
        LEFT JOIN (SELECT feed, count(*) AS n FROM entry_failures GROUP BY feed) e ON e.feed = f.url
        ORDER BY f.url;
        """,
    ),
    (
        "p006_kept_pages",
        # As SQLite's m010: the kept pages, the placements counter, and articles.feed as a foreign key.
        """
        INSERT INTO feeds (url, name) SELECT DISTINCT feed, feed FROM articles ON CONFLICT DO NOTHING;
        ALTER TABLE articles ADD CONSTRAINT articles_feed_fkey FOREIGN KEY (feed) REFERENCES feeds(url);
        CREATE INDEX articles_feed ON articles (feed);
        CREATE TABLE pages (
            article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            url TEXT,
            content_type TEXT,
            entry TEXT NOT NULL,
            html BYTEA NOT NULL,
            fragment BOOLEAN NOT NULL DEFAULT false,
            kept_at TEXT COLLATE "C" NOT NULL
        );
        CREATE INDEX pages_kept_at ON pages (kept_at);
        CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
        INSERT INTO counters (name, value) VALUES ('placements', 0);
        """,
    ),
    (
        "p007_reasons_and_overrides",
        # As SQLite's m011: why each placement was made, and the corrections people made.
        """
        ALTER TABLE articles ADD COLUMN duplicate_reason TEXT;
        ALTER TABLE articles ADD COLUMN story_reason TEXT;
        CREATE TABLE overrides (
            id BIGSERIAL PRIMARY KEY,
            kind TEXT NOT NULL,
            article_id TEXT REFERENCES articles(id),
            story_id TEXT,
            other_story_id TEXT,
            original_id TEXT,
            at TEXT COLLATE "C" NOT NULL
        );
        """,
    ),
)


def migrate(conn: psycopg.Connection[Any]) -> list[str]:
    """Apply the steps this database lacks, in order, in one transaction; the names of those applied."""
    from psycopg.rows import tuple_row

    applied = []
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])
        cursor.execute(
            """CREATE TABLE IF NOT EXISTS ingest_migrations (
                   name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"""
        )
        done = {name for (name,) in cursor.execute("SELECT name FROM ingest_migrations").fetchall()}
        for name, sql in MIGRATIONS:
            if name not in done:
                cursor.execute(sql)  # type: ignore[arg-type]  (frozen text, no parameters)
                cursor.execute("INSERT INTO ingest_migrations (name) VALUES (%s)", [name])
                applied.append(name)
    return applied


def migrated(conn: psycopg.Connection[Any]) -> bool:
    """Whether the database has been through at least the first step (for opening it read-only)."""
    from psycopg.rows import tuple_row

    with conn.cursor(row_factory=tuple_row) as cursor:
        row = cursor.execute("SELECT to_regclass('ingest_migrations') IS NOT NULL").fetchone()
    return bool(row and row[0])
