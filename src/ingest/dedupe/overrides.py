"""A person's corrections of the deduper: records the store keeps, and the deduper replays at startup.

- split: `article_id` left story `other_story_id` for story `story_id` (one record per article moved:
  the article and its copies); no later assignment merges those two stories, the article's later
  copies follow it, and the article placed again (re-extracted) goes back to `story_id`.
- merge: story `other_story_id` was joined into story `story_id` (the survivor); any split between
  the two is lifted, and articles close to either join the survivor.
- unmark: `article_id` is not a copy of `original_id`; it is never marked a copy of that original
  again (it may still be found to copy another article).

Story ids in stored overrides must stay current: when a placement merges story `gone` into `keep`,
the store relabels `gone` to `keep` in its overrides as in its articles.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.dedupe import reasons
from ingest.dedupe.reasons import Reason

SPLIT = "split"
MERGE = "merge"
UNMARK = "unmark"
KINDS = (SPLIT, MERGE, UNMARK)


@dataclass(frozen=True, slots=True)
class Override:
    """One correction, as a row (see the module's docstring for what each kind's fields mean)."""

    kind: str
    article_id: str | None = None
    story_id: str | None = None
    other_story_id: str | None = None
    original_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown override {self.kind!r}: expected one of {', '.join(KINDS)}")

    def reason(self) -> Reason:
        """Why the articles it touched are where they are now: the story reason of a split's or a
        merge's articles, the duplicate reason of an unmarked article (it is not a copy)."""
        if self.kind == UNMARK:
            return Reason(reasons.OVERRIDE, matched=self.original_id, detail=UNMARK)
        return Reason(reasons.OVERRIDE, matched=self.story_id, via=self.other_story_id, detail=self.kind)
