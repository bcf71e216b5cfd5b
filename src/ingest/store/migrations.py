"""The SQLite schema's history, as frozen SQL: a migration never changes once released and never
imports today's code, so an old database upgraded next year ends up as one upgraded on the day.

Each step is applied once, in order, and recorded by name in `_sqlite_migrations` (sqlite-utils'
migration runner). Data that today's code must compute (an old database's stories) is not made here:
the run layer places unplaced articles with the current deduper when it starts (run/services.py).
"""

from __future__ import annotations

import re

from sqlite_utils import Database, Migrations

migrations = Migrations("ingest")


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE feeds (
            url TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            title TEXT,
            etag TEXT,
            last_modified TEXT,
            last_polled TEXT,
            last_success TEXT,
            last_status INTEGER,
            last_error TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            next_poll TEXT
        );
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
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
            published TEXT,
            fetched_at TEXT NOT NULL,
            language TEXT,
            text TEXT NOT NULL,
            word_count INTEGER NOT NULL,
            image_url TEXT,
            image_caption TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL,
            duplicate_of TEXT REFERENCES articles(id),
            story_id TEXT
        );
        CREATE INDEX articles_guid ON articles(guid);
        CREATE INDEX articles_entry_url ON articles(entry_url);
        CREATE INDEX articles_content_hash ON articles(content_hash);
        CREATE INDEX articles_fetched_at ON articles(fetched_at);
        CREATE INDEX articles_published ON articles(published);
        CREATE TABLE entry_failures (
            key TEXT PRIMARY KEY,
            feed TEXT NOT NULL,
            url TEXT,
            reason TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            permanent INTEGER NOT NULL,
            last_attempt TEXT NOT NULL
        );
        -- Full-text search over title and text, kept in step by triggers (what sqlite-utils'
        -- enable_fts(create_triggers=True) wrote when this migration was first released).
        CREATE VIRTUAL TABLE "articles_fts" USING FTS5 ("title", "text", content="articles");
        CREATE TRIGGER "articles_ai" AFTER INSERT ON "articles" BEGIN
          INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
        END;
        CREATE TRIGGER "articles_ad" AFTER DELETE ON "articles" BEGIN
          INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text")
          VALUES('delete', old.rowid, old."title", old."text");
        END;
        CREATE TRIGGER "articles_au" AFTER UPDATE ON "articles" BEGIN
          INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text")
          VALUES('delete', old.rowid, old."title", old."text");
          INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
        END;
        """
    )


@migrations()
def m002_feed_gone(db: Database) -> None:
    # 410 Gone: when the server first said so; the feed is still polled (with backoff), never dropped.
    db.execute("ALTER TABLE feeds ADD COLUMN gone_since TEXT")


@migrations()
def m003_stories(db: Database) -> None:
    # An article's near-duplicate fingerprint, kept so that the index survives a restart; and stories.
    # Before this step every article was its own story; now none has one (story_id NULL) until the
    # daemon or --once places them, in order of publication, with the deduper of its day.
    db.executescript(
        """
        CREATE TABLE fingerprints (
            article_id TEXT PRIMARY KEY REFERENCES articles(id),
            signature BLOB NOT NULL,
            shingles INTEGER NOT NULL,
            duplicate_of TEXT
        );
        CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            first_seen TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            articles INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX articles_story_id ON articles(story_id);
        CREATE INDEX articles_duplicate_of ON articles(duplicate_of);
        UPDATE articles SET story_id = NULL, duplicate_of = NULL;
        """
    )


@migrations()
def m004_story_records(db: Database) -> None:
    # What a reader sees of a story, refreshed (off the write path) whenever `stale` says it changed.
    db.executescript(
        """
        ALTER TABLE stories ADD COLUMN title TEXT;
        ALTER TABLE stories ADD COLUMN date TEXT;
        ALTER TABLE stories ADD COLUMN sources TEXT;
        ALTER TABLE stories ADD COLUMN summary TEXT;
        ALTER TABLE stories ADD COLUMN key_points TEXT;
        ALTER TABLE stories ADD COLUMN image_url TEXT;
        ALTER TABLE stories ADD COLUMN image_caption TEXT;
        ALTER TABLE stories ADD COLUMN image_source TEXT;
        ALTER TABLE stories ADD COLUMN summarized_by TEXT;
        ALTER TABLE stories ADD COLUMN stale INTEGER NOT NULL DEFAULT 1;
        CREATE INDEX stories_stale ON stories(stale) WHERE stale;
        CREATE INDEX stories_updated_at ON stories(updated_at);
        """
    )


@migrations()
def m005_fleet(db: Database) -> None:
    # Several daemons coordinating through one database (a PostgreSQL one in practice; SQLite has the
    # same tables so that the store means the same on both): a lease on each feed being polled, claims
    # on entries being fetched, and each host's next allowed request start. Their times are whole
    # microseconds since the epoch, exact to add and compare, finer than the records' ISO seconds.
    db.executescript(
        """
        ALTER TABLE feeds ADD COLUMN lease_owner TEXT;
        ALTER TABLE feeds ADD COLUMN lease_until INTEGER;
        CREATE TABLE entry_claims (
            key TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            until INTEGER NOT NULL
        );
        CREATE TABLE hosts (
            host TEXT PRIMARY KEY,
            next_allowed INTEGER NOT NULL
        );
        """
    )


@migrations()
def m006_keywords(db: Database) -> None:
    # An article's keywords (its entry's categories and its page's keywords) apart from `tags`, which now
    # hold only its feed's own labels. Rows stored before keep their mixed tags and no keywords: which
    # of their tags came from the feed is not recorded anywhere.
    db.executescript(
        """
        ALTER TABLE articles ADD COLUMN keywords TEXT NOT NULL DEFAULT '[]';
        """
    )


@migrations()
def m007_feed_settings(db: Database) -> None:
    # The settings each feed's failures were recorded under (those that can cure one, as JSON text):
    # when feeds.yaml changes them, the failures are forgotten and tried again. Feeds recorded before
    # have none, and nothing to compare until the next start records them.
    db.executescript(
        """
        ALTER TABLE feeds ADD COLUMN settings TEXT;
        """
    )


@migrations()
def m008_events(db: Database) -> None:
    # The outbox of webhooks: every change other tools may subscribe to, written in the transaction that
    # makes it, and each webhook's place in it, so no delivery is lost to a restart or a kill.
    db.executescript(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX events_at ON events(at);
        CREATE TABLE webhooks (
            url TEXT PRIMARY KEY,
            after INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try TEXT,
            failing_since TEXT,
            last_error TEXT,
            last_success TEXT,
            delivered INTEGER NOT NULL DEFAULT 0,
            dropped INTEGER NOT NULL DEFAULT 0
        );
        """
    )


