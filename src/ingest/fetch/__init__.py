"""HTTP: limits, redirects and conditional GET over a transport; the real one keeps the address guard;
robots.txt read once per site and asked before a page."""

from ingest.fetch.client import Fetcher, FetchPolicy, Timing
from ingest.fetch.errors import (
    AddressRefused,
    Disallowed,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NotClaimed,
    RobotsUnavailable,
    ShuttingDown,
    TooLarge,
    TooManyRedirects,
)
from ingest.fetch.guard import BlockedAddress, non_public_reason
from ingest.fetch.robots import Robots
from ingest.fetch.transport import AiohttpTransport, Request, Response, Transport

__all__ = [
    "AddressRefused",
    "AiohttpTransport",
    "BlockedAddress",
    "Disallowed",
    "FetchError",
    "FetchPolicy",
    "FetchTimeout",
    "Fetcher",
    "HTTPStatusError",
    "Request",
    "Response",
    "NotClaimed",
    "Robots",
    "RobotsUnavailable",
    "ShuttingDown",
    "Timing",
    "TooLarge",
    "TooManyRedirects",
    "Transport",
    "non_public_reason",
]
