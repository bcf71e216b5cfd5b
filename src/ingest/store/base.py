"""The store's interface: what the pipeline and the commands ask of a database, backend aside.

Records go in and come out as the dataclasses of `ingest.model`; nothing above this package sees a
row. A backend implements every abstract method with the same meaning (SQLite today, `sqlite.py`);
`Store.open` picks the backend for a location.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from ingest.model import Article, FeedState, Story

if TYPE_CHECKING:  # the dedupe modules pull in numpy and scipy, which read-only commands never need
    from ingest.dedupe.assign import Placement
    from ingest.dedupe.neardup import FingerprintRow


class StoreError(Exception):
    """The database cannot be opened or written; str() names it and says why."""


class AmbiguousId(LookupError):
    """An id prefix that matches more than one record."""


class Store(abc.ABC):
    """One connection to the database; the daemon's writes and the commands' reads go through here."""

    # Backends by the scheme of the locations they open ("" for a file path); each registers itself
    # by subclassing, and ingest.store imports them all, so the interface never imports a backend.
    backends: ClassVar[dict[str, type[Store]]] = {}

    def __init_subclass__(cls, scheme: str = "", **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        Store.backends[scheme] = cls

    @staticmethod
    def open(location: Path, *, create: bool = True) -> Store:
        """Open the database at `location` (created and migrated unless `create` is false)."""
        return Store.backends[""].connect(location, create=create)

    @classmethod
    @abc.abstractmethod
    def connect(cls, location: Path, *, create: bool = True) -> Store:
        """This backend's store at `location`."""

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def answers(self, timeout: float = 2.0) -> bool:
        """Whether the database answers a read on a connection of its own (any thread may ask)."""

    # -- feeds --------------------------------------------------------------------------------

    @abc.abstractmethod
    def sync_feeds(self, feeds: Iterable[tuple[str, str]]) -> None:
        """Make sure every configured (url, name) has a row; names follow the configuration."""

    @abc.abstractmethod
    def feed_state(self, url: str) -> FeedState:
        """The feed's state; a feed never seen has its URL and defaults."""

    @abc.abstractmethod
    def record_success(
        self,
        url: str,
        *,
        status: int,
        at: datetime,
        next_poll: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        problem: str | None = None,
    ) -> None:
        """A poll that reached the feed: validators kept, failures reset, any parse problem noted."""

    @abc.abstractmethod
    def record_failure(
        self, url: str, *, error: str, status: int | None, at: datetime, next_poll: datetime
    ) -> None:
        """A poll that failed: the reason kept, the failure counted, a 410 remembered."""

    # -- entries and articles -------------------------------------------------------------------

    @abc.abstractmethod
    def seen(self, guid: str | None, urls: Iterable[str], *, max_attempts: int) -> bool:
        """Whether an entry is stored, or has failed for good (permanently, or `max_attempts` times),
        by its guid or any of its URLs."""

    @abc.abstractmethod
    def record_entry_failure(
        self, key: str, *, feed: str, url: str | None, reason: str, permanent: bool, at: datetime
    ) -> None:
        """Count a failed entry, so a page that keeps failing is not fetched on every poll."""

    @abc.abstractmethod
    def add_article(
        self,
        article: Article,
        entry_url: str | None,
        *,
        fingerprint: FingerprintRow | None = None,
        merges: Iterable[tuple[str, str]] = (),
    ) -> bool:
        """Store one article in its own transaction, with its fingerprint, its story's bookkeeping and the
        story merges it caused (absorbed, surviving); False if its canonical URL is already stored."""

    @abc.abstractmethod
    def has_article(self, article_id: str) -> bool: ...

    @abc.abstractmethod
    def same_text(self, content_hash: str) -> tuple[str, str | None] | None:
        """A stored article with exactly this text, as (its original's id, that original's story)."""

    @abc.abstractmethod
    def articles(self, since: str | None = None) -> Iterator[Article]:
        """Every article in the order it was stored, optionally only those fetched at or after `since`."""

    @abc.abstractmethod
    def article(self, key: str) -> Article | None:
        """The article with this id, or with the one id that starts with `key` (AmbiguousId if several)."""

    # -- near-duplicates and stories --------------------------------------------------------------

    @abc.abstractmethod
    def fingerprints(self) -> Iterator[tuple[FingerprintRow, str | None]]:
        """Every fingerprint in order of arrival, with its article's story: the index after a restart."""

    @abc.abstractmethod
    def recent_articles(self, days: float, now: datetime) -> list[Article]:
        """The articles dated (published, else fetched) within `days` before the newest one (or now, if
        that is earlier), oldest first: what the story clusterer replays after a restart."""

    @abc.abstractmethod
    def unplaced_articles(self) -> list[Article]:
        """Articles stored before stories existed (no story yet), in order of publication."""

    @abc.abstractmethod
    def place(self, placements: Iterable[tuple[Article, Placement]]) -> None:
        """Write the original and story decided for articles stored without them, in one transaction."""

    @abc.abstractmethod
    def stale_stories(self) -> list[str]:
        """Stories whose articles changed since their record was last written, oldest change first."""

    @abc.abstractmethod
    def is_stale(self, story_id: str) -> bool: ...

    @abc.abstractmethod
    def story_members(self, story_id: str) -> list[Article]:
        """The story's articles, in order of publication."""

    @abc.abstractmethod
    def save_story(self, story: Story, members: int) -> None:
        """Write the story's record, made from `members` articles; it stays stale if more joined meanwhile."""

    @abc.abstractmethod
    def story(self, key: str) -> Story | None:
        """The story with this id, or with the one id that starts with `key` (AmbiguousId if several)."""

    @abc.abstractmethod
    def stories(self, since: str | None = None) -> Iterator[Story]:
        """Every story, most recently updated last; only those updated at or after `since` if given."""
