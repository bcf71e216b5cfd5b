"""Where each new article belongs: which earlier article it copies, and which story it joins.

One `Deduper` per process owns the near-duplicate index and the story clusterer. It is pure and
in-memory; the store writes what `place` decides, and gives back the rows to rebuild it after a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ingest.dedupe import reasons
from ingest.dedupe.clusters import WINDOW_DAYS, Assignment, StoryArticle, StoryClusterer
from ingest.dedupe.neardup import FingerprintRow, NearDuplicateIndex
from ingest.dedupe.overrides import MERGE, SPLIT, UNMARK, Override
from ingest.dedupe.reasons import Reason
from ingest.dedupe.shingles import Sketch
from ingest.model import Article
from ingest.text.dates import ISO, parse_datetime

# Articles replayed into the clusterer at startup: those of the last window, when stories can still grow.
REPLAY_DAYS = WINDOW_DAYS


@dataclass(frozen=True, slots=True)
class Placement:
    """What `place` decided for one article; the store writes all of it in the article's transaction,
    the reasons as JSON text (reasons.to_json)."""

    duplicate_of: str | None
    story_id: str
    merges: list[tuple[str, str]] = field(default_factory=list)  # (absorbed story, surviving story)
    fingerprint: FingerprintRow | None = None  # the article's new index row, None if not indexed
    duplicate_reason: Reason | None = None  # why it is a copy of `duplicate_of` (None: it is not)
    story_reason: Reason | None = None  # why it is in `story_id`


class Deduper:
    """The process's near-duplicate index and story clusterer, fed one stored article at a time, and
    bound by the overrides people made (overrides.py): `split`, `merge` and `unmark` apply one now,
    `rebuild` replays the stored ones."""

    def __init__(
        self, index: NearDuplicateIndex | None = None, clusterer: StoryClusterer | None = None
    ) -> None:
        self.index = index or NearDuplicateIndex()
        self.clusterer = clusterer or StoryClusterer()
        # Indexed originals -> their story: a copy of an article older than the clusterer's window
        # still joins its original's story.
        self._story_of_original: dict[str, str] = {}
        self._merged_into: dict[str, str] = {}
        self._not_copies_of: dict[str, set[str]] = {}  # article -> originals it must not be marked a copy of
        self._pinned: dict[str, str] = {}  # article -> the story a split put it in

    @classmethod
    def rebuild(
        cls,
        fingerprints: Iterable[tuple[FingerprintRow, str | None]],
        recent: Iterable[Article],
        overrides: Iterable[Override] = (),
    ) -> Deduper:
        """A deduper from stored state: fingerprint rows with their article's story (in order of arrival),
        the last window's articles, oldest first, and the stored overrides, oldest first (their effect
        on stories and marks is in the rows already; what is replayed is what binds later articles)."""
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
        for override in overrides:
            deduper._replay(override)
        return deduper

    def place(
        self,
        article: Article,
        same_text: tuple[str, str | None] | None = None,
        sketch: Sketch | None = None,
        *,
        near_duplicates: bool = True,
    ) -> Placement:
        """Decide the article's original and story, and why. `same_text` is a stored article with the very
        same text (found by content hash), as (its original's id, that original's story): no index needed.
        `sketch` is the text's near-duplicate sketch if it was made elsewhere (in a worker).

        With `near_duplicates` False (its feed opted out of the collapse) the article is never marked a
        copy and is indexed as an original, but a copy still joins its original's story."""
        refused = self._not_copies_of.get(article.id, set())
        if same_text is not None and same_text[0] not in refused:
            original, fingerprint, how = same_text[0], None, Reason(reasons.SAME_TEXT, 1.0, same_text[0])
        else:
            same_text = None
            original, score = self.index.match(
                article.id, article.text, sketch, mark=near_duplicates, not_copies_of=refused
            )
            fingerprint = self.index.row(article.id)
            how = Reason(reasons.MINHASH, score, original) if original else None
        assignment = self._pinned_story(article, original if near_duplicates else None)
        if assignment is None and original is not None:
            assignment = self._copy_story(article, original, how, same_text[1] if same_text else None)
        if assignment is None:
            assignment = self.clusterer.place(story_article(article))
        if (original is None or not near_duplicates) and fingerprint is not None:
            self._story_of_original[article.id] = assignment.story_id
        merges = self.clusterer.pop_merges()
        for gone, keep in merges:
            self._merged_into[gone] = keep
        if not near_duplicates:
            original, how = None, None
        return Placement(original, assignment.story_id, merges, fingerprint, how, assignment.reason)

    def split(
        self, article_ids: Iterable[str], new_story_id: str, from_story_id: str | None = None
    ) -> list[Override]:
        """Detach the articles (an article and its copies: the caller lists them) into `new_story_id`, a
        story of their own. From now on no assignment merges it with the story they left
        (`from_story_id`, else the one the clusterer knows), later copies of them join it, and placed
        again (re-extracted) they go back to it. The records to store, one per article; each one's
        `reason()` is its article's new story reason."""
        ids = list(article_ids)
        left = self.clusterer.split(ids, new_story_id)
        if from_story_id is not None:
            from_story_id = self._follow(from_story_id)
            self.clusterer.keep_apart(from_story_id, new_story_id)
        elif left:
            from_story_id = sorted(left)[0]
        for article_id in ids:
            self._pinned[article_id] = new_story_id
            if article_id in self._story_of_original:
                self._story_of_original[article_id] = new_story_id
        return [Override(SPLIT, article_id, new_story_id, from_story_id) for article_id in ids]

    def merge(self, a: str, b: str) -> str:
        """Join story `b` into story `a`, lifting any split between them: the surviving id (`a`, or the
        story `a` was merged into since). Store Override(MERGE, story_id=survivor, other_story_id=b) and
        relabel b's articles."""
        keep = self.clusterer.merge(self._follow(a), self._follow(b))
        self.clusterer.pop_merges()  # the caller relabels b itself
        gone = self._follow(b)
        if gone != keep:
            self._merged_into[gone] = keep
        return keep

    def unmark(self, article_id: str, original_id: str | None = None) -> Override:
        """Clear the article's near-duplicate mark: it is never again marked a copy of `original_id` (by
        default the original its index row names; the store's `duplicate_of` for a copy by content hash,
        which has no row), and the index treats it as an original (write `index.row(article_id)` again).
        It stays in its story; `split` moves it. The record to store; its `reason()` is the article's
        new duplicate reason."""
        row = self.index.row(article_id)
        original_id = original_id or (row.duplicate_of if row else None)
        if original_id is None:
            raise ValueError(f"article {article_id} is not marked a copy here: name its original")
        self._not_copies_of.setdefault(article_id, set()).add(original_id)
        if self.index.unmark(article_id) is not None and (story := self.clusterer.story_of(article_id)):
            self._story_of_original.setdefault(article_id, story)
        return Override(UNMARK, article_id, original_id=original_id)

    def _copy_story(
        self, article: Article, original: str, how: Reason | None, stored_story: str | None
    ) -> Assignment | None:
        """A copy's story: its original's, through the clusterer while that story is live (so the copy
        keeps it live), else as placed before; None if the original's story is not known."""
        if self.clusterer.story_of(original) is not None:
            return self.clusterer.place(story_article(article, duplicate_of=original), how)
        known = self._story_of_original.get(original) or stored_story
        if not known:
            return None
        story = self._follow(known)
        score, method = (how.score, how.method) if how else (None, None)
        return Assignment(story, Reason(reasons.COPY, score, story, via=original, detail=method))

    def _pinned_story(self, article: Article, original: str | None) -> Assignment | None:
        """The story a split put the article in, if one did: placed again, it goes back there."""
        if (pinned := self._pinned.get(article.id)) is None:
            return None
        story = self._follow(pinned)
        if self.clusterer.story_of(article.id) is None and original is None:
            self.clusterer.restore(story_article(article), story)  # a copy adds nothing, as always
        return Assignment(story, Override(SPLIT, article.id, story).reason())

    def _replay(self, override: Override) -> None:
        if override.kind == SPLIT and override.story_id:
            if override.article_id:
                self._pinned[override.article_id] = override.story_id
            if override.other_story_id:
                self.clusterer.keep_apart(override.other_story_id, override.story_id)
        elif override.kind == MERGE and override.story_id and override.other_story_id:
            self.merge(override.story_id, override.other_story_id)
        elif override.kind == UNMARK and override.article_id and override.original_id:
            self._not_copies_of.setdefault(override.article_id, set()).add(override.original_id)

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
        lang=article.language or "en",
    )


def _parse(value: str | None) -> datetime | None:
    return parse_datetime(value, ISO)
