"""JSON bodies, read directly: JSON Feed 1.0/1.1 (jsonfeed.org/version/1.1) and scripting.com's RSS-in-JSON.

A truncated or broken document keeps the items that were complete before the break: the top-level object
is read member by member, and the `items` array item by item, with `json.JSONDecoder.raw_decode`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html import escape
from typing import Any

from ingest.feeds.common import FeedError, NotAFeed, absolute_url, plain_line, unique, wide_codec
from ingest.model import Entry, ParsedFeed
from ingest.text.dates import FEED, parse_datetime

_VERSION = re.compile(r"^https?://jsonfeed\.org/version/(1(?:\.\d+)?)/?$")
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\r\n]*")
# The decoder recurses once per nesting level, so a deep enough document exhausts Python's stack.
_UNREADABLE = (json.JSONDecodeError, RecursionError)
_DANGLING_AT = re.compile(r"\s+(?:starting\s+)?at$")


def parse_json(body: bytes, url: str) -> ParsedFeed:
    """A JSON Feed or RSS-in-JSON body as a `ParsedFeed`; NotAFeed for any other JSON."""
    text = body.decode(wide_codec(body) or "utf-8", "replace").lstrip("\ufeff")
    document, problem = _read_document(text)
    declared = document.get("version")
    version = _VERSION.match(declared) if isinstance(declared, str) else None
    if version:
        return _json_feed(document, f"json-feed-{_dotted(version.group(1))}", url, problem)
    if problem and "version" not in document and isinstance(document.get("items"), list):
        # Broken off before its version (members have no order): the items still say what it is.
        return _json_feed(document, "json-feed", url, problem)
    if isinstance(document.get("rss"), Mapping) and isinstance(document["rss"].get("channel"), Mapping):
        return _rss_in_json(document["rss"]["channel"], url, problem)
    if problem and not document:
        raise NotAFeed(f"not a feed: {problem}")
    raise NotAFeed("not a feed: JSON that is neither a JSON Feed nor RSS-in-JSON")


def _dotted(number: str) -> str:
    return number if "." in number else f"{number}.0"


# -- reading, with salvage -------------------------------------------------------------------------


def _read_document(text: str) -> tuple[dict[str, Any], str | None]:
    """The top-level object, and None or a one-line note on where a broken document stopped."""
    try:
        document = _DECODER.decode(text)
    except json.JSONDecodeError as err:
        problem = f"malformed JSON at line {err.lineno} column {err.colno}: {_whole(err.msg)}"
        return _salvage(text), problem
    except RecursionError:
        return _salvage(text), "JSON nested too deeply"
    return (document, None) if isinstance(document, dict) else ({}, "JSON is not an object")


def _whole(message: str) -> str:
    """The json module's message without the " at" it ends on before its own ": line 1 column 5 (char 4)":
    "Invalid control character at" alone reads as a sentence cut short."""
    return _DANGLING_AT.sub("", message) or message


def _salvage(text: str) -> dict[str, Any]:
    """The members of a broken top-level object that decode, with `items` cut at its first broken item."""
    found: dict[str, Any] = {}
    pos = _skip(text, 0)
    if not text.startswith("{", pos):
        return found
    pos += 1
    try:
        while True:
            key, pos = _DECODER.raw_decode(text, _skip(text, pos))
            pos = _skip(text, pos)
            if not isinstance(key, str) or not text.startswith(":", pos):
                return found
            pos = _skip(text, pos + 1)
            if key == "items" and text.startswith("[", pos):
                found[key], complete, pos = _salvage_items(text, pos + 1)
                if not complete:
                    return found
            else:
                found[key], pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, pos)
            if not text.startswith(",", pos):
                return found
            pos += 1
    except _UNREADABLE:
        return found


def _salvage_items(text: str, pos: int) -> tuple[list[Any], bool, int]:
    """Items of the array starting after `[` at `pos`, whether the array closed, and where it ended."""
    items: list[Any] = []
    while True:
        pos = _skip(text, pos)
        if text.startswith("]", pos):
            return items, True, pos + 1
        try:
            item, pos = _DECODER.raw_decode(text, pos)
        except _UNREADABLE:
            return items, False, pos
        items.append(item)
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("]", pos):
            return items, False, pos


def _skip(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()


# -- JSON Feed -------------------------------------------------------------------------------------


def _json_feed(feed: Mapping[str, Any], format_: str, url: str, problem: str | None) -> ParsedFeed:
    items = feed.get("items", [])
    if not isinstance(items, list):
        raise FeedError(f"JSON Feed with items that are not a list: {type(items).__name__}")
    base = _base(feed, url)
    authors = _authors(feed)
    return ParsedFeed(
        format=format_,
        title=plain_line(_str(feed.get("title"))),
        link=absolute_url(_str(feed.get("home_page_url")), url),
        entries=tuple(_json_entry(item, base, authors) for item in items if isinstance(item, Mapping)),
        problem=problem,
    )


def _base(feed: Mapping[str, Any], url: str) -> str:
    """The base of relative item URLs: the home page, else the feed's own URL, else where it came from."""
    for key in ("home_page_url", "feed_url"):
        if resolved := absolute_url(_str(feed.get(key)), url):
            return resolved
    return url


