"""Where each new article belongs: which earlier article it copies, and which story it joins.

One `Deduper` per process owns the near-duplicate index and the story clusterer. It is pure and
in-memory; the store writes what `place` decides, and gives back the rows to rebuild it after a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ingest.dedupe.clusters import WINDOW_DAYS, StoryArticle, StoryClusterer
from ingest.dedupe.neardup import FingerprintRow, NearDuplicateIndex
from ingest.dedupe.shingles import Sketch
from ingest.model import Article
from ingest.text.dates import ISO, parse_datetime

# Articles replayed into the clusterer at startup: those of the last window, when stories can still grow.
REPLAY_DAYS = WINDOW_DAYS


@dataclass(frozen=True, slots=True)
class Placement:
    """What `place` decided for one article; the store writes all of it in the article's transaction."""

    duplicate_of: str | None
    story_id: str
    merges: list[tuple[str, str]] = field(default_factory=list)  # (absorbed story, surviving story)
    fingerprint: FingerprintRow | None = None  # the article's new index row, None if not indexed


class Deduper:
    """The process's near-duplicate index and story clusterer, fed one stored article at a time."""

    def __init__(
        self, index: NearDuplicateIndex | None = None, clusterer: StoryClusterer | None = None
    ) -> None:
        self.index = index or NearDuplicateIndex()
        self.clusterer = clusterer or StoryClusterer()
        # Indexed originals -> their story: a copy of an article older than the clusterer's window
        # still joins its original's story.
        self._story_of_original: dict[str, str] = {}
        self._merged_into: dict[str, str] = {}

    @classmethod
    def rebuild(
        cls, fingerprints: Iterable[tuple[FingerprintRow, str | None]], recent: Iterable[Article]
    ) -> Deduper:
        """A deduper from stored state: fingerprint rows with their article's story (in order of arrival),
        and the last window's articles, oldest first."""
        rows = []
        stories = {}
        for row, story_id in fingerprints:
            rows.append(row)
            if story_id and row.duplicate_of is None:
                stories[row.article_id] = story_id
        deduper = cls(NearDuplicateIndex.from_rows(rows))
        deduper._story_of_original = stories
        for article in recent:
            # Copies added nothing to their story's vector when they were assigned; they add nothing now.
            if article.story_id and not article.duplicate_of:
                deduper.clusterer.restore(story_article(article), article.story_id)
        return deduper

    def place(
        self,
        article: Article,
        same_text: tuple[str, str | None] | None = None,
        sketch: Sketch | None = None,
    ) -> Placement:
        """Decide the article's original and story. `same_text` is a stored article with the very same
        text (found by content hash), as (its original's id, that original's story): no index needed.
        `sketch` is the text's near-duplicate sketch if it was made elsewhere (in a worker)."""
        if same_text is not None:
            original, fingerprint = same_text[0], None
        else:
            original = self.index.add(article.id, article.text, sketch)
            fingerprint = self.index.row(article.id)
        story = None
        if original is not None:
            if self.clusterer.story_of(original) is not None:
                # Through the clusterer, so the copy keeps its story live.
                story = self.clusterer.assign(story_article(article, duplicate_of=original))
            else:
                known = self._story_of_original.get(original) or (same_text[1] if same_text else None)
                story = self._follow(known) if known else None
        if story is None:
            story = self.clusterer.assign(story_article(article))
        if original is None and fingerprint is not None:
            self._story_of_original[article.id] = story
        merges = self.clusterer.pop_merges()
        for gone, keep in merges:
            self._merged_into[gone] = keep
        return Placement(original, story, merges, fingerprint)

    def _follow(self, story: str) -> str:
        while story in self._merged_into:
            story = self._merged_into[story]
        return story


def story_article(article: Article, duplicate_of: str | None = None) -> StoryArticle:
    """What clustering needs of an article; dated when published, else when fetched."""
    when = _parse(article.published) or _parse(article.fetched_at)
    if when is None:
        raise ValueError(f"article {article.id} has neither a published nor a fetched time")
    return StoryArticle(
        id=article.id,
        title=article.title or "",
        text=article.text or "",
        published=when,
        source=article.source or "",
        duplicate_of=duplicate_of,
    )


def _parse(value: str | None) -> datetime | None:
    return parse_datetime(value, ISO)
