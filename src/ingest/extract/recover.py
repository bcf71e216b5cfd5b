"""Body recovery: put back the parts of an article that the first extraction pass dropped.

Ads, embeds and "read also" boxes split an article; the precision-leaning pass then often keeps one piece.
The recall-leaning pass keeps more, furniture included. We keep the first pass's blocks and add the wider
pass's blocks that sit between them, plus sentences of prose around them; layer 1 has already removed the
furniture from the tree both passes read.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
# When the passes agree on less than this share of the narrow pass's blocks, they found different
# texts; the wider one is taken whole, the narrow pass having mostly picked a fragment.
_MIN_AGREEMENT = 0.6
# Outside the agreed span only prose comes back: blocks of this many words ending like a sentence.
_PROSE_WORDS = 20
_SENTENCE_END = (".", "!", "?", '"', "”", "’", "»", ")")


def recover(narrow: list[str], wide: list[str]) -> list[str]:
    """The narrow pass's blocks, widened with the wide pass's blocks that belong to the same article."""
    if _words("\n".join(wide)) <= _words("\n".join(narrow)):
        return narrow
    known = {_key(block) for block in narrow}
    shared = [index for index, block in enumerate(wide) if _key(block) in known]
    if len(shared) < _MIN_AGREEMENT * len(narrow) or not shared:
        return wide
    first, last = shared[0], shared[-1]
    return [
        block
        for index, block in enumerate(wide)
        if first <= index <= last or _key(block) in known or _is_prose(block)
    ]


def _key(block: str) -> str:
    return " ".join(_WORD.findall(block.casefold()))


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _is_prose(block: str) -> bool:
    return _words(block) >= _PROSE_WORDS and block.rstrip().endswith(_SENTENCE_END)
