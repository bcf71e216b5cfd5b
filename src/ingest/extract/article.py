"""A page's HTML to its article: the best of several candidate extractions for the body, as a small
learned chooser rates them, and the page's own metadata around it."""

from __future__ import annotations

import dataclasses

from lxml.html import HtmlElement
from trafilatura.settings import Document
from trafilatura.utils import load_html

from ingest import defaults
from ingest.extract.bounds import too_many_elements
from ingest.extract.candidates import extract_candidates
from ingest.extract.chooser import assemble, choose, shipped_model
from ingest.extract.decode import decode_html
from ingest.extract.errors import ExtractionError
from ingest.extract.headings import heading_slots
from ingest.extract.metadata import read_metadata, read_page
from ingest.extract.prune import prune, shield_tables
from ingest.model import Extracted, PageOptions


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
    tree = parse_page(html, content_type, max_elements)
    page = read_page(tree)  # before pruning, which removes the bylines, headers and figures it reads
    if body:
        _keep_only(tree, body)
    prose = prune(tree, remove)
    shield_tables(tree)
    found = extract_candidates(tree, url, prose)
    meta = read_metadata(page, found.doc or Document())
    chosen = choose(shipped_model(), found.blocks, found.prose, found.links)
    text = assemble(found.blocks[chosen], heading_slots(tree), meta.author, meta.title)
    if not text:
        raise ExtractionError("no article text found")
    return Extracted(text=text, **dataclasses.asdict(meta))


def parse_page(html: bytes | str, content_type: str | None, max_elements: int) -> HtmlElement:
    """The page's tree, with what follows a premature `</html>` moved back into the body."""
    text = html if isinstance(html, str) else decode_html(html, content_type)
    if too_many_elements(text, max_elements):
        raise ExtractionError(f"more than {max_elements} elements: too costly to parse")
    tree = load_html(text)
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    _adopt_strays(tree)
    return tree


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
