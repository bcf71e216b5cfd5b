"""The store's interface: what the pipeline and the commands ask of a database, backend aside.

Records go in and come out as the dataclasses of `ingest.model`; nothing above this package sees a
row. A backend implements every abstract method with the same meaning (SQLite, `sqlite.py`, for a
file; PostgreSQL, `postgres.py`, for a `postgresql://` URL); `Store.open` picks the backend for a
location by its scheme.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit, urlunsplit

from ingest.model import Article, Event, FeedState, KeptPage, Story, WebhookState
from ingest.store.filters import DEFAULT_TIME, FEED_KEYS, FILTER_TIMES, ArticleFilter, Place  # noqa: F401
from ingest.store.placing import Placing

if TYPE_CHECKING:  # the dedupe modules pull in numpy and scipy, which read-only commands never need
    from ingest.dedupe.assign import Placement
    from ingest.dedupe.neardup import FingerprintRow


class StoreError(Exception):
    """The database cannot be opened or written; str() names it and says why."""


class MissingReference(StoreError):
    """A write named a record that is not stored (an original, say): a bug or a race, not a duplicate."""


class AmbiguousId(LookupError):
    """An id prefix that matches more than one record."""


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """A configured feed whose settings differ from those its failures were recorded under."""

    url: str
    before: str  # the settings recorded until now
    pages: int  # failed pages forgotten


# The settings of the feeds that have a failure to forget: a healthy feed whose settings change keeps its
# validators and schedule (in a fleet, daemons whose settings differ would otherwise re-poll every feed).
FAILING_FEEDS_SETTINGS = """
    SELECT url, settings FROM feeds
    WHERE failures > 0 OR EXISTS (SELECT 1 FROM entry_failures WHERE entry_failures.feed = feeds.url)"""


def settings_changes(recorded: dict[str, str | None], settings: dict[str, str]) -> list[str]:
    """The feeds whose `settings` differ from those `recorded` (a feed not recorded, or recorded before
    settings were, has nothing to cure)."""
    return [url for url, now in settings.items() if recorded.get(url) not in (None, now)]


# A location that starts like a URL names a server; anything else is a file path.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
# Other spellings of a backend's scheme: libpq takes both postgres:// and postgresql://.
_ALIASES = {"postgres": "postgresql"}


def scheme_of(location: Path | str) -> str:
    """The backend scheme of a database location: "" for a file path, else the URL's (lower case)."""
    found = _SCHEME.match(location) if isinstance(location, str) else None
    return _ALIASES.get(found[1].lower(), found[1].lower()) if found else ""


def shown(location: Path | str) -> str:
    """A location as messages and logs name it: a path as it is, a URL without its password."""
    if not scheme_of(location):
        return str(location)
    parts = urlsplit(str(location))
    user, at, host = parts.netloc.rpartition("@")
    netloc = f"{user.partition(':')[0]}{at}{host}"
    query = "&".join(p for p in parts.query.split("&") if p and not p.lower().startswith("password="))
    return urlunsplit(parts._replace(netloc=netloc, query=query))


