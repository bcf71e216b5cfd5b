"""Records in and out of the database: the column lists come from the dataclasses, written once."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.config import parse_duration
from ingest.model import Article, FeedState, Story, WebhookState
from ingest.store.base import FEED_KEYS, FILTER_TIMES, ArticleFilter, Place
from ingest.text.dates import ISO, iso, iso_ms, parse_datetime
from ingest.text.urls import source_of

# The article record's columns, in the order of `Article` (and of every JSON line `export` writes).
ARTICLE_COLUMNS = tuple(field.name for field in dataclasses.fields(Article))
FEED_COLUMNS = tuple(field.name for field in dataclasses.fields(FeedState))
WEBHOOK_COLUMNS = tuple(field.name for field in dataclasses.fields(WebhookState))
# JSON-encoded columns: the articles table's lists, and the stories table's with what an empty one reads as.
_ARTICLE_JSON = ("tags", "keywords")
_STORY_JSON = {"sources": "{}", "key_points": "[]"}
# Where a count of microseconds starts (the fleet's times on a backend without a timestamp type).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def article_row(article: Article, entry_url: str | None) -> dict[str, Any]:
    """An article as a row of `articles`: its lists as JSON, with the entry URL it was listed under."""
    row = dataclasses.asdict(article)
    for name in _ARTICLE_JSON:
        row[name] = json.dumps(row[name], ensure_ascii=False)
    row["entry_url"] = entry_url
    return row


def article_of(row: Mapping[str, Any]) -> Article:
    """The `Article` a row of `articles` holds (other columns in the row are ignored)."""
    values = {name: row[name] for name in ARTICLE_COLUMNS}
    for name in _ARTICLE_JSON:
        values[name] = json.loads(row[name] or "[]")
    return Article(**values)


def feed_of(row: Mapping[str, Any]) -> FeedState:
    values = {name: row[name] for name in FEED_COLUMNS}
    values["lease_until"] = moment(values["lease_until"])
    return FeedState(**values)


def moment(value: datetime | int | None) -> str | None:
    """A lease's end as the records write it: ISO 8601 UTC to the millisecond (a lease is finer than the
    second that record times keep), from a backend's timestamp or its microseconds since the epoch."""
    if value is None:
        return None
    return iso_ms(value if isinstance(value, datetime) else instant(value))


def micros(at: datetime) -> int:
    """A timezone-aware time as whole microseconds since the epoch: exact to store, add and compare."""
    return (at - _EPOCH) // _MICROSECOND


def instant(value: int) -> datetime:
    """The UTC time `micros` made `value` of."""
    return _EPOCH + value * _MICROSECOND


# The parts of a story's record whose change is news to a subscriber (not the store's bookkeeping).
STORY_NEWS = ("title", "summary", "key_points", "sources", "image_url", "date")


def story_event(before: dict[str, Any] | None, after: dict[str, Any]) -> str | None:
    """The event a story's record written over `before` (its stored row) makes: story.new when it had
    none yet, story.updated when what a reader sees changed, else none."""
    if before is None or before.get("title") is None:
        return "story.new"
    return "story.updated" if any(before.get(name) != after.get(name) for name in STORY_NEWS) else None


def now_moment() -> str:
    """Now, as the records write an event's time."""
    return iso_ms(datetime.now(UTC))


def story_row(story: Story) -> dict[str, Any]:
    """The stored part of a story's record: every field but its article list, lists and maps as JSON."""
    row = dataclasses.asdict(story)
    del row["articles"]  # the articles table says which articles a story has
    for name in _STORY_JSON:
        row[name] = json.dumps(row[name], ensure_ascii=False)
    return row


def story_of(row: Mapping[str, Any], articles: list[str]) -> Story:
    """The `Story` a row of `stories` holds, with its article ids in order of publication."""
    values = {field.name: row[field.name] for field in dataclasses.fields(Story) if field.name != "articles"}
    for name, empty in _STORY_JSON.items():
        values[name] = json.loads(row[name] or empty)
    values["summary"] = row["summary"] or ""
    values["summarized_by"] = row["summarized_by"] or "extractive"
    return Story(articles=articles, **values)


