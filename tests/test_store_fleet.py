"""The store's fleet methods on both backends: leases on feeds, claims on entries, host reservations
and the assigner role, with a second Store on the same database (a connection of its own) contending
as a second daemon would, sequentially and from threads at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from ingest.model import FeedState
from ingest.store import Store

FEED = "https://example.com/feed.xml"
NOW = datetime(2025, 6, 24, 12, 0, tzinfo=UTC)
LEASE = 30.0
_T = TypeVar("_T")


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


@pytest.fixture
def other(store: Store, database: Path | str) -> Iterator[Store]:
    """A second daemon's store on the same database."""
    opened = Store.open(database)
    yield opened
    opened.close()


def in_threads(database: Path | str, work: Callable[[Store, str], _T], owners: tuple[str, ...] = ("a", "b")) -> dict[str, _T]:
    """`work(store, owner)` for each owner at once, each in a thread with a Store of its own (SQLite's
    connections stay in their thread), released together by a barrier."""
    barrier = threading.Barrier(len(owners))
    results: dict[str, _T] = {}
    errors: list[BaseException] = []

    def run(owner: str) -> None:
        store = Store.open(database)
        try:
            barrier.wait(timeout=30)
            results[owner] = work(store, owner)
        except BaseException as exc:  # reported by the test's thread below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=run, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_only_a_database_several_daemons_share_says_so(store: Store, backend: str) -> None:
    assert store.shared is (backend == "postgresql")


# ---------------------------------------------------------------- feeds


def test_a_due_feed_is_leased_to_one_owner(store: Store, other: Store) -> None:
    store.sync_feeds([(FEED, "Example")])
    assert store.claim_feed(FEED, owner="a", now=NOW, lease=LEASE)
    assert not other.claim_feed(FEED, owner="b", now=NOW, lease=LEASE)
    assert not other.claim_feed(FEED, owner="b", now=at(LEASE - 0.001), lease=LEASE)
    state = other.feed_state(FEED)
    assert (state.lease_owner, state.lease_until) == ("a", "2025-06-24T12:00:30.000Z")
    # Its own lease: claimed again, and extended.
    assert store.claim_feed(FEED, owner="a", now=at(10.5), lease=LEASE)
    assert store.feed_state(FEED).lease_until == "2025-06-24T12:00:40.500Z"
    assert store.feed_state(FEED).name == "Example"


def test_a_claim_gives_the_state_it_claimed_so_the_poll_reads_nothing_else(store: Store) -> None:
    store.sync_feeds([(FEED, "Example")])
    store.record_success(FEED, status=200, at=NOW, next_poll=at(60), etag='"v1"', last_modified="Mon")
    claimed = store.claim_feed(FEED, owner="a", now=at(60), lease=LEASE)
    assert claimed is not None
    assert (claimed.etag, claimed.last_modified, claimed.name) == ('"v1"', "Mon", "Example")
    assert (claimed.lease_owner, claimed.lease_until) == ("a", "2025-06-24T12:01:30.000Z")
    assert claimed == store.feed_state(FEED)


def test_an_expired_lease_is_taken_over(store: Store, other: Store) -> None:
    store.sync_feeds([(FEED, "Example")])
    assert store.claim_feed(FEED, owner="a", now=NOW, lease=LEASE)
    assert other.claim_feed(FEED, owner="b", now=at(LEASE), lease=LEASE)  # a's lease ran out then
    assert not store.claim_feed(FEED, owner="a", now=at(LEASE + 1), lease=LEASE)
    assert store.feed_state(FEED).lease_owner == "b"


def test_a_feed_not_yet_due_is_not_claimed(store: Store) -> None:
    store.sync_feeds([(FEED, "Example")])
    store.record_success(FEED, status=200, at=NOW, next_poll=at(60))
    assert not store.claim_feed(FEED, owner="a", now=at(59), lease=LEASE)
    assert store.claim_feed(FEED, owner="a", now=at(60), lease=LEASE)  # due at its next poll time


def test_a_feed_not_yet_due_is_claimed_when_due_is_not_asked(store: Store, other: Store) -> None:
    store.sync_feeds([(FEED, "Example")])
    store.record_success(FEED, status=200, at=NOW, next_poll=at(60))
    assert store.claim_feed(FEED, owner="a", now=NOW, lease=LEASE, due=False)  # `--once` polls every feed
    assert not other.claim_feed(FEED, owner="b", now=NOW, lease=LEASE, due=False)  # but never two at once
    assert other.claim_feed(FEED, owner="b", now=at(LEASE), lease=LEASE, due=False)


