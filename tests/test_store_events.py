"""The outbox on both backends: the changes other tools subscribe to are recorded in the transaction that
makes them, read in order with none skipped (on PostgreSQL too, where ids may commit out of order), and
each webhook keeps its place."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from test_store import article, story_record

from ingest.dedupe.assign import Placement
from ingest.model import WebhookState
from ingest.store import Store


def kinds(store: Store, after: int = 0) -> list[tuple[str, str]]:
    return [(e.kind, e.subject) for e in store.events_after(after, 100)]


def test_changes_make_events_in_order(store: Store) -> None:
    placed = dataclasses.replace(article("https://example.com/1"), story_id=None)
    assert store.add_article(placed, None)  # stored, not yet placed: no event
    inline = article("https://example.com/2")
    inline = dataclasses.replace(inline, story_id=inline.id)
    assert store.add_article(inline, None)
    store.place([(placed, Placement(None, placed.id))])
    assert kinds(store) == [("article.new", inline.id), ("article.new", placed.id)]

    first = store.last_event_id()
    store.save_story(story_record(inline.id), 1)
    store.save_story(story_record(inline.id), 1)  # the same record again: nothing new for a reader
    store.save_story(story_record(inline.id, summary="A new summary."), 1)
    assert kinds(store, first) == [("story.new", inline.id), ("story.updated", inline.id)]
    ids = [e.id for e in store.events_after(0, 100)]
    assert ids == sorted(ids) and store.last_event_id() == ids[-1]
    assert store.events_after(ids[1], 2) == store.events_after(0, 100)[2:4]


def test_a_webhook_starts_after_the_latest_event_and_keeps_its_place(store: Store) -> None:
    a = article("https://example.com/1")
    store.add_article(dataclasses.replace(a, story_id=a.id), None)
    started = store.start_webhook("http://127.0.0.1:9/hook")
    assert started == WebhookState("http://127.0.0.1:9/hook", after=store.last_event_id())
    moved = dataclasses.replace(started, after=started.after + 1, attempts=2, last_error="HTTP 500")
    store.save_webhook_state(moved)
    assert store.start_webhook("http://127.0.0.1:9/hook") == moved  # started once
    assert store.webhook_states() == {moved.url: moved}


def test_old_events_are_pruned(store: Store) -> None:
    a = article("https://example.com/1")
    store.add_article(dataclasses.replace(a, story_id=a.id), None)
    assert store.prune_events("2000-01-01T00:00:00.000Z") == 0
    assert store.prune_events("2999-01-01T00:00:00.000Z") == 1
    assert store.events_after(0, 10) == []


def test_an_event_committed_late_is_not_skipped_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    import psycopg

    store = Store.open(postgres_url)
    try:
        with psycopg.connect(postgres_url) as slow:
            slow.execute("INSERT INTO events (kind, subject, at) VALUES ('story.new', 'early', '2026-12-05')")
            # The slow transaction holds the lower id, uncommitted; a later one commits first.
            a = article("https://example.com/1")
            store.add_article(dataclasses.replace(a, story_id=a.id), None)
            assert store.events_after(0, 10) == []  # the later event waits for the earlier one
            slow.commit()
        assert kinds(store) == [("story.new", "early"), ("article.new", a.id)]
    finally:
        store.close()
