"""A page's own statements about itself: <meta>, <link> and JSON-LD."""

from __future__ import annotations

import json
from dataclasses import dataclass

from lxml.html import HtmlElement
from trafilatura.settings import Document

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


@dataclass(slots=True)
class Metadata:
    """Everything extraction reports besides the body text."""

    title: str | None = None
    author: str | None = None
    published: str | None = None
    description: str | None = None
    site_name: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    tags: tuple[str, ...] = ()


def read_metadata(tree: HtmlElement, doc: Document) -> Metadata:
    """Merge trafilatura's metadata with the page's own meta tags and JSON-LD, the page's first."""
    meta = PageMeta(tree)
    return Metadata(
        title=doc.title or meta.first("og:title", "twitter:title"),
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


def _split_tags(values: list[str]) -> tuple[str, ...]:
    """Tags as listed; "a, b" in one meta value counts as two. Duplicates go in normalize."""
    return tuple(
        tag for value in values for tag in (" ".join(part.split()) for part in value.split(",")) if tag
    )


class PageMeta:
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
