"""The article's metadata: the page's declarations (declared.py) and bylines (bylines.py), its headline
and the date and picture of the headline's block, merged with what trafilatura found."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document
from yarl import URL

from ingest.extract.bylines import author_of, read_bylines
from ingest.extract.declared import PageMeta, fold, unescape_entities
from ingest.text.clean import split_keywords
from ingest.text.dates import WRITTEN_DATE
from ingest.text.names import same_name, strip_site_name
from ingest.text.urls import host_names

# Dates of a block, searched by libxml2 (ElementPath would build a Python object per element).
_ITEMPROP_DATE = etree.XPath(
    "(.//*[@itemprop='datePublished']/@content | .//*[@itemprop='datePublished']/@datetime)[1]"
)
_TIME_DATE = etree.XPath("(.//time/@datetime)[1]")
# Dates further than this into the headline's block are in the article's text, not its header.
_WRITTEN_DATE_CHARS = 1500
# Words before a printed date that make it the last edit's, not the publication's.
_EDITED = re.compile(r"(?:updated?|modified|edited|reviewed)\W*$", re.IGNORECASE)
_IMAGE_SIZE = re.compile(r"[-_](?:\d+x\d+|\d+w|scaled|large|medium|small)$")
_WORD = re.compile(r"\w+")
# Between a headline and site furniture after it, in folded text (dashes are "-" there); not ":",
# which more often starts a subtitle ("Title: what it means") than the site's name.
_SEPARATOR_AFTER = re.compile(r"\s*(?:[|｜_»~/•·]|-\s)")
_MAX_HEADINGS = 10
_HEADER_LEVELS = 3  # how far above the <h1> its header block may start
_MAX_FIGURES = 30
_SIMILAR_HEADING = 0.5  # share of an <h1>'s words found in the page's declared title


@dataclass(slots=True)
class Metadata:
    """Everything extraction reports besides the body text."""

    title: str | None = None
    author: str | None = None
    published: str | None = None
    description: str | None = None
    site_name: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    tags: tuple[str, ...] = ()


def read_metadata(page: Page | HtmlElement, doc: Document) -> Metadata:
    """Merge the page's own statements (meta tags, JSON-LD, headline, byline) with trafilatura's
    metadata, the page's first. Pass a `Page` read before pruning: pruning drops bylines and headers."""
    page = page if isinstance(page, Page) else Page(page)
    meta = page.meta
    guess = doc.sitename
    if guess and fold(guess) in {fold(h.text) for h in page.headings}:
        guess = None  # from "Headline - Site", trafilatura may guess that the headline is the site
    site_names = meta.site_names(guess)  # trafilatura's guess last
    names_to_strip = [*site_names, *_host_names(meta.canonical or doc.url)]
    title, heading = _title(meta, page.headings, names_to_strip, doc.title)
    image_url = meta.image() or doc.image
    return Metadata(
        title=title,
        author=author_of(meta, page.bylines, names_to_strip, doc.author),
        published=meta.published()
        or (heading.date if heading else None)
        or doc.date
        or (heading.written_date if heading else None),
        description=meta.description() or doc.description,
        site_name=site_names[0] if site_names else None,
        language=meta.language,
        canonical_url=meta.canonical,
        image_url=image_url,
        image_caption=_not_title(
            meta.image_caption() or _figure_caption(page.figures, image_url, heading), title
        ),
        tags=tuple(split_keywords([*(doc.categories or []), *(doc.tags or []), *meta.all("article:tag")])),
    )


class Page:
    """What a page says about itself, read from the whole tree: meta tags, JSON-LD, <h1>s with the
    date and picture of their block, bylines and captioned figures."""

    def __init__(self, tree: HtmlElement) -> None:
        self.meta = PageMeta(tree)
        # a printed date is the last resort, not worth reading on a page that declares its date
        self.headings = _headings(tree, printed_dates=self.meta.published() is None)
        self.bylines = read_bylines(tree)
        self.figures = _figures(tree)


def read_page(tree: HtmlElement) -> Page:
    """Read the page's own statements; call it before pruning the tree, then pass it to read_metadata."""
    return Page(tree)


def _not_title(caption: str | None, title: str | None) -> str | None:
    """A picture's alt text or caption, unless it only repeats the headline (a common CMS default)."""
    if caption and title and fold(title) in fold(caption):
        return None
    return caption


# -- title ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Heading:
    """An <h1>, the date in its block (marked up, and as printed) and the caption of the first picture
    of its article."""

    text: str
    date: str | None
    written_date: str | None
    caption: str | None


def _headings(tree: HtmlElement, printed_dates: bool = True) -> list[_Heading]:
    """The page's <h1>s in document order; the headline is usually one of them."""
    found: list[_Heading] = []
    for h1 in tree.iter("h1"):
        text = unescape_entities(" ".join(h1.text_content().split()))
        if 0 < len(text) <= 300:
            blocks = _header_blocks(h1)
            written = _written_date(blocks) if printed_dates else None
            found.append(_Heading(text, _header_date(blocks), written, _lead_caption(h1)))
        if len(found) == _MAX_HEADINGS:
            break
    return found


def _title(
    meta: PageMeta, headings: list[_Heading], site_names: list[str], fallback: str | None
) -> tuple[str | None, _Heading | None]:
    """The headline: the <h1> that the declared titles confirm, else the declared title without the
    site's name, swapped for an <h1> that says nearly the same (the headline as shown)."""
    # trafilatura's title is often the <h1> itself: it confirms nothing, it only stands in
    declared = meta.titles or ([fallback] if fallback else [])
    for title in declared:
        for heading in headings:
            if agreed := _agreeing(heading.text, title, site_names):
                return agreed, heading
    if not declared:
        return (headings[0].text, headings[0]) if headings else (None, None)
    title = _strip_title(declared[0], site_names)
    similar = [(_overlap(h.text, title), h) for h in headings if len(_words(h.text)) >= 3]
    score, heading = max(similar, key=lambda pair: pair[0], default=(0.0, None))
    if heading is not None and score >= _SIMILAR_HEADING:
        return heading.text, heading
    return title, None


