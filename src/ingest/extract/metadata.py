"""A page's own statements about itself: <meta>, <link>, JSON-LD and the article's header."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document
from yarl import URL

from ingest.text.clean import clean_line
from ingest.text.dates import WRITTEN_DATE
from ingest.text.names import clean_author, is_personal_name, same_name, strip_site_name
from ingest.text.urls import host_names

_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "pubdate",
    "publish-date",
    "publication_date",
    "dc.date.issued",
    "dc.date.created",
    "dc.date",
    "dcterms.created",
    "dcterms.issued",
    "sailthru.date",
    "parsely-pub-date",
    "published",
)
_AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "citation_author",
    "byl",
    "byline",
)
_LANGUAGE_META = ("content-language", "language", "dc.language", "og:locale", "inlanguage")
_ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
        "techarticle", "scholarlyarticle", "report", "review", "socialmediaposting",
    }
)  # fmt: skip
# Elements whose class or attributes say "byline"; their text is checked by clean_author.
_BYLINE_XPATH = etree.XPath(
    "descendant-or-self::*[@class or @itemprop or @rel]"
    "[@itemprop='author' or @rel='author' or contains(@class, 'uthor') or contains(@class, 'yline')]"
    "[not(self::link or self::meta or self::img or self::script or self::style)]"
)
# Parts of a byline block that hold something else than the name: photo, date, bio, job title.
_NOT_BYLINE_CLASS = re.compile(
    r"comment|avatar|photo|image|img|thumb|bio|date|time|title|social|follow|share|desc|related|about",
    re.IGNORECASE,
)
_BYLINE_MAX_CHARS = 100  # longer texts are author bios, not bylines
# A byline in plain text, in an element no class marks: "By Jane Doe", "Written by Jane Doe".
_TEXT_BYLINE = re.compile(r"\s*(?:(?:written|posted|words|reported)\s+)?by\b|\s*author:", re.IGNORECASE)
_BYLINE_INITIALS = frozenset("BbWwPpRrAa")
_BYLINE_MAX_ELEMENTS = 40
# Dates of a block, searched by libxml2 (ElementPath would build a Python object per element).
_ITEMPROP_DATE = etree.XPath(
    "(.//*[@itemprop='datePublished']/@content | .//*[@itemprop='datePublished']/@datetime)[1]"
)
_TIME_DATE = etree.XPath("(.//time/@datetime)[1]")
# Dates further than this into the headline's block are in the article's text, not its header.
_WRITTEN_DATE_CHARS = 1500
# Words before a printed date that make it the last edit's, not the publication's.
_EDITED = re.compile(r"(?:updated?|modified|edited|reviewed)\W*$", re.IGNORECASE)
_LAST_FIRST = re.compile(r"^([^,]+),\s*([^,]+)$")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.IGNORECASE)
_CDATA = re.compile(r"^\s*(?:<!\[CDATA\[|<!--)|(?:\]\]>|-->)\s*$")
_IMAGE_SIZE = re.compile(r"[-_](?:\d+x\d+|\d+w|scaled|large|medium|small)$")
_QUOTES = str.maketrans("‘’‚‛“”„‟‐‑‒–—―\u00a0", "''''\"\"\"\"------ ")
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
    if guess and _fold(guess) in {_fold(h.text) for h in page.headings}:
        guess = None  # from "Headline - Site", trafilatura may guess that the headline is the site
    site_names = meta.site_names(guess)  # trafilatura's guess last
    names_to_strip = [*site_names, *_host_names(meta.canonical or doc.url)]
    title, heading = _title(meta, page.headings, names_to_strip, doc.title)
    image_url = meta.image() or doc.image
    return Metadata(
        title=title,
        author=_author(meta, page.bylines, names_to_strip, doc.author),
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
        tags=_split_tags([*(doc.categories or []), *(doc.tags or []), *meta.all("article:tag")]),
    )


class Page:
    """What a page says about itself, read from the whole tree: meta tags, JSON-LD, <h1>s with the
    date and picture of their block, bylines and captioned figures."""

    def __init__(self, tree: HtmlElement) -> None:
        self.meta = PageMeta(tree)
        # a printed date is the last resort, not worth reading on a page that declares its date
        self.headings = _headings(tree, printed_dates=self.meta.published() is None)
        region = _byline_region(tree)
        self.bylines = [*_byline_texts(region), *_text_bylines(region)]
        self.figures = _figures(tree)


def read_page(tree: HtmlElement) -> Page:
    """Read the page's own statements; call it before pruning the tree, then pass it to read_metadata."""
    return Page(tree)


