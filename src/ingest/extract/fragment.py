"""A feed's own HTML content (`full_text: false`) to text with the same paragraph layout as pages."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from ingest.extract.errors import ExtractionError
from ingest.model import Extracted

_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "form", "button", "svg")
_BLOCK = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "aside", "main", "blockquote", "pre",
        "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd", "table", "tr", "figure",
        "figcaption", "address", "hr",
    }
)  # fmt: skip
# Private-use characters mark breaks while the text is assembled; source whitespace never does.
_PARAGRAPH = "\ue000"
_LINE = "\ue001"
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# C0 controls other than tab and line breaks: lxml refuses to hold them in a text it is given.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def extract_fragment(html: str, url: str | None = None) -> Extracted:
    """Text of an HTML fragment: blank lines between blocks, one line per list item and <br>."""
    if not html.strip():
        raise ExtractionError("entry has no content")
    try:
        root = lxml.html.fragment_fromstring(_CONTROL.sub("", html), create_parent="div")
    except (etree.ParserError, ValueError, AssertionError) as exc:  # "<html>" alone fails an assert
        raise ExtractionError(f"entry content is not HTML: {exc}") from None
    etree.strip_elements(root, *_DROP, with_tail=False)
    text = _mark_html(root) if len(root) else _mark_plain(root.text or "")
    paragraphs = (_lines(block) for block in text.split(_PARAGRAPH))
    result = "\n\n".join(p for p in paragraphs if p)
    if not result:
        raise ExtractionError("entry content has no text")
    return Extracted(text=result)


def _mark_html(root: lxml.html.HtmlElement) -> str:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue  # comments and processing instructions
        if el.tag == "br":
            el.tail = _LINE + (el.tail or "")
        elif el.tag == "li":
            el.text = _LINE + "- " + (el.text or "")
        elif el.tag in _BLOCK:
            el.text = _PARAGRAPH + (el.text or "")
            el.tail = _PARAGRAPH + (el.tail or "")
        elif el.tag in ("td", "th"):
            el.tail = " | " + (el.tail or "")
    return root.text_content()


def _mark_plain(text: str) -> str:
    """Plain-text content (JSON Feed `content_text`): its own newlines are the layout."""
    return _BLANK_LINE.sub(_PARAGRAPH, text).replace("\n", _LINE)


def _lines(block: str) -> str:
    lines = (" ".join(line.split()).rstrip(" |") for line in block.split(_LINE))
    return "\n".join(line for line in lines if line and line != "-")
