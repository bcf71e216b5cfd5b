"""Candidate extractions of one page: several extractors that fail in different ways, as text blocks.

Trafilatura in its recall setting (comments off) keeps the whole article, and on some pages a teaser list
with it; readability scores containers by their prose instead of by markup rules, and cuts tighter; the
container read takes the element that holds most of the page's prose whole, where trafilatura's content
rules lose half an article. Which one is right differs from page to page: the chooser decides. All of
them read the tree after layer 1 (prune.py) has removed the furniture.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import trafilatura
from lxml.html import HtmlElement
from trafilatura.external import try_readability
from trafilatura.settings import Document

from ingest.extract.container import container_blocks, leaf_blocks
from ingest.extract.render import render

# What production computes, together under twice plain trafilatura's cost per page (bench/extraction.py
# prints the ratio). The first is the base the others are compared with, and its pass reads the metadata.
PRODUCTION = ("recall", "readability", "container")
# Only the benchmark computes these, to show what they would add: trafilatura's default pass (what we ran
# before the chooser; with its own fallbacks, it costs about as much as the three above), and two more.
EXTRA = ("traf", "fast", "precision")
# Trafilatura's settings per candidate.
_PASSES: dict[str, dict[str, bool]] = {
    "traf": {},
    "recall": {"favor_recall": True},
    "precision": {"favor_precision": True},
    "fast": {"fast": True},
}
# Link texts shorter than this many characters ("Home", "More") say nothing about a candidate.
_MIN_LINK_CHARS = 15


@dataclass(slots=True)
class Candidates:
    """One page's candidate extractions, with what the chooser and the metadata need of the page."""

    blocks: dict[str, list[str]]
    doc: Document | None = None  # trafilatura's metadata, from the first of its passes
    prose: int = 0  # characters of prose on the (pruned) page
    links: frozenset[str] = field(default_factory=frozenset)  # the page's link texts, squashed


def extract_candidates(
    tree: HtmlElement, url: str | None, prose: int, names: tuple[str, ...] = PRODUCTION
) -> Candidates:
    """Run the named extractors on `tree` (none of them changes it); the first trafilatura pass among
    them also reads trafilatura's metadata."""
    found = Candidates(blocks={}, prose=prose, links=link_texts(tree))
    metadata_read = False
    for name in names:
        if name in _PASSES:
            doc = _trafilatura(tree, url, with_metadata=not metadata_read, **_PASSES[name])
            found.blocks[name] = render(doc.body) if doc is not None else []
            if not metadata_read:
                found.doc, metadata_read = doc, True
        else:
            found.blocks[name] = _EXTRACTORS[name](tree, url)
    return found


def link_texts(tree: HtmlElement) -> frozenset[str]:
    """The texts of the page's links, whitespace squashed: teaser lists and menus are made of them."""
    texts = (" ".join(a.text_content().split()) for a in tree.iter("a"))
    return frozenset(text for text in texts if len(text) >= _MIN_LINK_CHARS)


def _trafilatura(tree: HtmlElement, url: str | None, **options: bool) -> Document | None:
    """One trafilatura pass (trafilatura works on its own copy)."""
    return trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        # The page's own date meta and the feed's date come first; htmldate's full-text search for a
        # date costs a third of the extraction time for what is only the last fallback.
        date_extraction_params={"extensive_search": False, "original_date": True},
        **options,
    )


def _readability(tree: HtmlElement, url: str | None) -> list[str]:
    """Trafilatura's fork of readability-lxml (already installed with it), which edits what it reads."""
    return list(leaf_blocks(try_readability(copy.deepcopy(tree))))


def _container(tree: HtmlElement, url: str | None) -> list[str]:
    return container_blocks(tree)


_EXTRACTORS: dict[str, Callable[[HtmlElement, str | None], list[str]]] = {
    "readability": _readability,
    "container": _container,
}
