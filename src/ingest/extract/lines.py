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
# A closing pitch or author bio is a short paragraph; a long one is the article's own ending.
_CLOSING_WORDS = 80
# A tail marker ends the article only when what follows it is at most this share of the text.
_TAIL_MAX_SHARE = 0.4
_PARAGRAPH = 60  # words


def drop_boilerplate(blocks: list[str], author: str | None = None, title: str | None = None) -> list[str]:
    """The article's blocks without furniture lines, a related/comments tail, crumbs or the repeated
    headline at the edges, a closing sales pitch, or the author's bio at the end."""
    kept = (_without_furniture(block) for block in _before_tail(blocks))
    return _without_closing(_without_crumbs([block for block in kept if block], title), author)


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
    """Drop a last paragraph that pitches a product or introduces the author ("Jane Doe is a freelance
    writer ..."), the two things brand posts and magazines put after the article."""
    bio = _bio_pattern(author)
    while len(blocks) > 1 and _words(blocks[-1]) <= _CLOSING_WORDS:
        last = blocks[-1].strip(_EDGES)
        if not (_PITCH.match(last) or (bio and bio.match(last))):
            break
        blocks = blocks[:-1]
    return blocks


def _bio_pattern(author: str | None) -> re.Pattern[str] | None:
    names = [name.strip() for name in (author or "").split(",") if len(name.strip()) > 3]
    if not names:
        return None
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(rf"(?:{alternatives})\b,? (?:is|was|has|writes|covers|joined)\b", re.IGNORECASE)


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _is_tail_marker(block: str) -> bool:
    first = block.split("\n", 1)[0].strip(_EDGES)
    return bool(first) and _TAIL.fullmatch(first) is not None
