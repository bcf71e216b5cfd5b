"""feeds.yaml -> typed, validated configuration; every error names the file, line and key.

The tables below say which keys exist at each level and how each value is parsed (values.py); the
YAML itself is read by nodes.py, which locates every problem.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ingest import defaults
from ingest.config.hooks import parse_webhooks
from ingest.config.nodes import (
    _NULL,
    _SEQ,
    _check,
    _compose,
    _field,
    _Invalid,
    _mapping,
    _node_kind,
    _read,
    _scalar,
    _strings,
)
from ingest.config.types import Config, ConfigError, FeedConfig, SummarizerConfig
from ingest.config.values import (
    _bool,
    _dedupe_key,
    _duration,
    _env_name,
    _int,
    _size,
    _text,
    _url,
    parse_database,
    parse_keep,
    parse_listen,
    parse_selector,
)

_tags = _strings(_text, "a list of strings")


_FEED_FIELDS: dict[str, Callable[[Node, str], object]] = {
    "interval": _field(_duration(1.0)),
    "full_text": _field(_bool),
    "allow_private": _field(_bool),
    "robots": _field(_bool),
    "near_duplicates": _field(_bool),
    "tags": _tags,
    "timeout": _field(_duration(0.001)),
    "connect_timeout": _field(_duration(0.001)),
    "max_bytes": _field(_size),
    "max_redirects": _field(_int(0)),
    "max_entries": _field(_int(1)),
    "parse_timeout": _field(_duration(0.001)),
    "max_elements": _field(_int(1)),
    "remove": _strings(parse_selector, "a list of CSS selectors"),
}
# Old names still read, so that no feeds.yaml breaks: old -> current.
_RENAMED = {"extract_timeout": "parse_timeout"}  # it bounds feed parsing as well as page extraction
# Settings that add up: a feed's own come after those of `defaults`.
_MERGED = ("tags", "remove")


_TOP_FIELDS: dict[str, Callable[[Node, str], object]] = {
    "max_connections": _field(_int(1)),
    "max_per_host": _field(_int(1)),
    "user_agent": _field(_text),
    "min_host_gap": _field(_duration(0.0)),
    "shutdown_grace": _field(_duration(0.0)),
    "lease": _field(_duration(1.0)),
    "listen": _field(parse_listen),
    "api_token_env": _field(_env_name),
    "workers": _field(_int(1)),
    "keep_html": _field(parse_keep),
}
_TOP_KEYS = {"database", "defaults", "feeds", "summarizer", "webhooks", *_TOP_FIELDS}


_SUMMARIZER_FIELDS: dict[str, Callable[[Node, str], object]] = {
    "base_url": _field(_url),
    "model": _field(_text),
    "api_key_env": _field(_env_name),
    "timeout": _field(_duration(0.001)),
}


def _summarizer(node: Node) -> SummarizerConfig:
    pairs = _mapping(node, "summarizer", set(_SUMMARIZER_FIELDS))
    for required in ("base_url", "model"):
        if required not in pairs:
            raise _Invalid(node, f"summarizer.{required}", "required key is missing")
    settings = {
        name: parse(pairs[name][1], f"summarizer.{name}")
        for name, parse in _SUMMARIZER_FIELDS.items()
        if name in pairs
    }
    return SummarizerConfig(**settings)  # type: ignore[arg-type]


def _settings(key: str, pairs: dict[str, tuple[Node, Node]]) -> dict[str, object]:
    """The per-feed settings among `pairs`, parsed, under their current names."""
    settings: dict[str, object] = {}
    for written, (key_node, value_node) in pairs.items():
        name = _RENAMED.get(written, written)
        if name not in _FEED_FIELDS:
            continue
        if name in settings:
            raise _Invalid(key_node, f"{key}.{written}", f"{written} is the old name of {name}: give only {name}")
        settings[name] = _FEED_FIELDS[name](value_node, f"{key}.{written}")
    return settings


def _defaults(node: Node) -> dict[str, object]:
    if isinstance(node, ScalarNode) and node.tag == _NULL:
        return {}  # `defaults:` with everything under it commented out
    return _settings("defaults", _mapping(node, "defaults", {*_FEED_FIELDS, *_RENAMED}))


# What a feed entry polls: a feed (RSS, Atom, JSON Feed), or a sitemap whose pages are its entries.
_SOURCES = ("url", "sitemap")


def _feed(node: Node, key: str, shared: dict[str, object]) -> FeedConfig:
    """One item of `feeds`: a URL string, or a mapping whose settings override `shared` (those under
    `defaults:`)."""
    if isinstance(node, ScalarNode) and isinstance(_scalar(node, key), str):
        url = _check(_url, node, key)
        name = urlsplit(url).hostname
        return FeedConfig(url=url, name=name, **shared)  # type: ignore[arg-type]
    if not isinstance(node, MappingNode):
        raise _Invalid(node, key, f"expected a URL or a mapping with a url, got {_node_kind(node)}")
    pairs = _mapping(node, key, {*_SOURCES, "name", "body", *_FEED_FIELDS, *_RENAMED})
    given = [source for source in _SOURCES if source in pairs]
    if len(given) != 1:
        problem = "required key is missing" if not given else "give url or sitemap, not both"
        raise _Invalid(node, f"{key}.url", f"{problem} (url: a feed's address; sitemap: a sitemap's)")
    url = _check(_url, pairs[given[0]][1], f"{key}.{given[0]}")
    name = urlsplit(url).hostname
    if "name" in pairs:
        name = _check(_text, pairs["name"][1], f"{key}.name")
    own = _settings(key, pairs)
    for merged in _MERGED:
        values = (*shared.get(merged, ()), *own.get(merged, ()))  # type: ignore[misc]
        own[merged] = tuple(dict.fromkeys(values))
    if "body" in pairs:  # one site's markup: not a default for every feed
        own["body"] = _check(parse_selector, pairs["body"][1], f"{key}.body")
    own["sitemap"] = given[0] == "sitemap"
    return FeedConfig(url=url, name=name, **{**shared, **own})  # type: ignore[arg-type]


def _feeds(node: Node, shared: dict[str, object]) -> tuple[FeedConfig, ...]:
    if not isinstance(node, SequenceNode) or node.tag != _SEQ:
        raise _Invalid(node, "feeds", f"expected a list of feeds, got {_node_kind(node)}")
    feeds: list[FeedConfig] = []
    seen: dict[tuple[str, ...], int] = {}
    for i, item in enumerate(node.value):
        feed = _feed(item, f"feeds[{i}]", shared)
        first = seen.setdefault(_dedupe_key(feed.url), i)
        if first != i:
            line = node.value[first].start_mark.line + 1
            problem = f"duplicate of feeds[{first}] on line {line} ({feed.url})"
            raise _Invalid(item, f"feeds[{i}]", problem)
        feeds.append(feed)
    return tuple(feeds)


def _config(root: Node, path: Path) -> Config:
    top = _mapping(root, "", _TOP_KEYS)
    shared = _defaults(top["defaults"][1]) if "defaults" in top else {}
    if "feeds" not in top:
        raise _Invalid(root, "feeds", "required key is missing")
    feeds = _feeds(top["feeds"][1], shared)
    database = Path(defaults.DATABASE)
    if "database" in top:
        database = _check(parse_database, top["database"][1], "database")  # type: ignore[assignment]
    extra = {name: parse(top[name][1], name) for name, parse in _TOP_FIELDS.items() if name in top}
    if "summarizer" in top:
        extra["summarizer"] = _summarizer(top["summarizer"][1])
    if "webhooks" in top:
        extra["webhooks"] = parse_webhooks(top["webhooks"][1])
    if isinstance(database, Path):  # a file, relative to this one; a URL is the server's
        database = path.parent / database
    return Config(path=path, database=database, feeds=feeds, **extra)  # type: ignore[arg-type]


def require_feeds(config: Config) -> None:
    """A config the daemon or `--once` can poll: with no feed it would idle (or report "0 feeds ok") and
    look healthy, so an empty list is an error there; `export` and `show` read the database without one."""
    if not config.feeds:
        problem = "no feeds to poll: list at least one feed URL under `feeds:`"
        raise ConfigError(str(config.path), None, "feeds", problem)


def load_config(path: Path | str) -> Config:
    """Read and validate feeds.yaml; any problem raises a one-line ConfigError."""
    shown = str(path)
    absolute = Path(path).expanduser().absolute()
    root = _compose(_read(absolute, shown), shown)
    if root is None or (isinstance(root, ScalarNode) and root.tag == _NULL):
        raise ConfigError(shown, None, "", "the file is empty (it needs at least a 'feeds' list)")
    try:
        return _config(root, absolute)
    except _Invalid as e:
        raise ConfigError(shown, e.line, e.key, e.problem) from None
    except RecursionError:
        raise ConfigError(shown, None, "", "nested too deeply") from None