@migrations()
def m009_links_and_views(db: Database) -> None:
    # For tools that browse the file (Datasette): an article's story as a foreign key, and views for the
    # common questions. SQLite adds a foreign key only by rebuilding the table.
    #
    # The store turns `PRAGMA foreign_keys` on, so a declared key is an enforced one. story_id's is
    # DEFERRABLE INITIALLY DEFERRED: the write paths set an article's story before they write the story's
    # row, in the same transaction, and a merge relabels the articles before it deletes the story they
    # left. `feed` gets no key: articles are stored for feeds that have no row (a feed is written by
    # sync_feeds, which a store's caller need not have run), and add_article reads an integrity error as
    # "already stored", so an enforced key would drop articles without a word. Views join on it instead.
    #
    # The rebuild keeps each row's rowid, which articles_fts (an external-content index by rowid) and the
    # stored order rely on, and it must run with foreign keys off (as the store migrates, before turning
    # them on): with them on, dropping the old table would check, and fail, fingerprints' references.
    if db.execute("PRAGMA foreign_keys").fetchone()[0]:
        raise RuntimeError("m009 rebuilds articles and must run with PRAGMA foreign_keys off")
    # Its indexes and triggers (articles_fts's) go with the old table and are made again as they were,
    # with any an operator added; articles_fts itself is untouched: the same rowids, the same text.
    kept = [
        sql
        for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'articles' AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL ORDER BY type, rowid"
        ).fetchall()
    ]
    db.executescript(
        """
        CREATE TABLE articles_new (
            id TEXT PRIMARY KEY,
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
            published TEXT,
            fetched_at TEXT NOT NULL,
            language TEXT,
            text TEXT NOT NULL,
            word_count INTEGER NOT NULL,
            image_url TEXT,
            image_caption TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL,
            duplicate_of TEXT REFERENCES articles(id),
            story_id TEXT REFERENCES stories(id) DEFERRABLE INITIALLY DEFERRED,
            keywords TEXT NOT NULL DEFAULT '[]'
        );
        INSERT INTO articles_new (rowid, id, url, canonical_url, entry_url, guid, feed, source, site_name,
            title, description, author, published, fetched_at, language, text, word_count, image_url,
            image_caption, tags, content_hash, duplicate_of, story_id, keywords)
        SELECT rowid, id, url, canonical_url, entry_url, guid, feed, source, site_name,
            title, description, author, published, fetched_at, language, text, word_count, image_url,
            image_caption, tags, content_hash, duplicate_of,
            -- A story that has no row (none should) is forgotten: the article is placed again at start.
            CASE WHEN story_id IN (SELECT id FROM stories) THEN story_id END, keywords
        FROM articles;
        """
    )
    db.execute("DROP TABLE articles")
    db.execute("ALTER TABLE articles_new RENAME TO articles")
    for statement in kept:
        db.execute(statement)
    db.executescript(
        """
        -- Each story with its articles, the latest story first, its articles in the order it lists them.
        CREATE VIEW story_articles AS
        SELECT s.id AS story_id, s.title AS story_title, a.id AS article_id, a.title, a.source,
               a.published, a.url
        FROM stories s JOIN articles a ON a.story_id = s.id
        ORDER BY s.updated_at DESC, s.id, coalesce(a.published, a.fetched_at), a.rowid;
        -- Each feed the database knows, with what `ingest feeds` shows of it. Its state (ok, failing,
        -- gone, removed, new) is not here: it depends on feeds.yaml, which the database does not hold.
        CREATE VIEW feed_health AS
        SELECT f.url, f.name, f.title, f.last_polled, f.last_success, f.last_status, f.last_error,
               f.failures, f.next_poll, f.gone_since, coalesce(a.n, 0) AS articles,
               coalesce(e.n, 0) AS pages_failed
        FROM feeds f
        LEFT JOIN (SELECT feed, count(*) AS n FROM articles GROUP BY feed) a ON a.feed = f.url
        LEFT JOIN (SELECT feed, count(*) AS n FROM entry_failures GROUP BY feed) e ON e.feed = f.url
        ORDER BY f.url;
        """
    )


