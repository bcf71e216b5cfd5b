"""Bylines: who wrote the article, from the page's declarations, byline elements and "By ..." texts."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree
from lxml.html import HtmlElement

from ingest.extract.declared import PageMeta
from ingest.text.names import clean_author, is_personal_name, same_name

_AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "citation_author",
    "byl",
    "byline",
)
# Elements whose class or attributes say "byline"; their text is checked by clean_author.
_BYLINE_XPATH = etree.XPath(
    "descendant-or-self::*[@class or @itemprop or @rel]"
    "[@itemprop='author' or @rel='author' or contains(@class, 'uthor') or contains(@class, 'yline')]"
    "[not(self::link or self::meta or self::img or self::script or self::style)]"
)
# Parts of a byline block that hold something else than the name: photo, date, bio, job title.
_NOT_BYLINE_CLASS = re.compile(
    r"comment|avatar|photo|image|img|thumb|bio|date|time|title|social|follow|share|desc|related|about",
    re.IGNORECASE,
)
_BYLINE_MAX_CHARS = 100  # longer texts are author bios, not bylines
# A byline in plain text, in an element no class marks: "By Jane Doe", "Written by Jane Doe".
_TEXT_BYLINE = re.compile(r"\s*(?:(?:written|posted|words|reported)\s+)?by\b|\s*author:", re.IGNORECASE)
_BYLINE_INITIALS = frozenset("BbWwPpRrAa")
_BYLINE_MAX_ELEMENTS = 40
_LAST_FIRST = re.compile(r"^([^,]+),\s*([^,]+)$")


def author_of(meta: PageMeta, bylines: list[str], site_names: list[str], fallback: str | None) -> str | None:
    """The first byline that names people: JSON-LD, meta tags, the page's byline, then trafilatura's.
    A byline that only repeats the site's name waits for a better one; it stays only if it reads as
    a person's name (a personal site)."""
    site_only: str | None = None
    for byline in _author_candidates(meta, bylines, fallback):
        names = _names(byline)
        people = [n for n in names if not any(same_name(n, site, whole=True) for site in site_names)]
        if people and not any(same_name(byline, site, whole=True) for site in site_names):
            return ", ".join(people)
        if names and site_only is None and all(map(is_personal_name, names)):
            site_only = ", ".join(names)
    return site_only


def _author_candidates(meta: PageMeta, bylines: list[str], fallback: str | None) -> Iterator[str]:
    # structured sources first: they hold names without the page's furniture around them
    if authors := meta.article_authors():
        yield ", ".join(authors)
    for key in _AUTHOR_META:
        if values := meta.all(key):
            # scholarly pages list one "Last, First" per citation_author tag
            yield ", ".join(_LAST_FIRST.sub(r"\2 \1", v) if key == "citation_author" else v for v in values)
    yield from bylines
    if fallback:
        yield fallback


def _names(byline: str) -> list[str]:
    cleaned = clean_author(byline)
    return cleaned.split(", ") if cleaned else []


def _byline_region(tree: HtmlElement) -> HtmlElement:
    """Where bylines are: the <article> or <main> of the first <h1>, else a few levels above it."""
    h1 = next(tree.iter("h1"), None)
    if h1 is None:
        return tree
    block = next(h1.iterancestors("article", "main"), None)
    if block is not None:
        return block
    block = h1
    for _ in range(5):
        if (parent := block.getparent()) is None or parent.tag == "body":
            break
        block = parent
    return block


def _byline_texts(tree: HtmlElement) -> Iterator[str]:
    """Texts of byline elements in document order, innermost first: "Jane Doe", not "Jane Doe 2 h ago"."""
    found = _BYLINE_XPATH(tree)[:_BYLINE_MAX_ELEMENTS]
    matched = set(found)
    for el in found:
        if _NOT_BYLINE_CLASS.search(el.get("class") or "") and el.get("itemprop") != "author":
            continue
        if len(el.text_content()) > 2 * _BYLINE_MAX_CHARS:
            continue  # a bio or a whole article (WordPress puts "author-jane" on <article>)
        text = spaced_text(el)
        if not text or len(text) > _BYLINE_MAX_CHARS or _in_figure_or_aside(el):
            continue
        if any(child in matched for child in el.iterdescendants()):
            continue  # a byline block: its name element comes next
        yield text


def _text_bylines(region: HtmlElement) -> Iterator[str]:
    """Short texts that open on "By" and go on with people's names only; no class marks them, so a
    looser reading would take "By continuing to browse ..." for a byline."""
    for el in region.iter():
        # most texts fail on their first letter, before the regular expression is run
        if not (text := el.text) or text.lstrip()[:1] not in _BYLINE_INITIALS or not isinstance(el.tag, str):
            continue
        if not _TEXT_BYLINE.match(text):
            continue
        text = _listed_names(el)
        if len(text) > _BYLINE_MAX_CHARS or _in_figure_or_aside(el):
            continue
        if (names := _names(text)) and all(map(is_personal_name, names)):
            yield text


def _listed_names(el: HtmlElement) -> str:
    """A byline's text, names listed in <li>s (which CSS separates) separated by commas."""
    items = [spaced_text(li) for li in el.iter("li")]
    if not items:
        return spaced_text(el)
    lead = " ".join((el.text or "").split())
    return " ".join([lead, ", ".join(item for item in items if item)]).strip()


def spaced_text(el: HtmlElement) -> str:
    """An element's text with its pieces apart: "<b>By</b><a>Jane</a>" is two words."""
    return " ".join(" ".join(el.itertext()).split())


def _in_figure_or_aside(el: HtmlElement) -> bool:
    """Credits of pictures and bylines of teasers in side columns are not the article's author."""
    return any(a.tag in ("figure", "figcaption", "aside", "nav") for a in el.iterancestors())


def read_bylines(tree: HtmlElement) -> list[str]:
    """The page's byline texts, marked up ones first, from the region around its first <h1>."""
    region = _byline_region(tree)
    return [*_byline_texts(region), *_text_bylines(region)]