def _agreeing(heading: str, title: str, site_names: list[str]) -> str | None:
    """`heading` when the declared `title` is it, maybe with site furniture after it ("Title | Site")."""
    if any(same_name(heading, name) for name in site_names) or len(heading) < 4:
        return None
    h, t = fold(heading), fold(title)
    if h == t:
        return title  # the publisher's own string: no text of hidden elements glued in
    if t.startswith(h) and _SEPARATOR_AFTER.match(t, len(h)):
        return _better_case(heading, title, site_names)
    return None


def _better_case(heading: str, title: str, site_names: list[str]) -> str:
    """The heading, unless it is set in capitals and the declared title is not (CSS did the rest)."""
    if heading.isupper():
        stripped = _strip_title(title, site_names)
        if fold(stripped) == fold(heading) and not stripped.isupper():
            return stripped
    return heading


def _strip_title(title: str, site_names: list[str]) -> str:
    return strip_site_name(" ".join(title.split()), site_names)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def _overlap(heading: str, title: str) -> float:
    """Share of the heading's words that are in `title`."""
    words = _words(heading)
    return len(words & _words(title)) / len(words) if words else 0.0


def _host_names(url: str | None) -> list[str]:
    """The site names a URL implies: "tmz" and "tmz.com" for https://www.tmz.com/..."""
    try:
        return host_names((URL(url).host or "") if url else "")
    except ValueError:
        return []


# -- date, image ------------------------------------------------------------------------------------


def _header_blocks(h1: HtmlElement) -> list[HtmlElement]:
    """The headline's blocks, innermost first: up to _HEADER_LEVELS ancestors, not the <body>."""
    blocks: list[HtmlElement] = []
    for parent in h1.iterancestors():
        if parent.tag == "body" or len(blocks) == _HEADER_LEVELS:
            break
        blocks.append(parent)
    return blocks


def _header_date(blocks: list[HtmlElement]) -> str | None:
    """The date in the headline's block: <time datetime> or itemprop=datePublished near the <h1>."""
    for block in blocks:
        if found := _ITEMPROP_DATE(block) or _TIME_DATE(block):
            return str(found[0]).strip()
    return None


def _written_date(blocks: list[HtmlElement]) -> str | None:
    """The first date printed in the headline's block, not one labelled as an update."""
    for block in blocks:
        text = _leading_text(block)
        dates = list(WRITTEN_DATE.finditer(text))
        published = [d for d in dates if not _EDITED.search(text[max(0, d.start() - 20) : d.start()])]
        if found := published or dates:
            return found[0][0]
    return None


def _leading_text(block: HtmlElement) -> str:
    """About the first _WRITTEN_DATE_CHARS characters of a block's text, without scripts, styles and
    comments; a tail comes before the text of its element's children, near enough for finding dates."""
    parts: list[str] = []
    size = 0
    for el in block.iter():
        shown = el.text if isinstance(el.tag, str) and el.tag not in ("script", "style") else None
        for text in (shown, el.tail if el is not block else None):
            if text and (text := " ".join(text.split())):
                parts.append(text)
                size += len(text) + 1
        if size >= _WRITTEN_DATE_CHARS:
            break
    return " ".join(parts)[:_WRITTEN_DATE_CHARS]


def _lead_caption(h1: HtmlElement) -> str | None:
    """The caption of the first <figure> in the <article> that holds the headline."""
    article = next(h1.iterancestors("article"), None)
    figure = next(article.iter("figure"), None) if article is not None else None
    return _caption(figure) if figure is not None else None


def _figures(tree: HtmlElement) -> list[tuple[set[str], str]]:
    """The page's captioned pictures: the file names they show, and the caption."""
    found: list[tuple[set[str], str]] = []
    for figure in tree.iter("figure"):
        if caption := _caption(figure):
            found.append(({stem for src in _figure_sources(figure) if (stem := _image_stem(src))}, caption))
        if len(found) == _MAX_FIGURES:
            break
    return found


def _figure_caption(
    figures: list[tuple[set[str], str]], image_url: str | None, heading: _Heading | None
) -> str | None:
    """The caption of the lead picture: the <figure> showing the page's main image, else the first
    <figure> of the article that holds the headline."""
    stem = _image_stem(image_url) if image_url else None
    if stem:
        for stems, caption in figures:
            if stem in stems:
                return caption
    return heading.caption if heading else None


def _figure_sources(figure: HtmlElement) -> Iterator[str]:
    for img in figure.iter("img", "source"):
        for attr in ("src", "data-src", "data-original", "srcset", "data-srcset"):
            if value := img.get(attr):
                yield from (part.split()[0] for part in value.split(",") if part.strip())


def _image_stem(url: str) -> str | None:
    """A picture's file name without extension or size suffix: the same picture in other sizes."""
    try:
        name = URL(url.strip()).path.rsplit("/", 1)[-1]
    except ValueError:
        return None
    stem = _IMAGE_SIZE.sub("", name.rsplit(".", 1)[0].lower())
    return stem if len(stem) >= 4 else None


def _caption(figure: HtmlElement) -> str | None:
    caption = figure.find(".//figcaption")
    text = " ".join(caption.text_content().split()) if caption is not None else ""
    return text if 0 < len(text) <= 500 else None
