"""HTTP: one aiohttp session per run, limits, conditional GET and the address guard."""

from ingest.fetch.client import (
    AddressRefused,
    Fetcher,
    FetchError,
    FetchPolicy,
    FetchTimeout,
    HTTPStatusError,
    Response,
    ShuttingDown,
    TooLarge,
    TooManyRedirects,
)
from ingest.fetch.guard import BlockedAddress, non_public_reason

__all__ = [
    "AddressRefused",
    "BlockedAddress",
    "FetchError",
    "FetchPolicy",
    "FetchTimeout",
    "Fetcher",
    "HTTPStatusError",
    "Response",
    "ShuttingDown",
    "TooLarge",
    "TooManyRedirects",
    "non_public_reason",
]