def _not_title(caption: str | None, title: str | None) -> str | None:
    """A picture's alt text or caption, unless it only repeats the headline (a common CMS default)."""
    if caption and title and _fold(title) in _fold(caption):
        return None
    return caption


def _split_tags(values: list[str]) -> tuple[str, ...]:
    """Tags as listed; "a, b" in one meta value counts as two. Duplicates go in normalize."""
    return tuple(
        tag for value in values for tag in (" ".join(part.split()) for part in value.split(",")) if tag
    )


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
        text = _unescape(" ".join(h1.text_content().split()))
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
    h, t = _fold(heading), _fold(title)
    if h == t:
        return title  # the publisher's own string: no text of hidden elements glued in
    if t.startswith(h) and _SEPARATOR_AFTER.match(t, len(h)):
        return _better_case(heading, title, site_names)
    return None


def _better_case(heading: str, title: str, site_names: list[str]) -> str:
    """The heading, unless it is set in capitals and the declared title is not (CSS did the rest)."""
    if heading.isupper():
        stripped = _strip_title(title, site_names)
        if _fold(stripped) == _fold(heading) and not stripped.isupper():
            return stripped
    return heading


def _strip_title(title: str, site_names: list[str]) -> str:
    return strip_site_name(" ".join(title.split()), site_names)


def _fold(text: str) -> str:
    """Text compared loosely: case, quote and dash styles, and spacing aside."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold().split())


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


# -- author ---------------------------------------------------------------------------------------


def _author(meta: PageMeta, bylines: list[str], site_names: list[str], fallback: str | None) -> str | None:
    """The first byline that names people: JSON-LD, meta tags, the page's byline, then trafilatura's.
    A byline that only repeats the site's name waits for a better one; it stays only if it reads as
    a person's name (a personal site)."""
    site_only: str | None = None
    for byline in _author_candidates(meta, bylines, fallback):
        names = _names(byline)
        people = [n for n in names if not any(same_name(n, site, whole=True) for site in site_names)]
        if people and not any(same_name(byline, site, whole=True) for site in site_names):
            return ", ".join(people)
        if names and site_only is None and all(map(is_personal_name, names)):
            site_only = ", ".join(names)
    return site_only


def _author_candidates(meta: PageMeta, bylines: list[str], fallback: str | None) -> Iterator[str]:
    # structured sources first: they hold names without the page's furniture around them
    if authors := meta.article_authors():
        yield ", ".join(authors)
    for key in _AUTHOR_META:
        if values := meta.all(key):
            # scholarly pages list one "Last, First" per citation_author tag
            yield ", ".join(_LAST_FIRST.sub(r"\2 \1", v) if key == "citation_author" else v for v in values)
    yield from bylines
    if fallback:
        yield fallback


def _names(byline: str) -> list[str]:
    cleaned = clean_author(byline)
    return cleaned.split(", ") if cleaned else []


def _byline_region(tree: HtmlElement) -> HtmlElement:
    """Where bylines are: the <article> or <main> of the first <h1>, else a few levels above it."""
    h1 = next(tree.iter("h1"), None)
    if h1 is None:
        return tree
    block = next(h1.iterancestors("article", "main"), None)
    if block is not None:
        return block
    block = h1
    for _ in range(5):
        if (parent := block.getparent()) is None or parent.tag == "body":
            break
        block = parent
    return block


def _byline_texts(tree: HtmlElement) -> Iterator[str]:
    """Texts of byline elements in document order, innermost first: "Jane Doe", not "Jane Doe 2 h ago"."""
    found = _BYLINE_XPATH(tree)[:_BYLINE_MAX_ELEMENTS]
    matched = set(found)
    for el in found:
        if _NOT_BYLINE_CLASS.search(el.get("class") or "") and el.get("itemprop") != "author":
            continue
        if len(el.text_content()) > 2 * _BYLINE_MAX_CHARS:
            continue  # a bio or a whole article (WordPress puts "author-jane" on <article>)
        text = _spaced_text(el)
        if not text or len(text) > _BYLINE_MAX_CHARS or _in_figure_or_aside(el):
            continue
        if any(child in matched for child in el.iterdescendants()):
            continue  # a byline block: its name element comes next
        yield text


