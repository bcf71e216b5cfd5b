"""HTTP: limits, redirects and conditional GET over a transport; the real one keeps the address guard."""

from ingest.fetch.client import Fetcher, FetchPolicy, Timing
from ingest.fetch.errors import (
    AddressRefused,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NotClaimed,
    ShuttingDown,
    TooLarge,
    TooManyRedirects,
)
from ingest.fetch.guard import BlockedAddress, non_public_reason
from ingest.fetch.transport import AiohttpTransport, Request, Response, Transport

__all__ = [
    "AddressRefused",
    "AiohttpTransport",
    "BlockedAddress",
    "FetchError",
    "FetchPolicy",
    "FetchTimeout",
    "Fetcher",
    "HTTPStatusError",
    "Request",
    "Response",
    "NotClaimed",
    "ShuttingDown",
    "Timing",
    "TooLarge",
    "TooManyRedirects",
    "Transport",
    "non_public_reason",
]
