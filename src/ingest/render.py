"""Records as people and other tools read them: JSON lines for `export` and `extract`, and the
seeds' text layouts for `show`."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from ingest.model import Article, Story
from ingest.stories.summary import article_summary


def article_record(article: Article) -> dict[str, Any]:
    """An article as the JSON outputs give it (export, webhooks): its fields in the record's order."""
    return dataclasses.asdict(article)


def article_json(article: Article, **extra: Any) -> str:
    """One article as a JSON line, its fields in the record's order; `extra` fields that are not the
    record's come first (`file` for `ingest extract`), those that are replace its values."""
    record = article_record(article)
    lead = {key: value for key, value in extra.items() if key not in record}
    record.update((key, value) for key, value in extra.items() if key in record)
    return json.dumps(lead | record, ensure_ascii=False)


def story_json(story: Story) -> str:
    """One story as a JSON line, with its article ids and its image as one object."""
    return json.dumps(story_record(story), ensure_ascii=False)


def story_record(story: Story) -> dict[str, Any]:
    """A story as the JSON outputs give it (export, webhooks): its article ids, its image as one object."""
    record = dataclasses.asdict(story)
    image = {key: record.pop(f"image_{key}") for key in ("url", "caption", "source")}
    ordered = {field: record[field] for field in ("id", "title", "date", "sources", "articles")}
    ordered |= {"summary": record["summary"], "key_points": record["key_points"]}
    ordered |= {"image": image if image["url"] else None}
    ordered |= {field: record[field] for field in ("first_seen", "updated_at", "summarized_by")}
    return ordered


def story_text(story: Story, articles: Sequence[Article]) -> str:
    """The story in the layout of seed 000: date, title, sources, image, summary, key points, articles.

    `articles` are the story's stored articles in order of publication; copies name their original."""
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
    titles = {article.id: article.title or article.source for article in articles}
    for article in articles:
        lines += [article.title or "(untitled)", ""]
        if article.duplicate_of:
            original = titles.get(article.duplicate_of, article.duplicate_of)
            lines += [f"({article.source} republished the same report as “{original}”)", ""]
        else:
            lines += [article_summary(article.text or ""), ""]
    return "\n".join(lines).rstrip() + "\n"


def article_text(article: Article, why: Sequence[str] = ()) -> str:
    """One stored article, as seeds 001-004 show one but clean: title, date, source, author, text; with
    `why`, the lines that say why it is a copy and why it is in its story, before the text."""
    lines = [article.title or "(untitled)", ""]
    lines.append(f"Date: {_day(article.published or article.fetched_at)}")
    site = article.site_name
    named = site and not site.startswith(article.source)  # "cnbc.com (CNBC)", not "cnbc.com (cnbc.com)"
    lines.append(f"Source: {article.source}" + (f" ({site})" if named else ""))
    if article.author:
        lines.append(f"Author: {article.author}")
    lines += [f"URL: {article.url}", *why, "", article.text]
    return "\n".join(lines).rstrip() + "\n"


def article_markdown(article: Article) -> str:
    """One article as Markdown: its title as a heading, a line of byline, date, source and URL, then its
    paragraphs (a list's items are already "- " lines)."""
    title = " ".join((article.title or "(untitled)").split())  # a heading is one line
    site = article.site_name
    source = article.source + (f" ({site})" if site and not site.startswith(article.source) else "")
    about = [f"By {article.author}" if article.author else "", (article.published or "")[:10], source]
    line = " · ".join(part for part in (*about, f"<{article.url}>") if part)
    return "\n".join([f"# {title}", "", f"*{line}*", "", article.text]).rstrip() + "\n"


def _day(iso_time: str | None) -> str:
    """DD-MM-YYYY, as the seeds date things, from an ISO 8601 date or time."""
    if not iso_time or len(iso_time) < 10:
        return "undated"
    year, month, day = iso_time[:10].split("-")
    return f"{day}-{month}-{year}"


def search_hit_text(article: Article, snippet: str) -> str:
    """One search hit for people: id, date and source, then the title and the words around the match."""
    when = _day(article.published or article.fetched_at)
    return f"{article.id}  {when}  {article.source}\n  {article.title or '(untitled)'}\n  {snippet}\n\n"


def search_hit_json(article: Article, snippet: str) -> str:
    """One search hit as a JSON line: the fields a person sees, and the URL."""
    hit = {
        "id": article.id,
        "published": article.published,
        "source": article.source,
        "title": article.title,
        "url": article.url,
        "snippet": snippet,
    }
    return json.dumps(hit, ensure_ascii=False) + "\n"


# What joins a list's items in one CSV cell, and a map's "key: value" pairs; no tag or keyword holds it,
# since keywords are split on ";" and sources are domains.
CSV_JOIN = "; "
# Lists of sentences, which may hold "; " themselves: one item per line of their cell instead.
_CSV_SENTENCES = frozenset({"key_points"})


def csv_header(kind: type[Article] | type[Story]) -> str:
    """The CSV header row of `kind`'s records: the record's fields, in its order (as the JSON's)."""
    return _csv_line([field.name for field in dataclasses.fields(kind)])


def csv_row(record: Article | Story) -> str:
    """One record as a CSV row under csv_header: no value is an empty cell, lists are joined with
    CSV_JOIN (key points with line breaks), a story's sources read "cnn.com: 2; bbc.co.uk: 1"."""
    cells: list[object] = []
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, dict):
            value = [f"{key}: {count}" for key, count in value.items()]
        if isinstance(value, list):
            value = ("\n" if field.name in _CSV_SENTENCES else CSV_JOIN).join(map(str, value))
        cells.append("" if value is None else value)
    return _csv_line(cells)


def _csv_line(cells: Sequence[object]) -> str:
    """One CSV line as the csv module quotes it (text with commas, quotes or line breaks is quoted)."""
    import csv
    import io

    line = io.StringIO()
    csv.writer(line).writerow(cells)
    return line.getvalue()
