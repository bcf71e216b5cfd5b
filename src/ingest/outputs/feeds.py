"""The stories as feeds a reader can subscribe to, without I/O: JSON Feed 1.1 (jsonfeed.org/version/1.1)
and Atom 1.0 (RFC 4287), one item per story: its title, summary, key points, sources, and links to its
articles, dated by its first article's arrival and its last update."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from xml.etree import ElementTree as ET

from ingest.model import Article, Story

# The stories a feed holds: the most recently updated (a reader keeps what it has already seen).
FEED_ITEMS = 50
TITLE = "ingest: stories"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
JSON_FEED_TYPE = "application/feed+json"
ATOM_TYPE = "application/atom+xml"
_ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot hold, even escaped: a stray one would make the whole feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# A story with the articles it links to, in order of publication.
Item = tuple[Story, Sequence[Article]]


@dataclass(frozen=True, slots=True)
class Links:
    """Where the feed is served: its own URL, the page it is the feed of, and a story's record by its id
    (`story` with "{id}" in it)."""

    feed: str
    home: str
    story: str

    def of(self, story: Story) -> str:
        return self.story.format(id=story.id)


def json_feed(items: Sequence[Item], links: Links) -> dict[str, Any]:
    """A JSON Feed 1.1 document of the stories (most recently updated first, as given)."""
    return {
        "version": JSON_FEED_VERSION,
        "title": TITLE,
        "home_page_url": links.home,
        "feed_url": links.feed,
        "items": [_json_item(story, articles, links) for story, articles in items],
    }


def _json_item(story: Story, articles: Sequence[Article], links: Links) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": story_urn(story),
        "url": links.of(story),
        "title": _title(story),
        "content_html": story_html(story, articles),
        "content_text": story_plain(story, articles),
        "date_published": story.first_seen,
        "date_modified": story.updated_at,
    }
    if story.summary:
        item["summary"] = story.summary
    if articles:
        item["external_url"] = articles[0].url  # the first report of it
    if story.image_url:
        item["image"] = story.image_url
    return item


def atom_feed(items: Sequence[Item], links: Links, now: str) -> bytes:
    """An Atom 1.0 document of the stories, UTF-8; `now` (ISO 8601 UTC) dates a feed with none."""
    ET.register_namespace("", _ATOM)
    feed = ET.Element(f"{{{_ATOM}}}feed")
    _add(feed, "id", links.feed)
    _add(feed, "title", TITLE)
    _add(feed, "updated", max((story.updated_at for story, _ in items), default=now))
    _add(feed, "link", rel="self", type=ATOM_TYPE, href=links.feed)
    _add(feed, "link", rel="alternate", href=links.home)
    _add(_add(feed, "author"), "name", "ingest")  # Atom asks for an author: the feed's own
    _add(feed, "generator", "ingest")
    for story, articles in items:
        entry = _add(feed, "entry")
        _add(entry, "id", story_urn(story))
        _add(entry, "title", _title(story))
        _add(entry, "published", story.first_seen)
        _add(entry, "updated", story.updated_at)
        _add(entry, "link", rel="alternate", type="application/json", href=links.of(story))
        for article in articles:
            _add(entry, "link", rel="related", type="text/html", href=article.url, title=_title_of(article))
        if story.summary:
            _add(entry, "summary", story.summary)
        _add(entry, "content", story_html(story, articles), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(
        parent, f"{{{_ATOM}}}{tag}", {k: _NOT_XML.sub("", v) for k, v in attributes.items()}
    )
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def story_urn(story: Story) -> str:
    """A story's id in the feeds: stable wherever the listener is reached from."""
    return f"urn:ingest:story:{story.id}"


def story_html(story: Story, articles: Sequence[Article]) -> str:
    """A story's item body as HTML: summary, key points, sources, and its articles as links."""
    parts = [f"<p>{escape(story.summary)}</p>"] if story.summary else []
    if story.key_points:
        parts.append(
            "<h3>Key points</h3><ul>" + "".join(f"<li>{escape(p)}</li>" for p in story.key_points) + "</ul>"
        )
    if story.sources:
        parts.append(f"<p>Sources: {escape(_sources(story))}</p>")
    if articles:
        links = (
            f'<a href="{escape(a.url)}">{escape(_title_of(a))}</a> ({escape(a.source)})' for a in articles
        )
        parts.append("<h3>Articles</h3><ul>" + "".join(f"<li>{link}</li>" for link in links) + "</ul>")
    return "".join(parts)


def story_plain(story: Story, articles: Sequence[Article]) -> str:
    """The same body as plain text, for readers that show no HTML."""
    parts = [story.summary] if story.summary else []
    if story.key_points:
        parts.append("Key points\n" + "\n".join(f"  • {point}" for point in story.key_points))
    if story.sources:
        parts.append(f"Sources: {_sources(story)}")
    if articles:
        lines = (f"  {_title_of(article)} ({article.source}): {article.url}" for article in articles)
        parts.append("Articles\n" + "\n".join(lines))
    return "\n\n".join(parts)


def _sources(story: Story) -> str:
    return ", ".join(f"{domain} ({count})" for domain, count in story.sources.items())


def _title(story: Story) -> str:
    return story.title or "(untitled story)"


def _title_of(article: Article) -> str:
    return article.title or article.url
