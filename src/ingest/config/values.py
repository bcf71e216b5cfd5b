"""Parsers of single feeds.yaml values (pure): durations, sizes, URLs, CSS selectors, host:port...
Each returns the value or raises ValueError with a message for people."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from cssselect import GenericTranslator, SelectorError
from lxml import etree

MAX_DURATION = 365 * 86400.0  # beyond this, schedulers and timers overflow or never fire

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*")
_DURATION = re.compile(f"(?:{_DURATION_PART.pattern})+")
_SIZE_UNITS = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:([kmg])(?:i?b)?|(b))")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A database location that starts like a URL names a server (as ingest.store reads it); else a file.
_DATABASE_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_DATABASE_SCHEMES = ("postgresql", "postgres")


def parse_duration(value: object) -> float:
    """Seconds from "90s", "15m", "2h", "1d", "1w", "500ms" or "1h30m"; a bare number is refused, since
    `interval: 30` read as 30 seconds surprised people who meant minutes."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"not a duration: {_show(value)} (use e.g. 90s, 15m, 2h, 1d or 1h30m)")
    if not isinstance(value, str) and not _countable(value):
        raise ValueError(f"not a duration: {_show(value)} (must be finite and not negative)")
    text = value.strip().lower() if isinstance(value, str) else ""
    if not isinstance(value, str) or _NUMBER.fullmatch(text):
        raise ValueError(_no_unit(value, "s", "m"))
    if not (text and _DURATION.fullmatch(text)):
        raise ValueError(f"not a duration: {_show(value)} (use e.g. 90s, 15m, 2h, 1d or 1h30m)")
    try:
        seconds = sum(float(n) * _DURATION_UNITS[u] for n, u in _DURATION_PART.findall(text))
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds):
        raise ValueError(f"not a duration: {_show(value)} (must be finite)")
    return seconds


def parse_size(value: object) -> int:
    """Bytes from "512KB", "1.5 MB", "2GiB" or "100B"; K/M/G are powers of 1024. A bare number is
    refused: `max_bytes: 10` read as 10 bytes was never what anyone meant."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _countable(value):
        raise ValueError(_no_unit(value, "KB", "MB"))
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        raise ValueError(_no_unit(value, "KB", "MB"))
    if isinstance(value, str) and (match := _SIZE.fullmatch(value.strip().lower())):
        number, unit, _ = match.groups()
        size = float(number) * _SIZE_UNITS[unit or "b"]
        if math.isfinite(size) and (unit or "." not in number):  # no fractions of a byte
            return int(size)
    raise ValueError(f"not a size: {_show(value)} (use e.g. 512KB, 10MB, 1.5GB or 100B)")


def _countable(number: int | float) -> bool:
    """Not negative and finite (an int of any length is finite; comparing it never overflows)."""
    return number >= 0 and (isinstance(number, int) or math.isfinite(number))


def _no_unit(value: object, small: str, large: str) -> str:
    """The message for a number without its unit, showing the two likeliest fixes."""
    number = value.strip() if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)
    if len(number) > 20:  # a long number is shown by its start, never glued to a unit
        return f"{_show(value)}: give a unit, e.g. 30{small} or 30{large}"
    return f"{number}: give a unit, e.g. {number}{small} or {number}{large}"


def _show(value: object) -> str:
    """A short one-line rendering of a value for messages."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: object) -> str:
    """What a YAML value is, for 'expected X, got Y' messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({value})".lower()
    if isinstance(value, (int, float, str)):
        return f"{'a string' if isinstance(value, str) else 'a number'} ({_show(value)})"
    return f"a {type(value).__name__} value"


def _url(value: object) -> str:
    """An absolute http(s) URL with a host, stripped; anything else is a ValueError."""
    if not isinstance(value, str):
        raise ValueError(f"expected a URL, got {_kind(value)}")
    url = value.strip()
    if not url or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise ValueError(f"not a URL: {_show(value)} (empty, or has spaces or control characters)")
    _encodable(url)
    try:
        parts = urlsplit(url)
        parts.port  # raises on a port that is not a number in range
    except ValueError as e:
        raise ValueError(f"not a URL: {_show(value)} ({e})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {_show(value)}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {_show(value)}")
    if parts.username is not None or parts.password is not None:
        # the feed URL is copied into every article record and the logs
        raise ValueError("credentials in the URL are not supported")
    return url


def _dedupe_key(url: str) -> tuple[str, ...]:
    """Two spellings of one feed: scheme and host are case-insensitive, an empty path is '/'."""
    p = urlsplit(url)
    return (p.scheme.lower(), p.netloc.lower(), p.path or "/", p.query)


def _text(value: object) -> str:
    """A non-empty one-line string, stripped (it may end up in an HTTP header or a file name)."""
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {_kind(value)}")
    if not value.strip():
        raise ValueError("must not be empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters or line breaks")
    _encodable(value)
    return value.strip()


def parse_database(value: object) -> Path | str:
    """A database: a postgresql:// (or postgres://) URL, kept as written for libpq, else a file path."""
    text = _text(value)
    found = _DATABASE_URL.match(text)
    if found is None:
        return Path(text).expanduser()
    if found[1].lower() not in _DATABASE_SCHEMES:  # the URL itself may hold a password: not repeated
        raise ValueError(f"{found[1]}:// is not a database ingest can use (a file path, or postgresql://...)")
    return text


