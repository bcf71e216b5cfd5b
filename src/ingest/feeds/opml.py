"""OPML subscription lists, the format every feed reader imports and exports: read with listparser,
written as OPML 2.0 with tags as folders, which Miniflux, FreshRSS and NetNewsWire import."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

import listparser

from ingest.feeds.common import plain_line, unique

# Readers' exports of thousands of feeds are a few hundred KB; past this a file is a mistake.
MAX_OPML_BYTES = 10 * 1024 * 1024
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'  # as readers write it, double quotes


class OPMLError(Exception):
    """The bytes are not a subscription list; str() says why in one line."""


@dataclass(frozen=True, slots=True)
class Outline:
    """One subscription: its feed's URL, its title, and the folders it is filed under, as tags."""

    url: str
    title: str | None = None
    tags: tuple[str, ...] = ()


def read_opml(data: bytes) -> tuple[Outline, ...]:
    """The subscriptions of an OPML document, in its order; nested folders are all tags of the feeds
    in them (News > World gives both). listparser lists a URL once, with the folders of every place the
    document lists it. OPMLError if the bytes are not OPML."""
    if len(data) > MAX_OPML_BYTES:
        raise OPMLError(f"larger than {MAX_OPML_BYTES // (1024 * 1024)} MB: not a subscription list")
    # bytes, never str: listparser takes a string for a URL to fetch
    parsed = listparser.parse(bytes(data))
    if not str(parsed.get("version", "")).startswith("opml"):
        why = parsed.get("bozo_exception")
        raise OPMLError(f"not an OPML document{f' ({why})' if why else ''}: export the subscriptions "
                        "of your reader as OPML")  # fmt: skip
    return tuple(
        Outline(
            url=feed.url,
            title=plain_line(feed.get("title")),
            tags=unique(plain_line(part) for path in feed.get("categories", ()) for part in path),
        )
        for feed in parsed.feeds
        if feed.get("url")
    )


def write_opml(outlines: Sequence[Outline], title: str, now: datetime | None = None) -> bytes:
    """An OPML 2.0 document of `outlines`: a feed with tags sits in the folder of its first tag and
    names every tag in its `category` (readers that know one folder per feed take the first)."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC), usegmt=True)
    body = ET.SubElement(opml, "body")
    folders: dict[str, ET.Element] = {}
    for outline in outlines:
        parent = body
        if outline.tags:
            first = outline.tags[0]
            if first not in folders:
                folders[first] = ET.SubElement(body, "outline", text=first, title=first)
            parent = folders[first]
        name = outline.title or outline.url
        attributes = {"type": "rss", "text": name, "title": name, "xmlUrl": outline.url}
        if len(outline.tags) > 1:
            attributes["category"] = ",".join(outline.tags)
        ET.SubElement(parent, "outline", attributes)
    ET.indent(opml, "  ")
    return (_DECLARATION + ET.tostring(opml, encoding="unicode") + "\n").encode("utf-8")
