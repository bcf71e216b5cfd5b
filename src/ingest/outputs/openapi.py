"""The read API described as OpenAPI 3.1, as data: every endpoint on the listener, its parameters and
what it answers. The API serves this document at /api/openapi.json and checks its query parameters
against it; the records' schemas are read from the dataclasses the records are made of, so a field added
to a record is described with it."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from ingest.model import Article, Story
from ingest.outputs.feeds import ATOM_TYPE, FEED_ITEMS, JSON_FEED_TYPE, JSON_FEED_VERSION

API_VERSION = "1"
# Records a list gives when it is not told how many, and the most it gives.
PAGE_SIZE = 50
MAX_PAGE = 200
# What since and until take, as the parameters' descriptions say.
WHEN = (
    "an ISO 8601 date or time (2025-06-01, 2025-06-01T09:30:00Z; UTC unless it names its zone) or an age "
    "before now (30m, 2h, 7d, 2w)"
)

_JSON = "application/json"
_TEXT = "text/plain"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _schema_of(hint: Any) -> dict[str, Any]:
    """The JSON Schema of a field's type as the records write it (str | None: a string or null)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        kinds = [_schema_of(arg)["type"] for arg in typing.get_args(hint)]
        return {"type": kinds}
    origin = typing.get_origin(hint)
    if origin is list:
        return {"type": "array", "items": _schema_of(typing.get_args(hint)[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema_of(typing.get_args(hint)[1])}
    names = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
    return {"type": names[hint]}


def record_schema(kind: type, **fields: dict[str, Any] | None) -> dict[str, Any]:
    """An object with the dataclass `kind`'s fields, each required; `fields` add to them or replace
    them (a None schema drops a field)."""
    hints = typing.get_type_hints(kind)
    properties = {field.name: _schema_of(hints[field.name]) for field in dataclasses.fields(kind)}
    properties |= fields
    properties = {name: schema for name, schema in properties.items() if schema is not None}
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _story_schema() -> dict[str, Any]:
    """A story as render.story_record gives it: its image's three fields as one object, or null."""
    image = record_schema(Story)["properties"]
    picture = {
        "type": "object",
        "properties": {key: image[f"image_{key}"] for key in ("url", "caption", "source")},
    }
    dropped: dict[str, Any] = {f"image_{key}": None for key in ("url", "caption", "source")}
    return record_schema(Story, **dropped, image={"oneOf": [picture, {"type": "null"}]})


def _page(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref(item)},
            "next": {"type": ["string", "null"], "description": "the next page's URL; null on the last"},
        },
        "required": ["items", "next"],
    }


def _answers(ok: dict[str, Any], *errors: str) -> dict[str, Any]:
    """The responses of an operation: 200 as `ok` says, then the errors it can give, by status."""
    said = {
        "400": "a query parameter or id is not valid: the body names it and says what is",
        "401": "no token, or the wrong one (when api_token_env is set)",
        "404": "no record with that id",
        "503": "the database does not answer",
    }
    error = {"content": {_JSON: {"schema": _ref("Error")}}}
    return {"200": ok} | {
        status: {"description": said[status], **error} for status in (*errors, "401", "503")
    }


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


def _parameter(
    name: str, schema: dict[str, Any], description: str, where: str = "query", example: object = None
) -> dict[str, Any]:
    given = {"name": name, "in": where, "required": where == "path", "schema": schema}
    return given | {"description": description} | ({"example": example} if example is not None else {})


_LIST_PARAMETERS = [
    _parameter("since", {"type": "string"}, f"only records at or after this time: {WHEN}", example="7d"),
    _parameter("until", {"type": "string"}, f"only records before this time: {WHEN}", example="2030-01-01"),
    {**_parameter("source", {"type": "array", "items": {"type": "string"}},
                  "only records from this site (a story: with an article from it): its host (bbc.co.uk) "
                  "or site name (BBC News); given more than once, any of them", example=["bbc.co.uk"]),
     "style": "form", "explode": True},
    _parameter("q", {"type": "string"}, "full text: every word in an article's title or text",
               example="veto"),
    _parameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": PAGE_SIZE},
               f"records per page, 1 to {MAX_PAGE}", example=20),
    _parameter("cursor", {"type": "string"}, "where the page starts: as the previous page's `next` gives it"),
]  # fmt: skip
# The query parameters of /api/stories and /api/articles, which the API checks a request's against.
LIST_PARAMETERS = tuple(parameter["name"] for parameter in _LIST_PARAMETERS)
REPEATABLE = tuple(
    parameter["name"] for parameter in _LIST_PARAMETERS if parameter["schema"]["type"] == "array"
)


