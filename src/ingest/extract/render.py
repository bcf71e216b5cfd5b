"""Extractions as text blocks: trafilatura's XML and plain HTML (readability's output) alike become one
block per paragraph or heading, a list's items as "- " lines, a table's rows as " | "-joined cells."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

_BLOCKS = frozenset({"p", "head", "quote", "code", "list", "table", "div"})


def render(body: etree._Element) -> list[str]:
    """Trafilatura's body as blocks: one per paragraph or heading, a list's items as "- " lines."""
    return [block for block in _blocks(body) if block]


def _blocks(el: etree._Element) -> Iterator[str]:
    for child in el:
        if child.tag == "list":
            yield from _list_blocks(child)
        elif child.tag == "table":
            yield "\n".join(_table_lines(child))
        elif _holds_blocks(child):
            yield from _lead_and_blocks(child)
        elif child.tag != "graphic":
            yield _inline_text(child)
        if child.tail and child.tail.strip():
            yield _squash(child.tail)


def _holds_blocks(el: etree._Element, blocks: frozenset[str] = _BLOCKS) -> bool:
    return any(child.tag in blocks for child in el)


def _lead_and_blocks(el: etree._Element) -> Iterator[str]:
    yield _inline_text(el, stop_at_blocks=True)
    yield from _blocks(el)


def _list_blocks(lst: etree._Element, depth: int = 0) -> Iterator[str]:
    """A list as one block of "- " lines; an item that holds paragraphs becomes blocks of its own."""
    lines: list[str] = []
    for item in lst:
        if _holds_blocks(item, _BLOCKS - {"list"}):
            if lines:
                yield "\n".join(lines)
                lines = []
            parts = [part for part in _lead_and_blocks(item) if part]
            yield from ["- " + parts[0], *parts[1:]] if parts else []
            continue
        if lead := _inline_text(item, stop_at_blocks=True):
            lines.append("  " * depth + "- " + lead)
        for nested in item:
            if nested.tag == "list":
                lines.extend(_list_blocks(nested, depth + 1))
    if lines:
        yield "\n".join(lines)


def _table_lines(table: etree._Element) -> Iterator[str]:
    for row in table.iter("row"):
        cells = [_inline_text(cell) for cell in row if cell.tag == "cell"]
        if any(cells):
            yield " | ".join(cells)


def _inline_text(el: etree._Element, stop_at_blocks: bool = False) -> str:
    """The text of an element; <lb/> becomes a line break; if asked, only the text before its first block."""
    parts: list[str] = [el.text or ""]
    for child in el:
        if stop_at_blocks and child.tag in _BLOCKS:
            break  # the blocks, and the text between them, are rendered by _blocks
        parts.append("\n" if child.tag == "lb" else _inline_text(child))
        parts.append(child.tail or "")
    lines = (_squash(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _squash(text: str) -> str:
    return " ".join(text.split())