def _encodable(value: str) -> None:
    """A lone surrogate ("\\ud800" in a quoted string) is valid YAML, but no file name, header or SQL text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"not valid Unicode text: {_show(value)} (a lone surrogate)") from None


_CSS = GenericTranslator()
_NO_SELECTOR = 'expected a CSS selector, got nothing (quote one that starts with "#": "#story")'


def parse_selector(value: object) -> str:
    """A CSS selector that lxml can run on a page, stripped."""
    if value is None:  # `body: #story` is YAML for `body:` and a comment
        raise ValueError(_NO_SELECTOR)
    selector = _text(value)
    try:
        # Running it once also catches what only fails on a document, e.g. "svg|a" (unknown namespace).
        etree.XPath(_CSS.css_to_xpath(selector))(etree.Element("html"))
    except (SelectorError, etree.XPathError) as e:
        raise ValueError(f"not a CSS selector: {_show(selector)} ({e})") from None
    except RecursionError:  # cssselect and lxml recurse once per combinator
        raise ValueError(f"not a CSS selector: {_show(selector)} (nested too deeply)") from None
    return selector


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_kind(value)}")
    return value


def _int(minimum: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"expected a whole number, got {_kind(value)}")
        if value < minimum:
            raise ValueError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _duration(minimum: float) -> Callable[[object], float]:
    def parse(value: object) -> float:
        seconds = parse_duration(value)
        if not minimum <= seconds <= MAX_DURATION:
            raise ValueError(f"must be between {minimum:g}s and 365d, got {_show(value)}")
        return seconds

    return parse


def parse_keep(value: object) -> float:
    """`keep_html`: true (for ever), false (not at all) or how long, as the seconds pages are kept."""
    if isinstance(value, bool):
        return math.inf if value else 0.0
    try:
        return _duration(3600.0)(value)
    except ValueError as exc:
        raise ValueError(f"expected true, false or how long to keep pages (30d, 1w): {exc}") from None


def _size(value: object) -> int:
    size = parse_size(value)
    if size < 1:
        raise ValueError(f"must be at least 1 byte, got {_show(value)}")
    return size


def parse_listen(value: object) -> tuple[str, int]:
    """`host:port` (`[::1]:9108` for IPv6) as a (host, port) pair."""
    if not isinstance(value, str):
        raise ValueError(f"expected host:port, got {_kind(value)}")
    host, sep, port = value.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port such as 127.0.0.1:9108, got {_show(value)}")
    return host, int(port)


def _env_name(value: object) -> str:
    name = _text(value)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"not an environment variable name: {_show(name)}")
    return name
