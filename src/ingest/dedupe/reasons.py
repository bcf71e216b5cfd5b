"""Why an article was marked a copy, or put in its story: what `show` prints and the store keeps.

A reason is plain data (method, score, what it matched), so that it can be stored as JSON beside
the article and printed long after the index that made it is gone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Near-duplicate marks.
SAME_TEXT = "same text"  # the content hash of an earlier article's text
MINHASH = "MinHash Jaccard"
# Story assignments.
NEW_STORY = "new story"
CENTROID = "cosine to the story's centroid"
RECENT = "cosine to the story's latest articles"
COPY = "copy of its original"
PLACED_BEFORE = "already placed"  # asked again about an article the clusterer holds
OVERRIDE = "override"  # a person's decision: `detail` says which (split, merge, unmark)

SHORT_ID = 8  # characters of an id that a reason prints
NAMES_SHOWN = 3
_DUPLICATE_METHODS = frozenset({SAME_TEXT, MINHASH})


@dataclass(frozen=True, slots=True)
class Reason:
    """Why one decision was taken.

    For a near-duplicate mark `matched` is the original article; for a story, the story joined (or
    started). `score` is the similarity that decided (Jaccard or cosine; for a new story, the best a
    live story reached, None when none shared a term). `via` is the article a story was reached
    through (a copy's original) or, for an override, the other story. `names` are the names the
    article shares with the story it joined, most telling first.
    """

    method: str
    score: float | None = None
    matched: str | None = None
    names: tuple[str, ...] = ()
    via: str | None = None
    # An override's kind ("split", "merge", "unmark"); for a copy, how it was recognised (a duplicate method).
    detail: str | None = None


def short(article_or_story: str) -> str:
    """An id as people read it: its first characters, and an ellipsis if there were more."""
    return article_or_story if len(article_or_story) <= SHORT_ID else article_or_story[:SHORT_ID] + "…"


def describe(reason: Reason) -> str:
    """One line for people: "duplicate of 3f2a1b9c… (MinHash Jaccard 0.91)", "joined story 8c1d2e3f…
    (cosine 0.47 to the story's centroid; shared names: Blinken, Beijing)"."""
    target = short(reason.matched) if reason.matched else "?"
    score = f" {reason.score:.2f}" if reason.score is not None else ""
    if reason.method == SAME_TEXT:
        return f"duplicate of {target} (same text)"  # the content hash: nothing to measure
    if reason.method in _DUPLICATE_METHODS:
        return f"duplicate of {target} ({reason.method}{score})"
    if reason.method == OVERRIDE:
        return _describe_override(reason, target)
    if reason.method == NEW_STORY:
        if reason.score is None:
            return f"started story {target} (new story: no live story shared its terms)"
        closest = f" ({short(reason.via)})" if reason.via else ""
        return f"started story {target} (new story: the closest live story{closest} scored cosine{score})"
    if reason.method == COPY:
        original = f" {short(reason.via)}" if reason.via else ""
        how = f": {reason.detail}{score}" if reason.detail else ""  # how the copy was recognised
        return f"joined story {target} (copy of its original{original}{how})"
    measure, _, against = reason.method.partition(" to ")
    said = f"{measure}{score} to {against}" if against else f"{reason.method}{score}"
    if reason.names:
        said += "; shared names: " + ", ".join(reason.names[:NAMES_SHOWN])
    return f"joined story {target} ({said})"


def _describe_override(reason: Reason, target: str) -> str:
    other = short(reason.via) if reason.via else "?"
    if reason.detail == "split":
        return f"moved to story {target} (override: split from story {other})"
    if reason.detail == "merge":
        return f"joined story {target} (override: story {other} merged into it)"
    if reason.detail == "unmark":
        return f"not a duplicate of {target} (override: mark cleared)"
    return f"story {target} (override)"


def to_dict(reason: Reason) -> dict[str, Any]:
    """The reason as a dict of plain fields (no empty ones), for a JSON column."""
    out: dict[str, Any] = {"method": reason.method}
    for key in ("score", "matched", "via", "detail"):
        if (value := getattr(reason, key)) is not None:
            out[key] = round(value, 4) if key == "score" else value
    if reason.names:
        out["names"] = list(reason.names)
    return out


def from_dict(data: dict[str, Any]) -> Reason:
    """The reason `to_dict` wrote; fields it does not know are ignored (a newer writer's)."""
    return Reason(
        method=str(data["method"]),
        score=float(data["score"]) if data.get("score") is not None else None,
        matched=data.get("matched"),
        names=tuple(data.get("names") or ()),
        via=data.get("via"),
        detail=data.get("detail"),
    )


def to_json(reason: Reason | None) -> str | None:
    """The reason as JSON text for the store (None stays None: no decision, nothing to explain)."""
    return None if reason is None else json.dumps(to_dict(reason), ensure_ascii=False, sort_keys=True)


def from_json(text: str | None) -> Reason | None:
    """The reason `to_json` wrote."""
    return None if not text else from_dict(json.loads(text))
