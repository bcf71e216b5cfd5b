"""The store's placements: where each article went and why, the corrections people made (split, merge,
unmark), the kept pages and rewritten records of `ingest reextract`, and the placements counter by which
a daemon learns that another process moved articles between stories."""

from __future__ import annotations

import abc
import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ingest.dedupe.overrides import SPLIT, Override
from ingest.dedupe.reasons import Reason, to_json
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
# The columns that say why an article is a copy and why it is in its story (JSON: dedupe/reasons.py).
REASON_COLUMNS = ("duplicate_reason", "story_reason")
OVERRIDE_COLUMNS = ("kind", "article_id", "story_id", "other_story_id", "original_id")
# A stored article with its kept page, and its position in the stored order (where the next batch starts).
Kept = tuple[int, Article, KeptPage]


def reasons_row(placement: Placement | None) -> dict[str, str | None]:
    """A placement's reasons as the articles table keeps them."""
    if placement is None:
        return dict.fromkeys(REASON_COLUMNS)
    return {name: to_json(getattr(placement, name)) for name in REASON_COLUMNS}


def override_rows(override: Override, moved: Sequence[str], at: str) -> list[dict[str, Any]]:
    """The rows a correction keeps: a split's, one per article it moved (each is kept in the new story,
    copies too); any other's, one."""
    split = override.kind == SPLIT
    made = [dataclasses.replace(override, article_id=m) for m in moved] if split else [override]
    return [{name: getattr(o, name) for name in OVERRIDE_COLUMNS} | {"at": at} for o in made]


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


class Placing(abc.ABC):
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
    def reasons(self, article_id: str) -> tuple[Reason | None, Reason | None]:
        """Why the article is a copy (None: it is not, or it was placed before reasons were kept) and why
        it is in its story."""

    @abc.abstractmethod
    def overrides(self) -> list[Override]:
        """The corrections people made, oldest first, their story ids current: what a deduper replays."""

    @abc.abstractmethod
    def correct(self, override: Override) -> list[str]:
        """Apply a person's correction and keep it, in one transaction that moves the placements counter
        on: split moves the article and its copies to the override's story, merge folds its other story
        into its story, unmark clears the article's copy mark (and its fingerprint's, so the index takes
        it for an original). The moved articles' reason is the override's. The ids of the articles it
        changed."""

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
