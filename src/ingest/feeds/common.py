"""What the RSS/Atom and the JSON parsers share: their errors, charset sniffing and text clean-up."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


class FeedError(Exception):
    """The body cannot be read as a feed; str() says why in one line."""


class NotAFeed(FeedError):
    """The body is something else (an HTML page, junk, an empty document, OPML...)."""


_UTF32_LE_BOM = codecs.BOM_UTF32_LE  # checked before UTF-16's, which is its prefix


def wide_codec(body: bytes) -> str | None:
    """The UTF-16/32 codec `body` is in, from its BOM or the zero bytes around ASCII, else None."""
    head = body[:4]
    if head.startswith((_UTF32_LE_BOM, codecs.BOM_UTF32_BE)):
        return "utf-32-le" if head.startswith(_UTF32_LE_BOM) else "utf-32-be"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16-le" if head.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
    if len(head) < 4:
        return None
    zero = [b == 0 for b in head]
    patterns = {
        (False, True, True, True): "utf-32-le",
        (True, True, True, False): "utf-32-be",
        (False, True, False, True): "utf-16-le",
        (True, False, True, False): "utf-16-be",
    }
    return patterns.get(tuple(zero))


_SPACE = re.compile(r"\s+")
_BREAKS = frozenset({"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"})


class _TextOf(HTMLParser):
    """Collects the text of an HTML fragment, with a space where a block or line break was."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.handle_starttag(tag, [])

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_line(value: str | None, html: bool = False) -> str | None:
    """Plain one-line text: tags dropped if `html`, entities decoded, whitespace collapsed; None if empty."""
    if not value:
        return None
    if html:
        parser = _TextOf()
        parser.feed(value)
        parser.close()
        value = "".join(parser.parts)
    else:
        value = unescape(value)  # many feeds escape their plain-text titles twice
    return _SPACE.sub(" ", value).strip() or None


def unique(values: Iterable[str | None]) -> tuple[str, ...]:
    """Non-empty values with whitespace collapsed, first occurrence kept, in order."""
    seen: dict[str, None] = {}
    for value in values:
        text = _SPACE.sub(" ", value).strip() if isinstance(value, str) else ""
        if text:
            seen.setdefault(text)
    return tuple(seen)


def absolute_url(link: str | None, base: str) -> str | None:
    """`link` resolved against `base`, if the result is an http(s) URL."""
    if not link or not isinstance(link, str):
        return None
    try:
        resolved = urljoin(base, link.strip())
        scheme, host = urlsplit(resolved)[:2]
    except ValueError:  # e.g. an invalid IPv6 host
        return None
    return resolved if scheme in ("http", "https") and host else None

def ttl_seconds(value: object) -> float | None:
    """RSS <ttl>, in minutes, as seconds; None when absent or not a positive number."""
    try:
        minutes = float(str(value).strip())
    except ValueError:
        return None
    return minutes * 60 if 0 < minutes < 1e6 else None
