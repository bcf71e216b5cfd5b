"""Feed bytes to a `ParsedFeed`: RSS, RDF and Atom through feedparser, JSON documents through `jsonfeed`.

Safety, because feed bodies come from anyone:

- feedparser is handed a `BytesIO`, never `str` or `bytes`: given those it treats a string as a URL to
  fetch or a path to open (`open()` accepts bytes), so a body ``b"/etc/passwd"`` would be read from disk.
- Every DOCTYPE (with its internal subset), other `<!...>` declaration, comment and processing
  instruction before the root element is removed before feedparser parses the body. feedparser keeps
  "safe" entity declarations (even ones it finds inside a comment) and both of its parsers expand them,
  so one large entity referenced many times costs minutes and gigabytes. With no declarations left
  nothing can name an external entity either (feedparser also turns external entities off in its SAX
  parser). The price: custom entities stay unexpanded; HTML's named entities still work, through
  feedparser's loose parser.
- The removal runs on the UTF-8 text that feedparser's own charset detection makes of the body, so it
  sees what the parsers see whatever the charset (UTF-16/32, EBCDIC, UTF-7, ISO-2022-JP...).
"""

from __future__ import annotations

import codecs
import io
import re
import xml.sax
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import feedparser
from feedparser.encodings import convert_to_utf8

from ingest.feeds.common import (
    FeedError,
    NotAFeed,
    absolute_url,
    plain_line,
    ttl_seconds,
    unique,
    wide_codec,
)
from ingest.feeds.discover import declaring
from ingest.feeds.jsonfeed import parse_json
from ingest.model import Entry, ParsedFeed
from ingest.text.clean import bounded_line
from ingest.text.dates import FEED, parse_datetime


def parse_feed(body: bytes, content_type: str | None, url: str) -> ParsedFeed:
    """Parse a fetched feed body: `content_type` gives XML its charset, `url` resolves relative links.

    Raises NotAFeed for a body that is something else, FeedError for a feed that cannot be read."""
    first = _first_char(body)
    if not first:
        raise NotAFeed("not a feed: empty document")
    if first in "{[":
        return parse_json(body, url)
    return _parse_xml(body, content_type, url)


# -- sniffing and the prolog -----------------------------------------------------------------------

_WHITESPACE = " \t\r\n\ufeff"
# Where feedparser's DOCTYPE handling thinks the prolog ends (`<\w`, ASCII only): never stop before it.
_ROOT_START = re.compile(r"[A-Za-z0-9_]")
_NAME = re.compile(r"[^\s/>]+")
# What can hide or end a declaration: quoted literals, comments, the internal subset's brackets, '>'.
_DECL_TOKEN = re.compile(r"""["'\[\]>]|<!--""")
# A root element's name worth showing: ASCII, since the prolog scan reads UTF-8 as Latin-1.
_XML_NAME = re.compile(r"[A-Za-z_][\w.:-]{0,99}", re.ASCII)
# Pages start with one of these even when the server sends only a fragment.
_HTML_ROOTS = frozenset({"html", "head", "body"})


def _head_text(body: bytes, limit: int | None = None) -> str:
    """The start of `body` (all of it by default) as text, enough to see its first characters."""
    codec = wide_codec(body)
    if codec:
        return body[:limit].decode(codec, "ignore").lstrip("\ufeff")
    return body[:limit].removeprefix(codecs.BOM_UTF8).decode("latin-1")


def _first_char(body: bytes) -> str:
    """The first character after a BOM and whitespace, or '' for an empty document."""
    if wide_codec(body) is None:
        return body.removeprefix(codecs.BOM_UTF8).lstrip()[:1].decode("latin-1")
    return _head_text(body).lstrip(_WHITESPACE)[:1]


@dataclass(frozen=True, slots=True)
class Prolog:
    """A body with its prolog emptied of markup, and the name of its root element."""

    body: bytes
    root: str | None  # as written, e.g. "rss", "rdf:RDF"; None if there is none


def strip_declarations(body: bytes) -> Prolog:
    """Remove DOCTYPEs, other declarations, comments and PIs before the root element, in linear time.

    `body` must be in an ASCII-compatible charset (parse_feed passes feedparser's UTF-8); a leading XML
    declaration stays. Each removed piece leaves its newlines, so parse errors keep their line numbers.
    """
    # Latin-1 maps byte i to character i: indices and the round trip are exact for ASCII-based charsets.
    text = body.decode("latin-1")
    spans, root_at = _scan_prolog(text)
    root = _NAME.match(text, root_at + 1).group() if root_at is not None else None
    if not spans:
        return Prolog(body, root)
    pieces, pos = [], 0
    for start, end in spans:
        pieces += [text[pos:start], "\n" * text.count("\n", start, end)]
        pos = end
    pieces.append(text[pos:])
    return Prolog("".join(pieces).encode("latin-1"), root)


def _scan_prolog(text: str) -> tuple[list[tuple[int, int]], int | None]:
    """Spans of the markup before the root element, and where the root element starts."""
    spans: list[tuple[int, int]] = []
    pos = _after(text, "?>", 0) if text.startswith("<?xml") else 0
    while (lt := text.find("<", pos)) >= 0:
        if text.startswith("<?", lt):
            pos = _after(text, "?>", lt + 2)
        elif text.startswith("<!--", lt):
            pos = _after(text, "-->", lt + 4)
        elif text.startswith("<!", lt):
            pos = _declaration_end(text, lt + 2)
        elif _ROOT_START.match(text, lt + 1):
            return spans, lt
        else:
            pos = lt + 1  # a stray '<' in junk before the document
            continue
        spans.append((lt, pos))
    return spans, None