def failed_page_of(row: Mapping[str, Any]) -> tuple[str, str, int, bool]:
    """A row of entry_failures as the store gives it: (URL, reason, attempts, failed for good)."""
    return row["url"], row["reason"], row["attempts"], bool(row["permanent"])


# Words of context a search hit's snippet shows around what matched.
SNIPPET_WORDS = 16


def query_words(query: str) -> list[str]:
    """A search's words, as both backends' full-text indexes split text: every one must occur in a hit."""
    return re.findall(r"\w+", query)


def fts5_query(words: Sequence[str]) -> str:
    """Words as an FTS5 query that every one of them must match: each quoted, so none is FTS5 syntax."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


@dataclasses.dataclass(frozen=True, slots=True)
class Dialect:
    """What a backend's SQL for a filter differs in: how a bound parameter is written (`mark` of its
    name: ":since", "%(since)s"), `each` the set of a JSON list column's items as rows of `value`
    ("json_each({})", "json_array_elements_text({}) AS item(value)"), and `match` the condition that an
    article ({t}) holds every word of a search, bound at {q} as `words` writes them."""

    mark: Callable[[str], str]
    each: str
    match: str
    words: Callable[[Sequence[str]], str]


# Each backend's: SQLite's FTS5 index (articles_fts), PostgreSQL's tsvector column (search), both with
# words as written (no stemming: the articles are in many languages).
SQLITE = Dialect(
    mark=":{}".format, each="json_each({})", words=fts5_query,
    match="{t}.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH {q})",
)  # fmt: skip
POSTGRES = Dialect(
    mark="%({})s".format, each="json_array_elements_text({}) AS item(value)", words=" ".join,
    match="{t}.search @@ plainto_tsquery('simple', {q})",
)  # fmt: skip


def article_conditions(
    where: ArticleFilter, sql: Dialect, table: str = "articles"
) -> tuple[list[str], dict[str, Any]]:
    """`where` as conditions on the articles table named `table`, to be joined with AND, and their
    parameters by name: values are always bound, never written into the SQL."""
    params: dict[str, Any] = {}
    conditions = _between(FILTER_TIMES[where.by].format(t=table), where, sql, params)
    if where.feeds:
        marks = _bind("feed", where.feeds, sql, params)
        named = " OR ".join(f"{key} IN ({marks})" for key in FEED_KEYS)
        conditions.append(f"{table}.feed IN (SELECT url FROM feeds WHERE {named})")
    if where.sources:
        hosts = _bind("host", [_host(source) for source in where.sources], sql, params)
        names = _bind("site", where.sources, sql, params)
        conditions.append(f"({table}.source IN ({hosts}) OR {table}.site_name IN ({names}))")
    if where.tags:
        marks = _bind("tag", where.tags, sql, params)
        items = sql.each.format(f"{table}.tags")
        conditions.append(f"EXISTS (SELECT 1 FROM {items} WHERE value IN ({marks}))")
    if where.story is not None:
        conditions.append(f"{table}.story_id = {_bind('story', [where.story], sql, params)}")
    if where.words is not None:
        words = query_words(where.words)
        # No word to look for: nothing holds it, as `search` finds nothing.
        mark = _bind("words", [sql.words(words)], sql, params) if words else None
        conditions.append(sql.match.format(t=table, q=mark) if mark else "1 = 0")
    return conditions, params


def story_conditions(
    where: ArticleFilter, sql: Dialect, table: str = "stories"
) -> tuple[list[str], dict[str, Any]]:
    """`where` as conditions on the stories table named `table` (see ArticleFilter for what each means
    of a story), to be joined with AND, and their parameters by name."""
    params: dict[str, Any] = {}
    conditions = _between(f"{table}.updated_at", where, sql, params)
    if where.story is not None:
        conditions.append(f"{table}.id = {_bind('story', [where.story], sql, params)}")
    # The rest is asked of the story's articles, under names of their own (feed0, tag0...).
    of_articles = dataclasses.replace(where, since=None, until=None, story=None)
    inner, inner_params = article_conditions(of_articles, sql, "member")
    if inner:
        members = f"SELECT 1 FROM articles member WHERE member.story_id = {table}.id"
        conditions.append(f"EXISTS ({members} {where_clause(inner, 'AND')})")
    return conditions, params | inner_params


def articles_page(where: ArticleFilter, limit: int, after: Place | None, sql: Dialect) -> tuple[str, dict]:
    """The query of a page of articles newest first (see Store.newest_articles), and its parameters: rows of
    ARTICLE_COLUMNS and their `place` time."""
    time = FILTER_TIMES[where.by].format(t="articles")
    conditions, params = article_conditions(where, sql)
    keyset, tail = _newest_first(time, "articles.id", after, limit, sql, params)
    select = f"SELECT {', '.join(ARTICLE_COLUMNS)}, {time} AS place FROM articles"
    return f"{select} {where_clause(conditions + keyset)} {tail}", params


def stories_page(where: ArticleFilter, limit: int, after: Place | None, sql: Dialect) -> tuple[str, dict]:
    """The query of a page of stories newest first (see Store.newest_stories), and its parameters: rows of
    the stories table, their `place` time their updated_at."""
    conditions, params = story_conditions(where, sql)
    keyset, tail = _newest_first("stories.updated_at", "stories.id", after, limit, sql, params)
    return f"SELECT *, updated_at AS place FROM stories {where_clause(conditions + keyset)} {tail}", params


def place_of(row: Mapping[str, Any]) -> Place:
    """A row's place in a newest-first read: the `place` time a page query selects, and its id."""
    return row["place"], row["id"]


