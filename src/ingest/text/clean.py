"""Text clean-up: an article's body, one line of metadata, words, hashes and tags."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_RUNS = re.compile(r"\n{3,}")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORDS = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")
_KEYWORD_SEPARATORS = re.compile("[,;]")


def clean_article_text(text: str) -> str:
    """NFC, no invisible or control characters, trimmed lines, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", _INVISIBLE.sub("", text.replace("\u00a0", " ")))
    lines = (" ".join(line.split()) if not line.startswith("  ") else line.rstrip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def clean_line(value: str | None) -> str | None:
    """One line of metadata with its whitespace collapsed, or None if nothing is left."""
    if value is None:
        return None
    line = " ".join(_CONTROL.sub("", _INVISIBLE.sub("", unicodedata.normalize("NFC", value))).split())
    return line or None


def aligned(cells: Sequence[Sequence[str]]) -> list[str]:
    """Rows of cells as lines of a table for a terminal: each column but the last padded to its widest
    cell, two spaces apart; the last, often long (an error), runs free."""
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]) - 1)]
    padded = ([*(cell.ljust(width) for cell, width in zip(row, widths)), row[-1]] for row in cells)
    return ["  ".join(row).rstrip() for row in padded]


def bounded_line(text: str, limit: int = 200) -> str:
    """`text` on one line; past `limit` characters, cut after its last whole word and marked with an
    ellipsis, so that an error quoted from a parser or a server never ends mid-word as if it were whole."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    head, space, _ = cut.rpartition(" ")
    return f"{head if space and head else cut}…"


def word_count(text: str) -> int:
    """Words in `text`; each CJK character counts as one, as those scripts have no spaces."""
    return len(_WORDS.findall(text))


def content_hash(text: str) -> str:
    """The text's SHA-256 in hex: articles with the very same text share it."""
    return hashlib.sha256(text.encode()).hexdigest()


def split_keywords(*groups: tuple[str, ...] | list[str]) -> list[str]:
    """Keywords as pages and feeds list them, one per item: "aircraft;search;Indonesia;" is three, split
    on commas and semicolons (both are common in meta keywords), trimmed, empties dropped, deduplicated."""
    parts = [part for group in groups for value in group for part in _KEYWORD_SEPARATORS.split(value)]
    return unique_tags(parts)


def unique_tags(*groups: tuple[str, ...] | list[str]) -> list[str]:
    """Tags in first-seen order, compared without case."""
    seen: dict[str, str] = {}
    for group in groups:
        for tag in group:
            tag = clean_line(tag) or ""
            if tag and tag.casefold() not in seen:
                seen[tag.casefold()] = tag
    return list(seen.values())
