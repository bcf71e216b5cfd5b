"""The database: one interface (`base.Store`), a backend per engine, frozen migrations, typed records."""

from ingest.model import FeedState
from ingest.store.base import AmbiguousId, Store, StoreError

__all__ = ["AmbiguousId", "FeedState", "Store", "StoreError"]