def _after(text: str, terminator: str, start: int) -> int:
    end = text.find(terminator, start)
    return len(text) if end < 0 else end + len(terminator)


def _declaration_end(text: str, pos: int) -> int:
    """Index just past the declaration whose body starts at `pos`; an unterminated one runs to the end."""
    depth = 0
    while match := _DECL_TOKEN.search(text, pos):
        token, pos = match.group(), match.end()
        if token in "\"'":
            pos = _after(text, token, pos)
        elif token == "<!--":
            pos = _after(text, "-->", pos)
        elif token == "[":
            depth += 1
        elif token == "]":
            depth = max(depth - 1, 0)
        elif depth == 0:
            return pos
    return len(text)


# -- RSS, RDF and Atom -----------------------------------------------------------------------------


def _parse_xml(body: bytes, content_type: str | None, url: str) -> ParsedFeed:
    prolog = strip_declarations(_to_utf8(body, content_type))
    if prolog.root is None:
        raise NotAFeed("not a feed: no XML element")
    if _local(prolog.root) in _HTML_ROOTS:
        # the page may name its feed: the error then says which URL to use instead
        raise NotAFeed(f"not a feed: an HTML page{declaring(prolog.body.decode('utf-8', 'replace'), url)}")
    parsed = _feedparser(prolog.body, url)
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        raise NotAFeed(f"not a feed: {_what(prolog.root)}")
    return ParsedFeed(
        format=version or "unknown",
        title=_title(parsed.feed),
        link=absolute_url(parsed.feed.get("link"), url),
        entries=tuple(_entry(item, url) for item in parsed.entries),
        problem=_problem(parsed, _head_text(body, 64).startswith("<?xml")),
        ttl=ttl_seconds(parsed.feed.get("ttl")),
    )


def _to_utf8(body: bytes, content_type: str | None) -> bytes:
    """The body in UTF-8 as feedparser decodes it: HTTP charset, XML declaration, BOM... (RFC 3023)."""
    # Without a Content-Type feedparser would default to ISO-8859-1; application/xml means the XML
    # declaration, else UTF-8, as a file on disk would be read.
    found: dict[str, Any] = {}
    try:
        utf8 = convert_to_utf8({"content-type": content_type or "application/xml"}, body, found)
    except ValueError as exc:  # feedparser only expects decoding errors, not codecs that refuse to run
        raise FeedError(f"unusable character encoding: {bounded_line(str(exc))}") from exc
    if not found.get("encoding"):  # unreachable in practice: ISO-8859-2 decodes any bytes
        raise FeedError("unknown character encoding")
    return utf8


def _feedparser(utf8: bytes, url: str) -> feedparser.FeedParserDict:
    headers = {"content-type": "application/xml; charset=utf-8", "content-location": url}
    try:
        return feedparser.parse(
            io.BytesIO(utf8), response_headers=headers, resolve_relative_uris=True, sanitize_html=True
        )
    # feedparser's loose parser has crashed on hostile input before: whatever it raises is a broken body.
    except Exception as exc:
        raise FeedError(f"feedparser failed: {type(exc).__name__}: {bounded_line(str(exc))}") from exc


def _local(name: str) -> str:
    return name.rpartition(":")[2].lower()


def _what(root: str) -> str:
    if _local(root) == "opml":
        return "an OPML document"
    if not _XML_NAME.fullmatch(root):  # junk after a '<': never echo hostile bytes into a one-line error
        return "no XML element"
    return f"XML with root element <{root}>"


def _problem(parsed: Mapping[str, Any], declared: bool) -> str | None:
    """One line on why parsing stopped early, or None."""
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    if isinstance(exc, xml.sax.SAXParseException):
        # feedparser put an XML declaration and a newline in front of a body that had none.
        line = exc.getLineNumber() - (0 if declared else 1)
        return f"malformed XML at line {max(line, 1)}: {bounded_line(exc.getMessage())}"
    return f"malformed feed: {bounded_line(str(exc)) or type(exc).__name__}"


def _entry(item: Mapping[str, Any], base: str) -> Entry:
    content = _content(item.get("content") or ())
    summary = item.get("summary") or None
    return Entry(
        guid=(item.get("id") or "").strip() or None,
        link=absolute_url(_entry_link(item), base),
        title=_title(item),
        author=_author(item),
        published=parse_datetime(item.get("published_parsed"), FEED),
        # dict.get: FeedParserDict maps a missing updated_parsed to published_parsed, with a warning.
        updated=parse_datetime(dict.get(item, "updated_parsed"), FEED),
        # feedparser copies the content into a missing summary; that copy is not something the feed said.
        summary=None if summary == content else summary,
        content=content,
        categories=unique(tag.get("term") or tag.get("label") for tag in item.get("tags") or ()),
    )


def _entry_link(item: Mapping[str, Any]) -> str | None:
    """feedparser's `link` is already the alternate HTML link; fall back to any alternate link."""
    if item.get("link"):
        return item["link"]
    for link in item.get("links") or ():
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link["href"]
    return None


def _title(node: Mapping[str, Any]) -> str | None:
    detail = node.get("title_detail") or {}
    return plain_line(node.get("title"), html="html" in (detail.get("type") or ""))


def _author(item: Mapping[str, Any]) -> str | None:
    names = (author.get("name") or author.get("email") for author in item.get("authors") or ())
    found = unique(plain_line(name) for name in names)
    return ", ".join(found) if found else plain_line(item.get("author"))


def _content(contents: Iterable[Mapping[str, Any]]) -> str | None:
    """The longest HTML body, else the longest of any type."""
    candidates = [("html" in (c.get("type") or ""), c.get("value") or "") for c in contents]
    best = max(candidates, default=(False, ""), key=lambda c: (c[0], len(c[1])))
    return best[1] or None
