"""A page's HTML to its article: trafilatura for the body, the page's own metadata around it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document
from trafilatura.utils import load_html

from ingest import defaults
from ingest.extract.bounds import too_many_elements
from ingest.extract.container import container_blocks
from ingest.extract.decode import decode_html
from ingest.extract.errors import ExtractionError
from ingest.extract.lines import drop_boilerplate
from ingest.extract.metadata import read_metadata, read_page
from ingest.extract.prune import prune, shield_tables
from ingest.extract.recover import recover, restore_headings
from ingest.model import Extracted, PageOptions

# A first pass that holds less than this share of the page's prose may have lost part of the article;
# only then is the wider pass worth its cost (on the dev pages: one page in four, 95% of the gain).
_RECOVER_BELOW = 0.85
# Below this share even after the wider pass, the article's container is read directly (13 dev pages).
_RESCUE_BELOW = 0.3


def extract_page(html: bytes | str, options: PageOptions) -> Extracted:
    """`extract_article` with its options as one object: the form a worker process is called in."""
    return extract_article(
        html,
        options.url,
        options.content_type,
        remove=options.remove,
        body=options.body,
        max_elements=options.max_elements,
    )


def extract_article(
    html: bytes | str,
    url: str | None = None,
    content_type: str | None = None,
    remove: tuple[str, ...] = (),
    body: str | None = None,
    max_elements: int = defaults.MAX_ELEMENTS,
) -> Extracted:
    """Extract the article text and metadata of one HTML page.

    `remove` adds CSS selectors of furniture to drop; `body` names the article's element, for a site where
    the generic extractor picks the wrong one. A page of more than `max_elements` tags is not parsed."""
    text = html if isinstance(html, str) else decode_html(html, content_type)
    if too_many_elements(text, max_elements):
        raise ExtractionError(f"more than {max_elements} elements: too costly to parse")
    tree = load_html(text)
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    _adopt_strays(tree)
    page = read_page(tree)  # before pruning, which removes the bylines, headers and figures it reads
    if body:
        _keep_only(tree, body)
    prose = prune(tree, remove)
    shield_tables(tree)
    doc = _extract(tree, url, with_metadata=True)
    blocks = _render(doc.body) if doc is not None else []
    if sum(map(len, blocks)) < _RECOVER_BELOW * prose:
        # When the first pass found nothing, the wider pass also stands in for its metadata.
        wider = _extract(tree, url, with_metadata=doc is None, favor_recall=True)
        if wider is not None:
            blocks = recover(blocks, _render(wider.body))
            doc = doc or wider
    if sum(map(len, blocks)) < _RESCUE_BELOW * prose:
        blocks = recover(blocks, container_blocks(tree))
    if not blocks:
        raise ExtractionError("no article text found")
    blocks = restore_headings(blocks, tree)
    meta = read_metadata(page, doc or Document())
    text = "\n\n".join(drop_boilerplate(blocks, author=meta.author, title=meta.title))
    return Extracted(text=text, **dataclasses.asdict(meta))


def _extract(tree: HtmlElement, url: str | None, **options: bool) -> Document | None:
    """One trafilatura pass over the pruned tree (trafilatura works on its own copy)."""
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


def _adopt_strays(tree: HtmlElement) -> None:
    """Move elements that follow a premature `</html>` into the body, as browsers do.

    libxml2 leaves them outside the root, where neither trafilatura nor our passes look; on some
    WordPress pages that is the whole article."""
    page_body = tree.find("body")
    if page_body is None:
        return
    for stray in [el for el in tree.itersiblings() if isinstance(el.tag, str)]:
        for part in list(stray) if stray.tag == "html" else [stray]:
            if part.tag == "body":
                page_body.extend(list(part))
            elif part.tag != "head":
                page_body.append(part)


def _keep_only(tree: HtmlElement, selector: str) -> None:
    """Make the first element matching `selector` the page's whole body; leave the page be if none does."""
    found = tree.cssselect(selector)
    page_body = tree.find("body")
    if not found or page_body is None:
        return
    article = found[0]
    article.tail = None
    page_body.clear()
    page_body.append(article)


# -- the body: trafilatura's XML to paragraphs -------------------------------------------------

_BLOCKS = frozenset({"p", "head", "quote", "code", "list", "table", "div"})


def _render(body: etree._Element) -> list[str]:
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