@migrations()
def m010_kept_pages(db: Database) -> None:
    # The fetched pages, kept compressed for `ingest reextract`; a counter the daemons watch to know that
    # another process changed placements (reextract, and the story overrides) and their in-memory index
    # is out of date; and articles.feed as a foreign key to feeds, which m009 left out: every write of an
    # article now makes its feed's row first, so the key cannot drop one.
    if db.execute("PRAGMA foreign_keys").fetchone()[0]:
        raise RuntimeError("m010 rebuilds articles and must run with PRAGMA foreign_keys off")
    kept = [
        sql
        for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'articles' AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL ORDER BY type, rowid"
        ).fetchall()
    ]
    views = [
        (name, sql)
        for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall()
    ]
    for name, _ in views:  # a view naming articles would stop the rename below; made again after it
        db.execute(f'DROP VIEW "{name}"')
    # The table as m009 made it, with the one key added: its text is read back, not written again.
    (made,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'articles'").fetchone()
    made, renamed = re.subn(r'^CREATE TABLE "?articles"?', "CREATE TABLE articles_new", made)
    made, keyed = re.subn(r"\bfeed TEXT NOT NULL,", "feed TEXT NOT NULL REFERENCES feeds(url),", made)
    if (renamed, keyed) != (1, 1):
        raise RuntimeError("m010: the articles table is not as m009 made it; add its feed key by hand")
    columns = ", ".join(row[1] for row in db.execute("PRAGMA table_info(articles)").fetchall())
    db.execute("INSERT OR IGNORE INTO feeds (url, name) SELECT DISTINCT feed, feed FROM articles")
    db.execute(made)
    db.execute(f"INSERT INTO articles_new (rowid, {columns}) SELECT rowid, {columns} FROM articles")
    db.execute("DROP TABLE articles")
    db.execute("ALTER TABLE articles_new RENAME TO articles")
    for statement in kept:
        db.execute(statement)
    for _, sql in views:
        db.execute(sql)
    db.executescript(
        """
        CREATE INDEX articles_feed ON articles (feed);
        CREATE TABLE pages (
            article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            url TEXT,
            content_type TEXT,
            entry TEXT NOT NULL,
            html BLOB NOT NULL,
            fragment INTEGER NOT NULL DEFAULT 0,
            kept_at TEXT NOT NULL
        );
        CREATE INDEX pages_kept_at ON pages (kept_at);
        CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO counters (name, value) VALUES ('placements', 0);
        """
    )


@migrations()
def m011_reasons_and_overrides(db: Database) -> None:
    # Why each article is a copy and why it is in its story (JSON, as dedupe/reasons.py writes it), and the
    # corrections people made (split, merge, unmark), which every later placement replays.
    db.executescript(
        """
        ALTER TABLE articles ADD COLUMN duplicate_reason TEXT;
        ALTER TABLE articles ADD COLUMN story_reason TEXT;
        CREATE TABLE overrides (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            article_id TEXT REFERENCES articles(id),
            story_id TEXT,
            other_story_id TEXT,
            original_id TEXT,
            at TEXT NOT NULL
        );
        """
    )
