"""Records as other tools read them: JSON lines for `export` and `extract`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# The article record's fields, in the order every JSON line shows them.
ARTICLE_FIELDS = (
    "id",
    "url",
    "canonical_url",
    "feed",
    "guid",
    "source",
    "site_name",
    "title",
    "description",
    "author",
    "published",
    "fetched_at",
    "language",
    "text",
    "word_count",
    "image_url",
    "image_caption",
    "tags",
    "content_hash",
    "duplicate_of",
    "story_id",
)


def article_json(record: Mapping[str, Any], **extra: Any) -> str:
    """One article as a JSON line: `extra` fields first, then the record's in their fixed order."""
    ordered = {**extra, **{field: record.get(field) for field in ARTICLE_FIELDS}}
    return json.dumps(ordered, ensure_ascii=False)
