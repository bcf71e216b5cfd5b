"""ingest: an asynchronous RSS/web ingestion daemon."""

__version__ = "0.1.0"