def test_success_and_failure_end_the_lease(store: Store, other: Store) -> None:
    store.sync_feeds([(FEED, "Example")])
    assert store.claim_feed(FEED, owner="a", now=NOW, lease=LEASE)
    store.record_failure(FEED, error="HTTP 503", status=503, at=NOW, next_poll=at(5))
    assert store.feed_state(FEED).lease_owner is None and store.feed_state(FEED).lease_until is None
    assert not other.claim_feed(FEED, owner="b", now=at(4), lease=LEASE)  # free, but not due yet
    assert other.claim_feed(FEED, owner="b", now=at(5), lease=LEASE)
    other.record_success(FEED, status=200, at=at(6), next_poll=at(6))
    state = store.feed_state(FEED)
    assert (state.lease_owner, state.lease_until, state.failures) == (None, None, 0)
    assert store.claim_feed(FEED, owner="a", now=at(6), lease=LEASE)


def test_a_feed_with_no_row_yet_is_claimable_once(store: Store, other: Store) -> None:
    url = "https://new.example/rss"
    assert store.feed_state(url) == FeedState(url)
    assert store.claim_feed(url, owner="a", now=NOW, lease=LEASE)
    assert not other.claim_feed(url, owner="b", now=NOW, lease=LEASE)
    state = other.feed_state(url)
    assert (state.name, state.lease_owner, state.next_poll) == ("new.example", "a", None)
    store.sync_feeds([(url, "New")])  # the configuration's name, once it is synced; the lease stays
    assert (store.feed_state(url).name, store.feed_state(url).lease_owner) == ("New", "a")


def test_only_the_holder_releases_a_lease(store: Store, other: Store) -> None:
    store.sync_feeds([(FEED, "Example")])
    assert store.claim_feed(FEED, owner="a", now=NOW, lease=LEASE)
    other.release_feed(FEED, owner="b")
    assert not other.claim_feed(FEED, owner="b", now=NOW, lease=LEASE)
    store.release_feed(FEED, owner="a")
    assert store.feed_state(FEED).lease_owner is None
    assert other.claim_feed(FEED, owner="b", now=NOW, lease=LEASE)


def test_renewal_extends_only_the_owners_leases(store: Store, other: Store) -> None:
    feeds = [f"https://example.com/{i}.xml" for i in range(3)]
    store.sync_feeds((url, url) for url in feeds)
    assert store.claim_feed(feeds[0], owner="a", now=NOW, lease=LEASE)
    assert store.claim_feed(feeds[1], owner="a", now=NOW, lease=LEASE)
    assert other.claim_feed(feeds[2], owner="b", now=NOW, lease=LEASE)

    store.renew_feeds(iter(feeds), owner="a", now=at(20), lease=LEASE)
    store.renew_feeds([], owner="a", now=at(20), lease=LEASE)  # nothing held: nothing to do
    leases = [(s.lease_owner, s.lease_until) for s in map(other.feed_state, feeds)]
    assert leases == [("a", "2025-06-24T12:00:50.000Z"), ("a", "2025-06-24T12:00:50.000Z"),
                      ("b", "2025-06-24T12:00:30.000Z")]  # fmt: skip
    assert not other.claim_feed(feeds[0], owner="b", now=at(40), lease=LEASE)  # renewed past a's first end


def test_claimers_at_once_never_share_a_feed(store: Store, database: Path | str) -> None:
    feeds = [f"https://example.com/{i}.xml" for i in range(40)]
    store.sync_feeds((url, url) for url in feeds)

    def claim_all(mine: Store, owner: str) -> set[str]:
        order = feeds if owner == "a" else feeds[::-1]  # they meet in the middle, and race there
        return {url for url in order if mine.claim_feed(url, owner=owner, now=NOW, lease=LEASE)}

    won = in_threads(database, claim_all)
    assert won["a"] | won["b"] == set(feeds)
    assert not won["a"] & won["b"]
    assert all(store.feed_state(url).lease_owner == owner for owner, urls in won.items() for url in urls)


# ---------------------------------------------------------------- entries


def test_an_entry_is_claimed_by_one_owner_until_its_claim_runs_out(store: Store, other: Store) -> None:
    key = "https://example.com/story"
    assert store.claim_entry(key, owner="a", now=NOW, lease=LEASE)
    assert not other.claim_entry(key, owner="b", now=at(29), lease=LEASE)
    assert store.claim_entry(key, owner="a", now=at(20), lease=LEASE)  # its own: renewed to 50 s
    assert not other.claim_entry(key, owner="b", now=at(40), lease=LEASE)
    assert other.claim_entry(key, owner="b", now=at(50), lease=LEASE)  # run out: taken over
    assert not store.claim_entry(key, owner="a", now=at(51), lease=LEASE)
    assert store.claim_entry("https://example.com/another", owner="a", now=at(51), lease=LEASE)


