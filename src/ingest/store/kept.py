"""What `ingest reextract` asks of a store: the kept pages in and out, records rewritten in place, and the
placements counter by which a daemon learns that another process moved articles between stories."""

from __future__ import annotations

import abc
import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ingest.model import Article, Entry, KeptPage
from ingest.store.filters import ArticleFilter
from ingest.text.dates import ISO, iso, parse_datetime

if TYPE_CHECKING:
    from ingest.dedupe.assign import Placement

# What extraction makes of a page: the columns `replace_articles` rewrites. The others are the article's
# identity (its ids, URLs and feed, when it was fetched) or its placement, which only placing changes.
EXTRACTED = (
    "source", "site_name", "title", "description", "author", "published", "language", "text",
    "word_count", "image_url", "image_caption", "tags", "keywords", "content_hash",
)  # fmt: skip
# A stored article with its kept page, and its position in the stored order (where the next batch starts).
Kept = tuple[int, Article, KeptPage]


def page_row(article_id: str, page: KeptPage, kept_at: str) -> dict[str, Any]:
    """A kept page as a row of `pages`; its entry as JSON, its times ISO 8601."""
    entry = dataclasses.asdict(page.entry)
    for name in ("published", "updated"):
        entry[name] = iso(entry[name]) if entry[name] else None
    entry["categories"] = list(entry["categories"])
    return {
        "article_id": article_id, "url": page.url, "content_type": page.content_type,
        "entry": json.dumps(entry, ensure_ascii=False), "html": page.html, "fragment": page.fragment,
        "kept_at": kept_at,
    }  # fmt: skip


def page_of(row: Mapping[str, Any]) -> KeptPage:
    entry = json.loads(row["entry"])
    for name in ("published", "updated"):
        entry[name] = parse_datetime(entry[name], ISO) if entry[name] else None
    entry["categories"] = tuple(entry["categories"])
    html, fragment = bytes(row["html"]), bool(row["fragment"])
    return KeptPage(row["url"], row["content_type"], Entry(**entry), html, fragment)


def placed_stories(placements: Iterable[tuple[Article, Placement]]) -> set[str]:
    """The stories a batch of placements leaves articles in: each one's story, and the survivors of its
    merges, less the stories merged away. Their bookkeeping is recounted once the batch is written."""
    placed: set[str] = set()
    for _, placement in placements:
        for gone, keep in placement.merges:
            placed.discard(gone)
            placed.add(keep)
        placed.add(placement.story_id)
    return placed


class KeptPages(abc.ABC):
    """The store's placements and its part in re-extraction, on either backend."""

    @abc.abstractmethod
    def place(self, placements: Iterable[tuple[Article, Placement]]) -> None:
        """Write the original and story decided for articles stored without them, in one transaction."""

    @abc.abstractmethod
    def kept_pages(self, where: ArticleFilter, *, after: int, limit: int) -> list[Kept]:
        """Up to `limit` stored articles matching `where` that have a kept page, with the page, in the order
        they were stored after position `after` (the first item of the last batch's last tuple)."""

    @abc.abstractmethod
    def articles_without_page(self, where: ArticleFilter) -> int:
        """How many articles matching `where` have no kept page (fetched before pages were kept, or
        longer ago than `keep_html`): `reextract` cannot do them, and says so."""

    @abc.abstractmethod
    def replace_articles(self, articles: Sequence[Article]) -> None:
        """Rewrite the EXTRACTED columns of stored articles (by id) in one transaction; their stories go
        stale, so that their records are summarised again."""

    @abc.abstractmethod
    def replace_placements(self, placements: Sequence[tuple[Article, Placement]]) -> None:
        """Place stored articles again (their text changed): their fingerprints and stories as `place`
        writes them, their old stories' counts lowered (an emptied story deleted), in one transaction that
        also moves the placements counter on."""

    @abc.abstractmethod
    def placements_counter(self) -> int:
        """Moved on by every change to placements made outside the daemon that placed them: a deduper
        loaded at another value is out of date."""

    @abc.abstractmethod
    def prune_pages(self, before: str) -> int:
        """Forget the pages kept before `before` (ISO 8601); how many."""
