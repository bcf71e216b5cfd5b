"""The database: one interface (`base.Store`), a backend per engine, frozen migrations, typed records."""

from ingest.model import FeedState
from ingest.store import (
    postgres,  # noqa: F401  (registers the PostgreSQL backend; psycopg loads on use)
    sqlite,  # noqa: F401  (registers the SQLite backend with Store.open)
)
from ingest.store.base import AmbiguousId, ArticleFilter, MissingReference, Store, StoreError

__all__ = ["AmbiguousId", "ArticleFilter", "FeedState", "MissingReference", "Store", "StoreError"]
