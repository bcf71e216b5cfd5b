"""Why a URL could not be fetched: one family, raised by the fetcher and by every transport alike."""

from __future__ import annotations


class FetchError(Exception):
    """A URL could not be fetched; str() names the URL and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class HTTPStatusError(FetchError):
    """The server answered with a status that carries no usable body."""

    def __init__(self, url: str, status: int, retry_after: str | None = None) -> None:
        super().__init__(url, f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class FetchTimeout(FetchError):
    """No complete response within the time allowed."""


class TooLarge(FetchError):
    """The body, after decompression, is larger than allowed."""


class TooManyRedirects(FetchError):
    """The redirect chain is longer than allowed, or loops."""


class AddressRefused(FetchError):
    """The host resolves to an address this request may not connect to. `refusal` is the reason without
    the feed setting that would allow it, for a caller whose cure is another (`ingest extract`'s option)."""

    def __init__(self, url: str, reason: str, refusal: str | None = None) -> None:
        super().__init__(url, reason)
        self.refusal = refusal or reason


class ShuttingDown(FetchError):
    """The fetcher was closed to new requests: the process is stopping."""


class NotClaimed(FetchError):
    """The caller's claim on the request was refused: another process is making it (a daemon sharing
    the database holds the feed), so it was not sent."""


class Disallowed(FetchError):
    """The site's robots.txt forbids our user agent this URL, so it was not requested: failed for good,
    unless the feed says `robots: false` (for a site whose owner agreed)."""


class RobotsUnavailable(FetchError):
    """The site's robots.txt could not be read (a server error, or no answer), which RFC 9309 says to take
    as "everything disallowed" until it can: not requested now, tried again later."""
