"""Body recovery: put back the parts of an article that the first extraction pass dropped.

Ads, embeds and "read also" boxes split an article; the precision-leaning pass then often keeps one piece.
The recall-leaning pass keeps more, furniture included. We keep the first pass's blocks and add the wider
pass's blocks that sit between them, plus sentences of prose around them; layer 1 has already removed the
furniture from the tree both passes read.
"""

from __future__ import annotations

import re

from lxml import etree

_WORD = re.compile(r"\w+")
_SUBHEADS = ("h2", "h3", "h4", "h5", "h6")
# When the passes agree on less than this share of the narrow pass's blocks, they found different
# texts; the wider one is taken whole, the narrow pass having mostly picked a fragment.
_MIN_AGREEMENT = 0.6
# Outside the agreed span only prose comes back: blocks of this many words ending like a sentence.
_PROSE_WORDS = 20
# Shared blocks shorter than this do not stretch the agreed span.
_SPAN_WORDS = 10
# A wide text replaces a narrow one wholesale only when at least this share of it is prose.
_PROSE_SHARE = 0.5
_SENTENCE_END = (".", "!", "?", '"', "”", "’", "»", ")")


def recover(narrow: list[str], wide: list[str]) -> list[str]:
    """The narrow pass's blocks, widened with the wide pass's blocks that belong to the same article."""
    if _words("\n".join(wide)) <= _words("\n".join(narrow)):
        return narrow
    known = {_key(block) for block in narrow}
    shared = [index for index, block in enumerate(wide) if _key(block) in known]
    if len(shared) < _MIN_AGREEMENT * len(narrow) or not shared:
        return wide if _mostly_prose(wide) else narrow
    # The span is set by shared paragraphs, not by crumbs: a trailing "Loading weather data ..." in both
    # passes would otherwise stretch it over the teaser list between.
    anchors = [index for index in shared if _words(wide[index]) >= _SPAN_WORDS] or shared
    first, last = anchors[0], anchors[-1]
    # Beyond the agreed span, only an unbroken run of prose joins: teaser lists alternate a headline,
    # a date and a summary, and the first headline stops the run.
    while first > 0 and _is_prose(wide[first - 1]):
        first -= 1
    while last < len(wide) - 1 and _is_prose(wide[last + 1]):
        last += 1
    return [block for index, block in enumerate(wide) if first <= index <= last or _key(block) in known]


def _key(block: str) -> str:
    return " ".join(_WORD.findall(block.casefold()))


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _mostly_prose(blocks: list[str]) -> bool:
    prose = sum(len(block) for block in blocks if _is_prose(block))
    return prose >= _PROSE_SHARE * sum(map(len, blocks))


def _is_prose(block: str) -> bool:
    return _words(block) >= _PROSE_WORDS and block.rstrip().endswith(_SENTENCE_END)


def restore_headings(blocks: list[str], tree: etree._Element) -> list[str]:
    """Put back subheads that fell out between two kept paragraphs (readability-style fallbacks drop
    short headings)."""
    position = {_key(block): index for index, block in enumerate(blocks)}
    inserts: dict[int, str] = {}
    for heading in tree.iter(*_SUBHEADS):
        text = " ".join(heading.text_content().split())
        if not text or _key(text) in position:
            continue
        before, after = _neighbour(heading, preceding=True), _neighbour(heading, preceding=False)
        index = position.get(_key(before)) if before else None
        if index is not None and after and position.get(_key(after)) == index + 1:
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
