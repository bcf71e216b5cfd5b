"""Records as people and other tools read them: JSON lines for `export` and `extract`, and the
seeds' text layouts for `show`."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ingest.model import Story
from ingest.stories.summary import article_summary

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


def story_json(story: Story) -> str:
    """One story as a JSON line, with its article ids and its image as one object."""
    record = dataclasses.asdict(story)
    image = {key: record.pop(f"image_{key}") for key in ("url", "caption", "source")}
    ordered = {field: record[field] for field in ("id", "title", "date", "sources", "articles")}
    ordered |= {"summary": record["summary"], "key_points": record["key_points"]}
    ordered |= {"image": image if image["url"] else None}
    ordered |= {field: record[field] for field in ("first_seen", "updated_at", "summarized_by")}
    return json.dumps(ordered, ensure_ascii=False)


def story_text(story: Story, articles: Sequence[Mapping[str, Any]]) -> str:
    """The story in the layout of seed 000: date, title, sources, image, summary, key points, articles.

    `articles` are the story's stored rows in order of publication; copies name their original."""
    day = _day(story.date)
    lines = [day, "", story.title or "(untitled story)", "", f"Date: {day}"]
    lines.append("Sources: " + " | ".join(f"{domain}: {n}" for domain, n in story.sources.items()))
    if story.image_url:
        lines += [f"Image for story {story.id}", f"Image Source: {story.image_url}", ""]
        lines += [f"Source: {story.image_source or ''}", ""]
        if story.image_caption:
            lines += [f"Image content: {story.image_caption}", ""]
    else:
        lines.append("")
    lines += ["Summary", "", story.summary, "", "Key Points", ""]
    lines += [f"  • {point}" for point in story.key_points]
    lines += ["", "Articles in this Cluster", ""]
    titles = {row["id"]: row["title"] or row["source"] for row in articles}
    for row in articles:
        lines += [row["title"] or "(untitled)", ""]
        if row["duplicate_of"]:
            original = titles.get(row["duplicate_of"], row["duplicate_of"])
            lines += [f"({row['source']} republished the same report as “{original}”)", ""]
        else:
            lines += [article_summary(row["text"] or ""), ""]
    return "\n".join(lines).rstrip() + "\n"


def article_text(record: Mapping[str, Any]) -> str:
    """One stored article, as seeds 001-004 show one but clean: title, date, source, author, text."""
    lines = [record["title"] or "(untitled)", ""]
    lines.append(f"Date: {_day(record['published'] or record['fetched_at'])}")
    site = record["site_name"]
    named = site and not site.startswith(record["source"])  # "cnbc.com (CNBC)", not "cnbc.com (cnbc.com)"
    lines.append(f"Source: {record['source']}" + (f" ({site})" if named else ""))
    if record["author"]:
        lines.append(f"Author: {record['author']}")
    lines += [f"URL: {record['url']}", "", record["text"]]
    return "\n".join(lines).rstrip() + "\n"


def _day(iso_time: str | None) -> str:
    """DD-MM-YYYY, as the seeds date things, from an ISO 8601 date or time."""
    if not iso_time or len(iso_time) < 10:
        return "undated"
    year, month, day = iso_time[:10].split("-")
    return f"{day}-{month}-{year}"