def _json_entry(item: Mapping[str, Any], base: str, feed_authors: str | None) -> Entry:
    return Entry(
        guid=_id(item.get("id")),
        link=absolute_url(_str(item.get("url")) or _str(item.get("external_url")), base),
        title=plain_line(_str(item.get("title"))),
        # Items without authors have the feed's (JSON Feed 1.1, "authors").
        author=_authors(item) or feed_authors,
        published=parse_datetime(item.get("date_published"), FEED),
        updated=parse_datetime(item.get("date_modified"), FEED),
        summary=_str(item.get("summary")),
        content=_str(item.get("content_html")) or _text_as_html(_str(item.get("content_text"))),
        categories=unique(tag for tag in _list(item.get("tags")) if isinstance(tag, str)),
    )


def _id(value: Any) -> str | None:
    """The spec says a string, but numeric ids are common in the wild."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value).strip() or None


def _authors(node: Mapping[str, Any]) -> str | None:
    """Names from 1.1's `authors`, else 1.0's `author`, joined by commas."""
    people = _list(node.get("authors")) or [node.get("author")]
    names = unique(plain_line(_str(person.get("name"))) for person in people if isinstance(person, Mapping))
    return ", ".join(names) or None


def _text_as_html(text: str | None) -> str | None:
    """content_text as HTML: blank lines separate paragraphs, single newlines are line breaks."""
    if not text or not text.strip():
        return None
    paragraphs = (escape(p.strip()).replace("\n", "<br>") for p in re.split(r"\n\s*\n", text))
    return "".join(f"<p>{p}</p>" for p in paragraphs if p)


# -- scripting.com RSS-in-JSON ---------------------------------------------------------------------


def _rss_in_json(channel: Mapping[str, Any], url: str, problem: str | None) -> ParsedFeed:
    """RSS 2.0 written as JSON (https://github.com/scripting/Scripting-News/tree/master/rss-in-json)."""
    link = absolute_url(_value(channel.get("link")), url)
    items = channel.get("item")
    items = items if isinstance(items, list) else [items]
    return ParsedFeed(
        format="rss-in-json",
        title=plain_line(_value(channel.get("title"))),
        link=link,
        entries=tuple(_rss_entry(item, link or url) for item in items if isinstance(item, Mapping)),
        problem=problem,
    )


def _rss_entry(item: Mapping[str, Any], base: str) -> Entry:
    guid = _value(item.get("guid"))
    link = _value(item.get("link"))
    if not link and guid and _permalink(item.get("guid")):
        link = guid
    return Entry(
        guid=guid,
        link=absolute_url(link, base),
        title=plain_line(_value(item.get("title"))),
        author=plain_line(_value(item.get("author")) or _value(item.get("dc:creator"))),
        published=parse_datetime(_value(item.get("pubDate")), FEED),
        summary=_value(item.get("description")),
        content=_value(item.get("content:encoded")),
        categories=unique(_value(c) for c in _list(item.get("category")) or [item.get("category")]),
    )


def _value(node: Any) -> str | None:
    """Element text: a string, or `#value` of an element that has attributes."""
    if isinstance(node, Mapping):
        node = node.get("#value")
    return node.strip() or None if isinstance(node, str) else None


def _permalink(guid: Any) -> bool:
    return not isinstance(guid, Mapping) or str(guid.get("isPermaLink", "true")).lower() != "false"


# -- small helpers ---------------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
