"""The article's container, read block by block: the last resort when extraction keeps too little.

Some pages defeat trafilatura's content scoring (a recipe card, a listicle of product boxes) and both
passes keep a fifth of the article. The pruned tree still holds it: the longest run of prose sits in it,
and climbing from there to the first element holding most of the page's prose finds the container.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree
from lxml.html import HtmlElement

from ingest.extract.prune import prose_map

# The container is the first ancestor of the longest run of prose holding this share of the page's prose.
_SHARE = 0.7
_BLOCKS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "dd", "dt", "div",
     "section", "article", "main", "figcaption", "ul", "ol", "dl", "table", "tbody", "thead", "tr",
     "header", "footer", "form", "figure", "details", "summary"}
)  # fmt: skip
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "button", "select", "textarea"})
# A mixed container's own text counts as a block only when it is this long: stray labels are not.
_OWN_TEXT_MIN = 40
# A short block that is mostly link text is navigation.
_LINKY_SHARE = 0.5
_LINKY_CHARS = 200


def container_blocks(tree: HtmlElement) -> list[str]:
    """The text blocks of the element that holds most of the page's prose, in document order."""
    prose, anchor = prose_map(tree)
    box = anchor
    for ancestor in anchor.iterancestors():
        if prose[box] >= _SHARE * prose[tree]:
            break
        box = ancestor
    return list(leaf_blocks(box))


def leaf_blocks(root: etree._Element) -> Iterator[str]:
    """The text of every innermost block element under `root` that is not a short run of links."""
    stack = [root]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str) or el.tag in _SKIP:
            continue
        if any(child.tag in _BLOCKS for child in el):
            own = _squash((el.text or "") + " ".join(child.tail or "" for child in el))
            if len(own) >= _OWN_TEXT_MIN:
                yield own
            stack.extend(reversed(el))
        elif el.tag in _BLOCKS and (text := _squash(el.text_content())) and not _linky(el, text):
            yield text


def _linky(el: etree._Element, text: str) -> bool:
    linked = sum(len(a.text_content()) for a in el.iter("a"))
    return len(text) < _LINKY_CHARS and linked > _LINKY_SHARE * len(text)


def _squash(text: str) -> str:
    return " ".join(text.split())
