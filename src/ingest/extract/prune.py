"""Layer 1 of boilerplate removal: drop page furniture from the tree by its structure, before extraction."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.xpaths import OVERALL_DISCARD_XPATH

from ingest.extract import patterns

_WORDS = frozenset(patterns.FURNITURE_WORDS)
_PHRASES = frozenset(patterns.FURNITURE_PHRASES)
_LABELS = frozenset(patterns.FURNITURE_LABELS)
_ROLES = frozenset(patterns.FURNITURE_ROLES)
_TAGS = frozenset(patterns.FURNITURE_TAGS)
# Furniture comes in containers. Inline elements are left alone (code highlighters name their spans
# "hljs-comment"), and so are <article>, <main> and <body>, whose class lists say what the article has
# ("comments-open", "tag-politics"), not what they are.
_CONTAINERS = frozenset(
    {"div", "section", "aside", "nav", "footer", "header", "ul", "ol", "form", "dialog", "iframe", "p"}
    | set(patterns.FURNITURE_TAGS)
)
_NOT_PROSE = frozenset({"a", "script", "style", "noscript", "template", "svg"})
_PAGE = frozenset({"html", "head", "body"})
# Inline children do not end a run of prose: "<p>text <b>bold</b> text</p>" is one run.
_INLINE = frozenset(
    {"b", "i", "em", "strong", "span", "small", "sup", "sub", "abbr", "cite", "q", "mark", "u", "s", "code",
     "time", "font", "br", "wbr", "del", "ins", "kbd", "var", "dfn", "bdi", "bdo"}
)  # fmt: skip
# Utility-CSS names ("Mstart(150px)--modalMinWidth", "md:hidden") describe looks, not purpose.
_UTILITY = re.compile(r"[(:\[!]")
_HUMPS = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
# Trafilatura's first discard rule: containers matched by substrings of their class or id.
_TRAFILATURA_DISCARDS = OVERALL_DISCARD_XPATH[0]
# An element holding more than this share of the page's prose is (part of) the article, whatever
# its name: page builders call their content blocks "widget" and put "nav" in the names of article columns.
_MAX_SHARE = 0.25


def prune(tree: HtmlElement, extra_selectors: Iterable[str] = (), by_names: bool = True) -> int:
    """Remove the elements matching the feed's own CSS selectors, then furniture; return the characters
    of prose left on the page. `by_names=False` leaves alone what only its class or id names furniture
    (bench/extraction.py measures that rule on its own)."""
    # The feed's selectors are someone's word about this site, not a guess from names: no safety net holds
    # them back, and the page is measured without what they matched.
    _drop_selected(tree, extra_selectors)
    prose, anchor = prose_map(tree)
    # The longest run of prose on a page is the article's; no container of it is furniture, whatever
    # its name says ("with-sidebar-layout", "sidebar-first-only").
    keep = {anchor, *anchor.iterancestors()}
    left = prose[tree]
    # In document order, so a container goes before what it holds (which is then detached).
    for el in [el for el in reversed(prose) if isinstance(el.tag, str) and is_furniture(el, by_names)]:
        if el in keep or prose.get(el, 0) > _MAX_SHARE * prose[tree] or _detached(el, tree):
            continue
        el.drop_tree()  # lxml keeps its tail text, which belongs to the parent
        left -= prose.get(el, 0)
    return left


def is_furniture(el: HtmlElement, by_names: bool = True) -> bool:
    """Whether an element's tag, role, aria-label, class or id (unless not `by_names`) names it as page
    furniture."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag not in _CONTAINERS or el.get("itemprop") == "articleBody":
        return False
    if tag in _TAGS or (el.get("role") or "").strip().lower() in _ROLES:
        return True
    if _LABELS.intersection(_SEPARATORS.split((el.get("aria-label") or "").lower())):
        return True
    return by_names and any(_names_furniture(name) for name in _names(el))


def shield_tables(tree: HtmlElement) -> None:
    """Hide the class and id of containers holding a table from trafilatura's discard rules, unless
    they are furniture by ours.

    Trafilatura drops any container whose class merely contains "embed", "widget", "meta" or "bar";
    Webflow puts an article's tables in "w-embed" blocks, and with them went the tables (and, on a page
    with a broken end tag, the rest of the article)."""
    if tree.find(".//table") is None:
        return  # the discard rule's regular expressions cost more than a page without tables is worth
    for el in _TRAFILATURA_DISCARDS(tree):
        if el.find(".//table") is not None and not is_furniture(el):
            for name in ("class", "id"):
                if (value := el.attrib.pop(name, None)) is not None:
                    el.set(f"data-{name}", value)


def _drop_selected(tree: HtmlElement, selectors: Iterable[str]) -> None:
    for el in [el for selector in selectors for el in tree.cssselect(selector)]:
        if el is not tree and not _detached(el, tree):
            el.drop_tree()


def _names(el: HtmlElement) -> Iterator[str]:
    yield from (el.get("class") or "").split()
    if el_id := el.get("id"):
        yield el_id


@functools.lru_cache(maxsize=4096)
def _names_furniture(name: str) -> bool:
    if _UTILITY.search(name):
        return False
    words = [w for w in _SEPARATORS.split(_HUMPS.sub("-", name).lower()) if w]
    if _WORDS.intersection(words):
        return True
    # Whole words here too: "ad-container" is furniture, "lead-container" and "download-container" are not.
    joined = f"-{'-'.join(words)}-"
    return any(f"-{phrase}-" in joined for phrase in _PHRASES)


def prose_map(tree: HtmlElement) -> tuple[dict[etree._Element, int], etree._Element]:
    """Characters of text outside links, scripts and styles for every element, and the element with the
    most of its own; one pass, children before parents."""
    prose: dict[etree._Element, int] = {}
    anchor, most = tree, 0
    for el in reversed(list(tree.iter())):
        if not isinstance(el.tag, str) or el.tag in _NOT_PROSE:
            prose[el] = 0
            continue
        own, nested = _chars(el.text), 0
        for child in el:
            own += _chars(child.tail)
            if child.tag in _INLINE:
                own += prose[child]
            else:
                nested += prose[child]
        prose[el] = own + nested
        if own > most and el.tag not in _PAGE:
            anchor, most = el, own
    return prose, anchor


def _chars(text: str | None) -> int:
    return len(text.strip()) if text else 0


def _detached(el: HtmlElement, root: HtmlElement) -> bool:
    """Whether an ancestor of `el` has already been removed from `root`."""
    top = el
    while (parent := top.getparent()) is not None:
        top = parent
    return top is not root.getroottree().getroot()