def _text_bylines(region: HtmlElement) -> Iterator[str]:
    """Short texts that open on "By" and go on with people's names only; no class marks them, so a
    looser reading would take "By continuing to browse ..." for a byline."""
    for el in region.iter():
        # most texts fail on their first letter, before the regular expression is run
        if not (text := el.text) or text.lstrip()[:1] not in _BYLINE_INITIALS or not isinstance(el.tag, str):
            continue
        if not _TEXT_BYLINE.match(text):
            continue
        text = _listed_names(el)
        if len(text) > _BYLINE_MAX_CHARS or _in_figure_or_aside(el):
            continue
        if (names := _names(text)) and all(map(is_personal_name, names)):
            yield text


def _listed_names(el: HtmlElement) -> str:
    """A byline's text, names listed in <li>s (which CSS separates) separated by commas."""
    items = [_spaced_text(li) for li in el.iter("li")]
    if not items:
        return _spaced_text(el)
    lead = " ".join((el.text or "").split())
    return " ".join([lead, ", ".join(item for item in items if item)]).strip()


def _spaced_text(el: HtmlElement) -> str:
    """An element's text with its pieces apart: "<b>By</b><a>Jane</a>" is two words."""
    return " ".join(" ".join(el.itertext()).split())


def _in_figure_or_aside(el: HtmlElement) -> bool:
    """Credits of pictures and bylines of teasers in side columns are not the article's author."""
    return any(a.tag in ("figure", "figcaption", "aside", "nav") for a in el.iterancestors())


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


# -- language -------------------------------------------------------------------------------------


def _primary_subtag(lang: str) -> str | None:
    tag = lang.strip().replace("_", "-").split("-")[0].lower()
    return tag if 2 <= len(tag) <= 3 and tag.isalpha() else None


# -- the page's declarations ------------------------------------------------------------------------