class Store(Placing, abc.ABC):
    """One connection to the database; the daemon's writes and the commands' reads go through here."""

    # Backends by the scheme of the locations they open ("" for a file path); each registers itself
    # by subclassing, and ingest.store imports them all, so the interface never imports a backend.
    backends: ClassVar[dict[str, type[Store]]] = {}
    # Whether several daemons may share this database (and so must coordinate through it).
    shared: ClassVar[bool] = False
    # The database as messages name it: the file, or the URL without its password.
    location: str

    def __init_subclass__(cls, scheme: str = "", **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        Store.backends[scheme] = cls

    @staticmethod
    def open(location: Path | str, *, create: bool = True) -> Store:
        """Open the database at `location`, a file path or a URL such as postgresql://user@host/db
        (created and migrated unless `create` is false)."""
        scheme = scheme_of(location)
        if scheme not in Store.backends:
            raise StoreError(f"{shown(location)}: no backend for {scheme}:// (a file path or postgresql://...)")
        return Store.backends[scheme].connect(location, create=create)

    @classmethod
    @abc.abstractmethod
    def connect(cls, location: Path | str, *, create: bool = True) -> Store:
        """This backend's store at `location`."""

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def answers(self, timeout: float = 2.0) -> bool:
        """Whether the database answers a read on a connection of its own (any thread may ask)."""

    @abc.abstractmethod
    def reopen(self) -> Store:
        """Another store on this database (not migrated again), on a connection another thread may use."""

    # -- feeds --------------------------------------------------------------------------------

    @abc.abstractmethod
    def sync_feeds(self, feeds: Iterable[tuple[str, str]]) -> None:
        """Make sure every configured (url, name) has a row; names follow the configuration."""

    @abc.abstractmethod
    def update_settings(self, settings: dict[str, str]) -> list[SettingsChange]:
        """Record each feed's settings (those that can cure a failure, as one text, by URL; the feeds
        have rows). A failing feed, or one with failed pages, whose settings differ from those recorded
        has them forgotten, as clear_failures does: the changes, each with the pages forgotten."""

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

    # -- health and repair (what `ingest feeds` shows and `ingest retry` clears) -------------------

    @abc.abstractmethod
    def feed_states(self) -> list[FeedState]:
        """Every feed the database knows, configured or not any more, by URL."""

    @abc.abstractmethod
    def feed_counts(self) -> dict[str, tuple[int, int]]:
        """Per feed URL: (articles stored from it, its pages that failed and are remembered as failed)."""

    @abc.abstractmethod
    def failed_pages(self, url: str) -> list[tuple[str, str, int, bool]]:
        """The feed's failed pages, the latest first: (URL, reason, attempts, failed for good)."""

    @abc.abstractmethod
    def clear_failures(self, urls: Iterable[str] | None = None) -> tuple[int, int]:
        """Forget the failures of these feeds (every feed's if None) and of their pages, and make the feeds
        due now and read whole (no validators), so the next poll tries everything again: (pages, feeds)."""

    @abc.abstractmethod
    def search(self, query: str, limit: int) -> list[tuple[Article, str]]:
        """Articles holding every word of `query` in their title or text, best match first, each with a
        snippet of its text around the words, marked [like this]."""

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
        placement: Placement | None = None,
        page: KeptPage | None = None,
    ) -> bool:
        """Store one article in its own transaction, with what placing it decided (its fingerprint, the
        story merges it caused, the reasons), its story's bookkeeping and its kept page; False if its
        canonical URL is already stored, MissingReference if its original is not. The article's own
        duplicate_of and story_id say where it goes."""

    @abc.abstractmethod
    def has_article(self, article_id: str) -> bool: ...

    @abc.abstractmethod
    def same_text(self, content_hash: str) -> tuple[str, str | None] | None:
        """A stored article with exactly this text, as (its original's id, that original's story)."""

    @abc.abstractmethod
    def articles(self, where: ArticleFilter = ArticleFilter()) -> Iterator[Article]:
        """The articles `where` selects (every one by default), in the order they were stored."""

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
    def unplaced_articles(self, *, stored_order: bool = False) -> list[Article]:
        """Articles with no story yet, in order of publication: those of a database from before stories.
        With `stored_order`, in the order they were stored: those other daemons stored for the fleet's
        assigner, the list a prefix of that order (no article stored earlier becomes visible later)."""

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
    def stories(self, where: ArticleFilter = ArticleFilter()) -> Iterator[Story]:
        """The stories `where` selects (every one by default), most recently updated last."""

    @abc.abstractmethod
    def newest_articles(
        self, where: ArticleFilter, limit: int, after: Place | None = None
    ) -> list[tuple[Article, Place]]:
        """Up to `limit` articles `where` selects, newest first by the time its since and until see, then by
        id (descending), each with its place; with `after`, those after that place (the next page)."""

    @abc.abstractmethod
    def newest_stories(
        self, where: ArticleFilter, limit: int, after: Place | None = None
    ) -> list[tuple[Story, Place]]:
        """As newest_articles, the stories `where` selects by their last update."""

    # -- the outbox: events for webhooks --------------------------------------------------------

    @abc.abstractmethod
    def last_event_id(self) -> int:
        """The id of the latest event (0 before any)."""

    @abc.abstractmethod
    def events_after(self, after: int, limit: int) -> list[Event]:
        """Up to `limit` events after `after`, in order, none skipped: only events committed before every
        transaction still running, so that a later read never finds an earlier id."""

    @abc.abstractmethod
    def prune_events(self, before: str) -> int:
        """Forget the events that happened before `before` (ISO 8601 UTC): the number forgotten."""

    @abc.abstractmethod
    def webhook_states(self) -> dict[str, WebhookState]:
        """Every webhook's state, by URL."""

    @abc.abstractmethod
    def start_webhook(self, url: str) -> WebhookState:
        """The webhook's state; one never seen starts after the latest event (history is not sent)."""

    @abc.abstractmethod
    def save_webhook_state(self, state: WebhookState) -> None:
        """Write a webhook's state (it was started)."""

    # -- fleet coordination: several daemons sharing one database -----------------------------
    # `owner` names one daemon (any string unique to it); `now` is timezone-aware; leases are seconds.

    @abc.abstractmethod
    def claim_feed(
        self, url: str, *, owner: str, now: datetime, lease: float, due: bool = True
    ) -> FeedState | None:
        """Atomically lease a feed to `owner` until now + `lease`, if it is due (no next poll time, or
        one at or before now; not asked when `due` is false, as `--once` polls every feed) and no other
        owner holds an unexpired lease: the feed's state as claimed (validators and all, so the poll needs
        no other read), else None. A feed with no row yet gets one and is claimable. A concurrent
        claimer never waits for this one."""

    @abc.abstractmethod
    def renew_feeds(self, urls: Iterable[str], *, owner: str, now: datetime, lease: float) -> None:
        """Extend to now + `lease` the leases `owner` still holds on these feeds (others are left)."""

    @abc.abstractmethod
    def renew_entries(self, keys: Iterable[str], *, owner: str, now: datetime, lease: float) -> None:
        """Extend to now + `lease` the claims `owner` still holds on these entries (others are left)."""

    @abc.abstractmethod
    def release_feed(self, url: str, *, owner: str) -> None:
        """Drop the feed's lease if `owner` holds it (record_success and record_failure also drop it)."""

    @abc.abstractmethod
    def claim_entry(self, key: str, *, owner: str, now: datetime, lease: float) -> bool:
        """Claim an entry (its canonical URL or guid) for `owner` until now + `lease`: True if nobody
        held it, the claim had expired, or it was already this owner's (then renewed)."""

    @abc.abstractmethod
    def release_entry(self, key: str, *, owner: str) -> None:
        """Drop the claim on an entry if `owner` holds it."""

    @abc.abstractmethod
    def reserve_host(self, host: str, *, now: datetime, gap: float) -> datetime:
        """Reserve the next request start to `host`, fleet-wide: atomically, the start is the later of
        the stored next allowed time and `now`, and start + `gap` becomes the next allowed time."""

    @abc.abstractmethod
    def hold_assigner(self) -> bool:
        """Whether this store's session holds the one fleet-wide assigner role, taking it if it is free.
        It goes with the session: a daemon that dies or loses its connection lets it go. Asking again
        while holding it answers True and takes nothing more."""

    @abc.abstractmethod
    def release_assigner(self) -> None:
        """Give up the assigner role, if this session holds it."""
