"""What a page declares about itself: <meta> and <link> tags and JSON-LD, read once per page."""

from __future__ import annotations

import html
import json
import re
import unicodedata

from lxml.html import HtmlElement

from ingest.text.clean import clean_line

_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "pubdate",
    "publish-date",
    "publication_date",
    "dc.date.issued",
    "dc.date.created",
    "dc.date",
    "dcterms.created",
    "dcterms.issued",
    "sailthru.date",
    "parsely-pub-date",
    "published",
)
_LANGUAGE_META = ("content-language", "language", "dc.language", "og:locale", "inlanguage")
_ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
        "techarticle", "scholarlyarticle", "report", "review", "socialmediaposting",
    }
)  # fmt: skip
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.IGNORECASE)
_CDATA = re.compile(r"^\s*(?:<!\[CDATA\[|<!--)|(?:\]\]>|-->)\s*$")
_QUOTES = str.maketrans("‘’‚‛“”„‟‐‑‒–—―\u00a0", "''''\"\"\"\"------ ")


def fold(text: str) -> str:
    """Text compared loosely: case, quote and dash styles, and spacing aside."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold().split())


def _primary_subtag(lang: str) -> str | None:
    tag = lang.strip().replace("_", "-").split("-")[0].lower()
    return tag if 2 <= len(tag) <= 3 and tag.isalpha() else None


class PageMeta:
    """The <meta>, <link> and JSON-LD facts of a page, read once."""

    def __init__(self, tree: HtmlElement) -> None:
        self._meta: dict[str, list[str]] = {}
        for el in tree.iter("meta"):
            key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
            value = unescape_entities((el.get("content") or "").strip())
            if key and value:
                self._meta.setdefault(key.strip().lower(), []).append(value)
        self._ld = _json_ld_nodes(tree)
        self._ids = {node["@id"]: node for node in self._ld if isinstance(node.get("@id"), str)}
        self._article = _main_article(self._ld)
        self.canonical = self._canonical(tree)
        self.titles = self._titles(tree)
        self.language = self._language(tree)

    def first(self, *keys: str) -> str | None:
        for key in keys:
            if values := self._meta.get(key):
                return values[0]
        return None

    def all(self, key: str) -> list[str]:
        return self._meta.get(key, [])

    def _canonical(self, tree: HtmlElement) -> str | None:
        for link in tree.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
                return link.get("href", "").strip()
        return self.first("og:url")

    def _titles(self, tree: HtmlElement) -> list[str]:
        """The titles the page declares, the social and structured ones before <title>."""
        title = tree.find(".//title")
        found = (
            self.first("og:title"),
            self._article_text("headline"),
            self.first("twitter:title"),
            unescape_entities(title.text_content().strip()) if title is not None else None,
        )
        return [" ".join(t.split()) for t in found if t and t.strip()]

    def site_names(self, fallback: str | None = None) -> list[str]:
        """The names the page gives its site, best first; URLs are not names."""
        publisher = self._resolve(self._article.get("publisher")) if self._article else None
        website = next((n for n in self._ld if "website" in _types(n)), None)
        titles = {fold(t) for t in self.titles}
        # some CMSs set "application-name" to the headline, and trafilatura falls back to a title part
        guesses = (self.first("application-name", "apple-mobile-web-app-title"), _name_of(website), fallback)
        found = (
            self.first("og:site_name"),
            _name_of(publisher),
            *(g for g in guesses if g and fold(g) not in titles),
        )
        names = [_without_tagline(n) for n in (clean_line(f) for f in found) if n and not _is_url(n)]
        return list(dict.fromkeys(names))

    def article_authors(self) -> list[str]:
        """The author names of the page's main JSON-LD article."""
        authors = self._article.get("author") or self._article.get("creator") if self._article else None
        entries = authors if isinstance(authors, list) else [authors]
        names = (_name_of(self._resolve(entry)) for entry in entries if entry)
        return [name for name in names if name]

    def published(self) -> str | None:
        return (
            self._article_text("datePublished")
            or self.first(*_PUBLISHED_META)
            or self._ld_first("datePublished")
        )

    def description(self) -> str | None:
        return self.first("og:description", "description", "twitter:description", "dc.description") or (
            self._article_text("description")
        )

    def image(self) -> str | None:
        keys = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
        if found := self.first(*keys):
            return found
        image = self._article_image()
        return image.get("url") or image.get("contentUrl") if image else None

    def image_caption(self) -> str | None:
        if found := self.first("og:image:alt", "twitter:image:alt"):
            return found
        image = self._article_image()
        caption = image.get("caption") if image else None
        return caption.strip() if isinstance(caption, str) and caption.strip() else None

    def _language(self, tree: HtmlElement) -> str | None:
        root = tree.getroottree().getroot()
        body = root.find("body")
        lang = (
            root.get("lang")
            or root.get("xml:lang")
            or root.get("{http://www.w3.org/XML/1998/namespace}lang")
            or self.first(*_LANGUAGE_META)
            or self._article_text("inLanguage")
            or (body.get("lang") if body is not None else None)
        )
        return _primary_subtag(lang) if lang else None

    def _article_text(self, key: str) -> str | None:
        value = self._article.get(key) if self._article else None
        return unescape_entities(value.strip()) if isinstance(value, str) and value.strip() else None

    def _article_image(self) -> dict | None:
        image = self._article.get("image") if self._article else None
        image = image[0] if isinstance(image, list) and image else image
        if isinstance(image, str):
            return {"url": image}
        return image if isinstance(image, dict) else None

    def _ld_first(self, key: str) -> str | None:
        for node in self._ld:
            if isinstance(value := node.get(key), str) and value.strip():
                return value.strip()
        return None

    def _resolve(self, value: object) -> object:
        """A JSON-LD reference ({"@id": ...} alone) replaced by the node it names, if the page has it."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self._ids:
            return self._ids[value["@id"]]
        return value


def _json_ld_nodes(tree: HtmlElement) -> list[dict]:
    """Every JSON-LD object of the page, @graph members and main entities included."""
    nodes: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(_CDATA.sub("", script.text), strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack and len(nodes) < 200:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                nodes.append(item)
                stack.extend(
                    item[k] for k in ("@graph", "mainEntity") if isinstance(item.get(k), dict | list)
                )
    return nodes


def _main_article(nodes: list[dict]) -> dict | None:
    """The node describing the article: the first of an article type, else the first with a headline."""
    typed = (n for n in nodes if _types(n) & _ARTICLE_TYPES)
    return next(typed, None) or next((n for n in nodes if isinstance(n.get("headline"), str)), None)


def _types(node: dict) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _name_of(value: object) -> str | None:
    """The name of a JSON-LD person or organisation, or the string itself."""
    name = value.get("name") if isinstance(value, dict) else value
    if isinstance(name, list):
        name = ", ".join(n for n in name if isinstance(n, str))
    return unescape_entities(name.strip()) if isinstance(name, str) and name.strip() else None


def _without_tagline(name: str) -> str:
    """The site's name without the slogan after it: "Example Times - News you can trust"."""
    head, _, tail = name.partition(" - ") if " - " in name else name.partition(" | ")
    return head.strip() if tail and len(tail.split()) >= 3 and head.strip() else name


def _is_url(text: str) -> bool:
    return "://" in text or text.lower().startswith("www.")


def unescape_entities(text: str) -> str:
    """Meta values that some CMSs escape twice: "Tools &#8211; Guide"."""
    return html.unescape(text) if "&" in text and _ENTITY.search(text) else text