class PageMeta:
    """The <meta>, <link> and JSON-LD facts of a page, read once."""

    def __init__(self, tree: HtmlElement) -> None:
        self._meta: dict[str, list[str]] = {}
        for el in tree.iter("meta"):
            key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
            value = _unescape((el.get("content") or "").strip())
            if key and value:
                self._meta.setdefault(key.strip().lower(), []).append(value)
        self._ld = _json_ld_nodes(tree)
        self._ids = {node["@id"]: node for node in self._ld if isinstance(node.get("@id"), str)}
        self._article = _main_article(self._ld)
        self.canonical = self._canonical(tree)
        self.titles = self._titles(tree)
        self.language = self._language(tree)

    def first(self, *keys: str) -> str | None:
        for key in keys:
            if values := self._meta.get(key):
                return values[0]
        return None

    def all(self, key: str) -> list[str]:
        return self._meta.get(key, [])

    def _canonical(self, tree: HtmlElement) -> str | None:
        for link in tree.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
                return link.get("href", "").strip()
        return self.first("og:url")

    def _titles(self, tree: HtmlElement) -> list[str]:
        """The titles the page declares, the social and structured ones before <title>."""
        title = tree.find(".//title")
        found = (
            self.first("og:title"),
            self._article_text("headline"),
            self.first("twitter:title"),
            _unescape(title.text_content().strip()) if title is not None else None,
        )
        return [" ".join(t.split()) for t in found if t and t.strip()]

    def site_names(self, fallback: str | None = None) -> list[str]:
        """The names the page gives its site, best first; URLs are not names."""
        publisher = self._resolve(self._article.get("publisher")) if self._article else None
        website = next((n for n in self._ld if "website" in _types(n)), None)
        titles = {_fold(t) for t in self.titles}
        # some CMSs set "application-name" to the headline, and trafilatura falls back to a title part
        guesses = (self.first("application-name", "apple-mobile-web-app-title"), _name_of(website), fallback)
        found = (
            self.first("og:site_name"),
            _name_of(publisher),
            *(g for g in guesses if g and _fold(g) not in titles),
        )
        names = [_without_tagline(n) for n in (clean_line(f) for f in found) if n and not _is_url(n)]
        return list(dict.fromkeys(names))

    def article_authors(self) -> list[str]:
        """The author names of the page's main JSON-LD article."""
        authors = self._article.get("author") or self._article.get("creator") if self._article else None
        entries = authors if isinstance(authors, list) else [authors]
        names = (_name_of(self._resolve(entry)) for entry in entries if entry)
        return [name for name in names if name]

    def published(self) -> str | None:
        return (
            self._article_text("datePublished")
            or self.first(*_PUBLISHED_META)
            or self._ld_first("datePublished")
        )

    def description(self) -> str | None:
        return self.first("og:description", "description", "twitter:description", "dc.description") or (
            self._article_text("description")
        )

    def image(self) -> str | None:
        keys = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
        if found := self.first(*keys):
            return found
        image = self._article_image()
        return image.get("url") or image.get("contentUrl") if image else None

    def image_caption(self) -> str | None:
        if found := self.first("og:image:alt", "twitter:image:alt"):
            return found
        image = self._article_image()
        caption = image.get("caption") if image else None
        return caption.strip() if isinstance(caption, str) and caption.strip() else None

    def _language(self, tree: HtmlElement) -> str | None:
        root = tree.getroottree().getroot()
        body = root.find("body")
        lang = (
            root.get("lang")
            or root.get("xml:lang")
            or root.get("{http://www.w3.org/XML/1998/namespace}lang")
            or self.first(*_LANGUAGE_META)
            or self._article_text("inLanguage")
            or (body.get("lang") if body is not None else None)
        )
        return _primary_subtag(lang) if lang else None

    def _article_text(self, key: str) -> str | None:
        value = self._article.get(key) if self._article else None
        return _unescape(value.strip()) if isinstance(value, str) and value.strip() else None

    def _article_image(self) -> dict | None:
        image = self._article.get("image") if self._article else None
        image = image[0] if isinstance(image, list) and image else image
        if isinstance(image, str):
            return {"url": image}
        return image if isinstance(image, dict) else None

    def _ld_first(self, key: str) -> str | None:
        for node in self._ld:
            if isinstance(value := node.get(key), str) and value.strip():
                return value.strip()
        return None

    def _resolve(self, value: object) -> object:
        """A JSON-LD reference ({"@id": ...} alone) replaced by the node it names, if the page has it."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self._ids:
            return self._ids[value["@id"]]
        return value


def _json_ld_nodes(tree: HtmlElement) -> list[dict]:
    """Every JSON-LD object of the page, @graph members and main entities included."""
    nodes: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(_CDATA.sub("", script.text), strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack and len(nodes) < 200:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                nodes.append(item)
                stack.extend(
                    item[k] for k in ("@graph", "mainEntity") if isinstance(item.get(k), dict | list)
                )
    return nodes


def _main_article(nodes: list[dict]) -> dict | None:
    """The node describing the article: the first of an article type, else the first with a headline."""
    typed = (n for n in nodes if _types(n) & _ARTICLE_TYPES)
    return next(typed, None) or next((n for n in nodes if isinstance(n.get("headline"), str)), None)


def _types(node: dict) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _name_of(value: object) -> str | None:
    """The name of a JSON-LD person or organisation, or the string itself."""
    name = value.get("name") if isinstance(value, dict) else value
    if isinstance(name, list):
        name = ", ".join(n for n in name if isinstance(n, str))
    return _unescape(name.strip()) if isinstance(name, str) and name.strip() else None


def _without_tagline(name: str) -> str:
    """The site's name without the slogan after it: "Example Times - News you can trust"."""
    head, _, tail = name.partition(" - ") if " - " in name else name.partition(" | ")
    return head.strip() if tail and len(tail.split()) >= 3 and head.strip() else name


def _is_url(text: str) -> bool:
    return "://" in text or text.lower().startswith("www.")


def _unescape(text: str) -> str:
    """Meta values that some CMSs escape twice: "Tools &#8211; Guide"."""
    return html.unescape(text) if "&" in text and _ENTITY.search(text) else text