def test_renewal_extends_only_the_owners_entry_claims(store: Store, other: Store) -> None:
    mine, theirs = "https://example.com/mine", "https://example.com/theirs"
    assert store.claim_entry(mine, owner="a", now=NOW, lease=LEASE)
    assert other.claim_entry(theirs, owner="b", now=NOW, lease=LEASE)
    store.renew_entries([mine, theirs], owner="a", now=at(20), lease=LEASE)  # to 50 s, only its own
    store.renew_entries([], owner="a", now=at(20), lease=LEASE)  # nothing held: nothing to do
    assert not other.claim_entry(mine, owner="b", now=at(40), lease=LEASE)  # renewed past its first end
    assert other.claim_entry(mine, owner="b", now=at(50), lease=LEASE)
    assert store.claim_entry(theirs, owner="a", now=at(30), lease=LEASE)  # b's ran out at 30 s: not renewed


def test_only_the_holder_releases_an_entry(store: Store, other: Store) -> None:
    key = "https://example.com/feed.xml#guid-7"
    assert other.claim_entry(key, owner="b", now=NOW, lease=LEASE)
    store.release_entry(key, owner="a")
    assert not store.claim_entry(key, owner="a", now=NOW, lease=LEASE)
    other.release_entry(key, owner="b")
    assert store.claim_entry(key, owner="a", now=NOW, lease=LEASE)


def test_entry_claimers_at_once_never_share_an_entry(database: Path | str, store: Store) -> None:
    keys = [f"https://example.com/story/{i}" for i in range(40)]

    def claim_all(mine: Store, owner: str) -> set[str]:
        order = keys if owner == "a" else keys[::-1]
        return {key for key in order if mine.claim_entry(key, owner=owner, now=NOW, lease=LEASE)}

    won = in_threads(database, claim_all)
    assert won["a"] | won["b"] == set(keys) and not won["a"] & won["b"]


# ---------------------------------------------------------------- hosts


def test_host_reservations_are_spaced_by_the_gap(store: Store, other: Store) -> None:
    gap = 0.25
    assert store.reserve_host("a.example", now=NOW, gap=gap) == NOW
    assert other.reserve_host("a.example", now=NOW, gap=gap) == at(0.25)
    assert store.reserve_host("a.example", now=at(0.1), gap=gap) == at(0.5)  # queued behind the others
    assert store.reserve_host("b.example", now=NOW, gap=gap) == NOW  # another host: its own queue
    assert other.reserve_host("a.example", now=at(10), gap=1.0) == at(10)  # long idle: at once
    start = store.reserve_host("a.example", now=at(10), gap=1.0)
    assert start == at(11) and start.utcoffset() == timedelta(0)


def test_reservations_at_once_are_all_distinct(store: Store, database: Path | str) -> None:
    gap = 0.001  # a millisecond: the reservations add exactly, on both backends

    def reserve(mine: Store, owner: str) -> list[datetime]:
        return [mine.reserve_host("a.example", now=NOW, gap=gap) for _ in range(25)]

    starts = sorted(start for starts in in_threads(database, reserve).values() for start in starts)
    assert starts == [at(i * gap) for i in range(50)]


# ---------------------------------------------------------------- the assigner


def eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Whether `check` comes true within `seconds`: a server frees a closed session's locks once its
    backend has noticed the close, a moment after the client's."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_assigner_role_is_one_sessions_and_passes_on_when_it_closes(
    store: Store, other: Store, backend: str
) -> None:
    assert store.hold_assigner()
    assert store.hold_assigner()  # asked again: still held, and not taken twice
    if backend == "sqlite":  # one process writes a SQLite file: the role is always its
        assert other.hold_assigner()
        other.release_assigner()
        return
    assert not other.hold_assigner()
    store.release_assigner()  # once is enough: asking twice did not stack the lock
    assert other.hold_assigner()
    assert not store.hold_assigner()
    other.release_assigner()
    other.release_assigner()  # not holding it: nothing to give up
    assert store.hold_assigner()

    store.close()  # the daemon goes away (or its connection does): the role goes with its session
    assert eventually(other.hold_assigner)
