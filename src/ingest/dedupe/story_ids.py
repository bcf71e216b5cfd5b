"""What a new story is called: after its first article, as every story is, unless that name is taken."""

from __future__ import annotations

import hashlib
from collections.abc import Callable


def new_story_id(article_id: str, taken: Callable[[str], bool]) -> str:
    """The article's own id, else (the article started a story it is now leaving: a split, or placed
    again after re-extraction) the first of ids made from it that is not `taken`, as long as its own."""
    candidate, n = article_id, 0
    while taken(candidate):
        n += 1
        candidate = hashlib.sha256(f"{article_id}/{n}".encode()).hexdigest()[: len(article_id)]
    return candidate
