"""The database: one interface (`base.Store`), a backend per engine, frozen migrations, typed records."""

from ingest.model import FeedState
from ingest.store import sqlite  # noqa: F401  (registers the SQLite backend with Store.open)
from ingest.store.base import AmbiguousId, Store, StoreError

__all__ = ["AmbiguousId", "FeedState", "Store", "StoreError"]