def _newest_first(
    time: str, ident: str, after: Place | None, limit: int, sql: Dialect, params: dict[str, Any]
) -> tuple[list[str], str]:
    """A keyset page on (`time`, `ident`) descending: the condition that starts it after `after`, and
    the ORDER BY and LIMIT that end the query (their parameters added to `params`)."""
    conditions = []
    if after is not None:
        marks = _bind("after", after, sql, params)
        conditions.append(f"({time}, {ident}) < ({marks})")
    params["limit"] = limit
    return conditions, f"ORDER BY {time} DESC, {ident} DESC LIMIT {sql.mark('limit')}"


def time_bound(value: str, now: datetime, spell: Callable[[str], str]) -> str:
    """A since or until as the ISO 8601 UTC text the records hold, so that strings compare as times: an
    age (the duration parser feeds.yaml's values go through) before `now`, else a date or time (UTC
    unless it names its zone). A ValueError for people, naming it as `spell(value)` does (`--since 2h`,
    `since=2h`), with examples spelled alike."""
    try:
        return iso(now - timedelta(seconds=parse_duration(value))) or ""
    except OverflowError:
        raise ValueError(f"{spell(value)}: too long ago; give e.g. {spell('2w')}") from None
    except ValueError:
        parsed = parse_datetime(value, ISO)
    if parsed is None:
        raise ValueError(
            f"{spell(repr(value))}: give an ISO 8601 date or time, e.g. {spell('2025-06-01')} or "
            f"{spell('2025-06-01T09:30:00Z')}, or an age before now, e.g. {spell('2h')} or {spell('7d')}"
        )
    return iso(parsed) or ""


def where_clause(conditions: Sequence[str], joined: str = "WHERE") -> str:
    """Conditions as the clause a query appends: `joined` (WHERE, or AND after one) and each of them."""
    return f"{joined} {' AND '.join(conditions)}" if conditions else ""


def _between(column: str, where: ArticleFilter, sql: Dialect, params: dict[str, Any]) -> list[str]:
    """The conditions of `where`'s since (included) and until (not) on `column`."""
    conditions = []
    if where.since is not None:
        conditions.append(f"{column} >= {_bind('since', [where.since], sql, params)}")
    if where.until is not None:
        conditions.append(f"{column} < {_bind('until', [where.until], sql, params)}")
    return conditions


def _bind(name: str, values: Sequence[str], sql: Dialect, params: dict[str, Any]) -> str:
    """Bind each of `values` as a parameter of its own (name0, name1...): their marks, comma-separated."""
    params.update((f"{name}{i}", value) for i, value in enumerate(values))
    return ", ".join(sql.mark(f"{name}{i}") for i in range(len(values)))


def _host(source: str) -> str:
    """A filter's source as the records write one: the host alone, lower case, without www. (cnbc.com);
    one that is no host (a site's name, or "[" as a URL could not hold it) as it is."""
    try:
        return source_of(source if "://" in source else f"https://{source}") or source
    except ValueError:
        return source