def _list(summary: str, item: str, description: str) -> dict[str, Any]:
    ok = _json("a page of records, newest first", _ref(f"{item}Page"))
    return {"get": {"summary": summary, "description": description, "parameters": _LIST_PARAMETERS,
                    "responses": _answers(ok, "400")}}  # fmt: skip


def _one(summary: str, schema: dict[str, Any]) -> dict[str, Any]:
    id_ = _parameter("id", {"type": "string", "minLength": 1}, "the record's id, or its start", "path")
    return {
        "get": {
            "summary": summary,
            "parameters": [id_],
            "responses": _answers(_json(summary, schema), "400", "404"),
        }
    }


def _feed(summary: str, media: str, schema: dict[str, Any]) -> dict[str, Any]:
    ok = {"description": summary, "content": {media: {"schema": schema}}}
    return {"get": {"summary": summary, "responses": _answers(ok)}}


def _plain(summary: str, *statuses: str) -> dict[str, Any]:
    text = {"content": {_TEXT: {"schema": {"type": "string"}}}}
    return {"get": {"summary": summary, "security": [], "responses": {s: {"description": summary, **text}
                                                                         for s in statuses}}}  # fmt: skip


def document(feed_row: type) -> dict[str, Any]:
    """The OpenAPI document of the listener; `feed_row` the dataclass of /api/feeds' rows (ingest feeds
    --json's)."""
    json_feed = {
        "type": "object",
        "required": ["version", "title", "items"],
        "properties": {"version": {"const": JSON_FEED_VERSION}, "title": {"type": "string"},
                       "items": {"type": "array", "items": {"type": "object", "required": ["id"]}}},
    }  # fmt: skip
    schemas = {
        "Article": record_schema(Article),
        "Story": _story_schema(),
        "Feed": record_schema(feed_row),
        "StoryPage": _page("Story"),
        "ArticlePage": _page("Article"),
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "string"}, "parameter": {"type": "string"}},
        },
    }
    story = {
        "type": "object",
        "properties": {"story": _ref("Story"), "articles": {"type": "array", "items": _ref("Article")}},
        "required": ["story", "articles"],
    }
    feeds = {
        "type": "object",
        "properties": {"items": {"type": "array", "items": _ref("Feed")}},
        "required": ["items"],
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ingest read API",
            "version": API_VERSION,
            "description": "Read-only: the stored stories and articles, as `ingest export` writes them, the "
            "feeds' health, and the stories as JSON Feed and Atom feeds.",
        },  # fmt: skip
        "security": [{"bearer": []}, {}],  # a token only when feeds.yaml sets api_token_env
        "paths": {
            "/api/stories": _list(
                "stories, most recently updated first",
                "Story",
                "since and until apply to a story's last update; source and q to its articles",
            ),
            "/api/stories/{id}": _one("one story, with its articles' records", story),
            "/api/articles": _list(
                "articles, newest first",
                "Article",
                "since and until apply to the published date, or for an undated article "
                "to when it was fetched",
            ),
            "/api/articles/{id}": _one("one article", _ref("Article")),
            "/api/feeds": {
                "get": {
                    "summary": "every feed's health, as ingest feeds --json gives it",
                    "responses": _answers(_json("the feeds", feeds)),
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "this document",
                    "responses": _answers(_json("this document", {"type": "object"})),
                }
            },
            "/feeds/stories.json": _feed(
                f"the {FEED_ITEMS} latest stories as a JSON Feed 1.1", JSON_FEED_TYPE, json_feed
            ),
            "/feeds/stories.xml": _feed(
                f"the {FEED_ITEMS} latest stories as an Atom 1.0 feed", ATOM_TYPE, {"type": "string"}
            ),
            "/healthz": _plain("whether the daemon runs and its database answers", "200", "503"),
            "/metrics": _plain("Prometheus metrics", "200"),
        },  # fmt: skip
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
