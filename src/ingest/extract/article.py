"""A page's HTML to its article: trafilatura for the body, the page's own metadata around it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from ingest.extract.decode import decode_html
from ingest.model import Extracted

_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "pubdate",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
)


class ExtractionError(Exception):
    """The document holds no article text that can be extracted."""


def extract_article(html: bytes | str, url: str | None = None, content_type: str | None = None) -> Extracted:
    """Extract the article text and metadata of one HTML page."""
    text = html if isinstance(html, str) else decode_html(html, content_type)
    tree = load_html(text)
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        # The page's own date meta and the feed's date come first; htmldate's full-text search for a
        # date costs a third of the extraction time for what is only the last fallback.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if doc is None or doc.body is None:
        raise ExtractionError("no article text found")
    meta = _Meta(tree)
    title = doc.title or meta.first("og:title", "twitter:title")
    return Extracted(
        text=_drop_leading_title(body_text(doc.body), title),
        title=title,
        author=doc.author,
        published=meta.published() or doc.date,
        description=doc.description,
        site_name=doc.sitename,
        language=meta.language(),
        canonical_url=meta.canonical(),
        image_url=doc.image or meta.first("og:image", "og:image:url", "twitter:image"),
        image_caption=meta.first("og:image:alt", "twitter:image:alt"),
        tags=_split_tags([*(doc.categories or []), *(doc.tags or []), *meta.all("article:tag")]),
    )


# -- the body: trafilatura's XML to paragraphs -------------------------------------------------

_BLOCKS = frozenset({"p", "head", "quote", "code", "list", "table", "div"})


def body_text(body: etree._Element) -> str:
    """Render trafilatura's body: blank lines between paragraphs, one line per heading and list item."""
    return "\n\n".join(block for block in _blocks(body) if block)


def _blocks(el: etree._Element) -> Iterator[str]:
    for child in el:
        if child.tag == "list":
            yield "\n".join(_list_lines(child))
        elif child.tag == "table":
            yield "\n".join(_table_lines(child))
        elif any(grandchild.tag in _BLOCKS for grandchild in child):
            if lead := _inline_text(child, stop_at_blocks=True):
                yield lead
            yield from _blocks(child)
        elif child.tag != "graphic":
            yield _inline_text(child)
        if child.tail and child.tail.strip():
            yield _squash(child.tail)


def _list_lines(lst: etree._Element, depth: int = 0) -> Iterator[str]:
    for item in lst:
        if item.tag != "item":
            continue
        if text := _inline_text(item, stop_at_blocks=True):
            yield "  " * depth + "- " + text
        for nested in item:
            if nested.tag == "list":
                yield from _list_lines(nested, depth + 1)


def _table_lines(table: etree._Element) -> Iterator[str]:
    for row in table.iter("row"):
        cells = [_inline_text(cell) for cell in row if cell.tag == "cell"]
        if any(cells):
            yield " | ".join(cells)


def _inline_text(el: etree._Element, stop_at_blocks: bool = False) -> str:
    """The text of an element; <lb/> becomes a line break, nested blocks are left out if asked."""
    parts: list[str] = [el.text or ""]
    for child in el:
        if stop_at_blocks and child.tag in _BLOCKS:
            parts.append(child.tail or "")
            continue
        parts.append("\n" if child.tag == "lb" else _inline_text(child))
        parts.append(child.tail or "")
    lines = (_squash(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _drop_leading_title(text: str, title: str | None) -> str:
    """Trafilatura often repeats the headline as the first line; the record keeps it apart."""
    first, sep, rest = text.partition("\n\n")
    if title and _squash(first).casefold() == _squash(title).casefold():
        return rest
    return text


def _split_tags(values: list[str]) -> tuple[str, ...]:
    """Tags as listed; "a, b" in one meta value counts as two. Duplicates go in normalize."""
    return tuple(tag for value in values for tag in (_squash(part) for part in value.split(",")) if tag)


# -- the page's own metadata ------------------------------------------------------------------


class _Meta:
    """The <meta>, <link> and JSON-LD facts of a page, read once."""

    def __init__(self, tree: HtmlElement) -> None:
        self._tree = tree
        self._meta: dict[str, list[str]] = {}
        for el in tree.iter("meta"):
            key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
            value = (el.get("content") or "").strip()
            if key and value:
                self._meta.setdefault(key, []).append(value)

    def first(self, *keys: str) -> str | None:
        for key in keys:
            if values := self._meta.get(key):
                return values[0]
        return None

    def all(self, key: str) -> list[str]:
        return self._meta.get(key, [])

    def canonical(self) -> str | None:
        for link in self._tree.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
                return link.get("href", "").strip()
        return self.first("og:url")

    def language(self) -> str | None:
        root = self._tree.getroottree().getroot()
        lang = (
            root.get("lang")
            or root.get("{http://www.w3.org/XML/1998/namespace}lang")
            or self.first("content-language", "og:locale", "language", "dc.language")
        )
        return _primary_subtag(lang) if lang else None

    def published(self) -> str | None:
        return self.first(*_PUBLISHED_META) or self._json_ld("datePublished")

    def _json_ld(self, key: str) -> str | None:
        for script in self._tree.iter("script"):
            if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
                continue
            try:
                data = json.loads(script.text)
            except ValueError:
                continue
            if found := _find_key(data, key):
                return found
        return None


def _find_key(data: object, key: str, depth: int = 0) -> str | None:
    """The first string value of `key` anywhere in a JSON-LD document, searched breadth first."""
    if depth > 6:
        return None
    if isinstance(data, dict):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        children = list(data.values())
    elif isinstance(data, list):
        children = data
    else:
        return None
    for child in children:
        if found := _find_key(child, key, depth + 1):
            return found
    return None


def _primary_subtag(lang: str) -> str | None:
    tag = lang.strip().replace("_", "-").split("-")[0].lower()
    return tag if 2 <= len(tag) <= 3 and tag.isalpha() else None
