"""Layer 2 of boilerplate removal: drop lines of extracted text that are furniture by what they say."""

from __future__ import annotations

import re

from ingest.extract import patterns


def _full(alternatives: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{alt})" for alt in alternatives), re.IGNORECASE)


_LINE = _full(patterns.BOILERPLATE_LINES)
_PREFIX = _full(patterns.BOILERPLATE_PREFIXES)
_TAIL = _full(patterns.TAIL_MARKERS)
_PITCH = _full(patterns.CLOSING_PITCHES)
_DISCLOSURE = _full(patterns.DISCLOSURE_PHRASES)
_WORD = re.compile(r"\w+")
_EDGES = " \t-–—•*·|:.…>»«›‹→←\"'“”‘’!?()[]"
# A line longer than this is a sentence of the article, whatever it starts with.
_MAX_WORDS = 25
# Blocks at the edges made only of lines this short, none ending like a sentence, are crumbs.
_CRUMB_WORDS = 6
_CRUMB_CHARS = 40
_SENTENCE_END = (".", "!", "?", '"', "”", "’", "»", ")", ":", "。", "！", "？", "」", "』")
# A closing pitch is a short paragraph; a long one is the article's own ending. An author's bio runs longer.
_CLOSING_WORDS = 80
_BIO_WORDS = 200
# A bio runs over at most this many paragraphs ("Jane Doe is ...", "She holds ...", "When she's not ...").
_BIO_BLOCKS = 3
# What a bio says of its subject right after the name: "Jane Doe is ...", "Jane holds an MBA ...".
_BIO_VERBS = (
    "is", "was", "has", "had", "writes", "wrote", "covers", "covered", "joined", "holds", "started", "founded",
    "co-founded", "cofounded", "serves", "specializes", "specialises", "lives", "brings", "graduated",
    "earned", "leads", "began", "enjoys", "loves", "spent",
)  # fmt: skip
# A tail marker ends the article only when what follows it is at most this share of the text.
_TAIL_MAX_SHARE = 0.4
_PARAGRAPH = 60  # words


# The steps of drop_boilerplate, each measured out of fold on its own by bench/extraction.py.
STEPS = frozenset({"furniture", "tail", "crumbs", "closing"})


def drop_boilerplate(
    blocks: list[str],
    author: str | None = None,
    title: str | None = None,
    steps: frozenset[str] = STEPS,
) -> list[str]:
    """The article's blocks without furniture lines, a related/comments tail, crumbs or the repeated
    headline at the edges, a closing sales pitch, or the author's bio at the end (the `steps` asked for)."""
    if "tail" in steps:
        blocks = _before_tail(blocks)
    if "furniture" in steps:
        blocks = [kept for kept in map(_without_furniture, blocks) if kept]
    if "crumbs" in steps:
        blocks = _without_crumbs(blocks, title)
    if "closing" not in steps:
        return blocks
    blocks = _without_closing(blocks, author)
    # Crumbs once more: a bio's label ("Contributing Writer") is left at the edge once the bio goes.
    return _without_crumbs(blocks, title) if "crumbs" in steps else blocks


def is_boilerplate(line: str) -> bool:
    """Whether one line of text is furniture by its content: a known phrase, not a sentence."""
    bare = line.strip(_EDGES)
    words = _words(bare)
    if not bare or words > patterns.DISCLOSURE_MAX_WORDS:
        return False
    if _DISCLOSURE.search(bare):
        return True
    return words <= _MAX_WORDS and bool(_LINE.fullmatch(bare) or _PREFIX.match(bare))


def _without_furniture(block: str) -> str:
    return "\n".join(line for line in block.split("\n") if not is_boilerplate(line))


def _before_tail(blocks: list[str]) -> list[str]:
    """Cut at the first heading of a related list or comment section in the last part of the text."""
    words = [_words(block) for block in blocks]
    total = sum(words)
    seen = 0
    for index, block in enumerate(blocks):
        rest = total - seen
        after = words[index + 1 :]
        # Teasers and comment forms are short; a long paragraph after the marker means it was a label
        # inside the article ("Related:" before a section of its own).
        if rest <= _TAIL_MAX_SHARE * total and _is_tail_marker(block) and max(after, default=0) < _PARAGRAPH:
            return blocks[:index]
        seen += words[index]
    return blocks


def _without_crumbs(blocks: list[str], title: str | None) -> list[str]:
    """Drop runs of crumbs at either edge: short blocks that are no sentence ("Fans", "- 34ºc, Sunny",
    "Jane Doe | 5 hours ago"), what extractors pick up from a header or sidebar next to the article;
    the headline at the start goes with them, the record keeps it apart."""
    headline = " ".join(title.split()).casefold() if title else None
    start, end = 0, len(blocks)
    while start < end and (
        _is_crumb(blocks[start]) or " ".join(blocks[start].split()).casefold() == headline
    ):
        start += 1
    while end > start and _is_crumb(blocks[end - 1]):
        end -= 1
    return blocks[start:end] if start < end else blocks


def _is_crumb(block: str) -> bool:
    return all(
        len(line) <= _CRUMB_CHARS
        and _words(line) <= _CRUMB_WORDS
        and not line.rstrip().endswith(_SENTENCE_END)
        for line in block.split("\n")
    )


def _without_closing(blocks: list[str], author: str | None) -> list[str]:
    """Drop last paragraphs that pitch a product or introduce the author ("Jane Doe is a freelance
    writer ...", "Jane holds an MBA ..."), the two things brand posts and magazines put after the article."""
    bio = _bio_pattern(author)
    blocks = _without_bio(blocks, bio)
    while len(blocks) > 1 and _words(blocks[-1]) <= _CLOSING_WORDS and _PITCH.match(blocks[-1].strip(_EDGES)):
        blocks = _without_bio(blocks[:-1], bio)
    return blocks


def _without_bio(blocks: list[str], bio: re.Pattern[str] | None) -> list[str]:
    """Cut the text before the earliest of its last paragraphs that opens a short bio of the author."""
    if bio is None:
        return blocks
    last = range(max(1, len(blocks) - _BIO_BLOCKS), len(blocks))
    opening = next((index for index in last if bio.match(blocks[index].strip(_EDGES))), None)
    if opening is None or sum(_words(block) for block in blocks[opening:]) > _BIO_WORDS:
        return blocks
    return blocks[:opening]


def _bio_pattern(author: str | None) -> re.Pattern[str] | None:
    """A paragraph opening on an author's name, whole or first or last, and a verb bios use."""
    # "Jean-Luc Aufranc (CNXSoft)": the parenthesis is the site, not part of the name.
    names = {re.sub(r"\(.*?\)", "", name).strip() for name in (author or "").split(",")}
    names = {name for name in names if len(name) > 3}
    if not names:
        return None
    parts = {part for name in names for part in (name.split()[0], name.split()[-1]) if len(part) > 2}
    alternatives = "|".join(re.escape(name) for name in sorted(names | parts, key=len, reverse=True))
    verbs = "|".join(_BIO_VERBS)
    return re.compile(rf"(?:{alternatives})\b,? (?:{verbs})\b", re.IGNORECASE)


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _is_tail_marker(block: str) -> bool:
    first = block.split("\n", 1)[0].strip(_EDGES)
    return bool(first) and _TAIL.fullmatch(first) is not None
