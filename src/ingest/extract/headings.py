"""Subheads put back: readability-style extractors drop short headings between two paragraphs they keep.

The page's subheads are read once with their neighbours (`heading_slots`), so that any candidate's
blocks can get theirs back without the tree (`insert_headings`).
"""

from __future__ import annotations

import re

from lxml import etree

_WORD = re.compile(r"\w+")
_SUBHEADS = ("h2", "h3", "h4", "h5", "h6")


def restore_headings(blocks: list[str], tree: etree._Element) -> list[str]:
    """Put back subheads that fell out between two kept paragraphs (readability-style fallbacks drop
    short headings)."""
    return insert_headings(blocks, heading_slots(tree))


def heading_slots(tree: etree._Element) -> list[tuple[str, str, str]]:
    """Each subhead of the page with the text of the elements just before and after it."""
    slots = []
    for heading in tree.iter(*_SUBHEADS):
        text = " ".join(heading.text_content().split())
        before, after = _neighbour(heading, preceding=True), _neighbour(heading, preceding=False)
        if text and before and after:
            slots.append((text, before, after))
    return slots


def insert_headings(blocks: list[str], slots: list[tuple[str, str, str]]) -> list[str]:
    """The blocks with each missing subhead put back where its two neighbours are adjacent blocks."""
    position = {_key(block): index for index, block in enumerate(blocks)}
    inserts: dict[int, str] = {}
    for text, before, after in slots:
        if _key(text) in position:
            continue
        index = position.get(_key(before))
        if index is not None and position.get(_key(after)) == index + 1:
            inserts[index + 1] = text
    if not inserts:
        return blocks
    restored: list[str] = []
    for index, block in enumerate(blocks):
        if index in inserts:
            restored.append(inserts[index])
        restored.append(block)
    return restored


def _neighbour(el: etree._Element, preceding: bool) -> str | None:
    for sibling in el.itersiblings(preceding=preceding):
        if isinstance(sibling.tag, str) and (text := " ".join(sibling.text_content().split())):
            return text
    return None


def _key(block: str) -> str:
    return " ".join(_WORD.findall(block.casefold()))
