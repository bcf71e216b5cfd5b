"""feeds.yaml -> typed, validated configuration; every error names the file, line and key."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from cssselect import GenericTranslator, SelectorError
from lxml import etree
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ingest import defaults

MAX_FILE_BYTES = 1024 * 1024  # a feed list is a few KB; anything this big is a mistake
MAX_DEPTH = 32  # the layout needs 4 levels; deeper nesting is only a way to exhaust the stack
MAX_DURATION = 365 * 86400.0  # beyond this, schedulers and timers overflow or never fire


class ConfigError(Exception):
    """feeds.yaml cannot be used. str() is ONE line: '<file>:<line>: <key path>: <problem>'."""

    def __init__(self, file: str, line: int | None, key: str, problem: str) -> None:
        self.file, self.line, self.key = file, line, key
        self.problem = " ".join(problem.split())  # the one-line promise holds whatever YAML says
        shown = file if file.isprintable() else repr(file)
        where = shown if line is None else f"{shown}:{line}"
        super().__init__(": ".join(part for part in (where, key, self.problem) if part))


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """One feed and the limits that apply to it."""

    url: str
    name: str
    interval: float = defaults.INTERVAL
    full_text: bool = True
    allow_private: bool = False
    tags: tuple[str, ...] = ()
    timeout: float = defaults.TIMEOUT
    connect_timeout: float = defaults.CONNECT_TIMEOUT
    max_bytes: int = defaults.MAX_BYTES
    max_redirects: int = defaults.MAX_REDIRECTS
    max_entries: int = defaults.MAX_ENTRIES
    parse_timeout: float = defaults.PARSE_TIMEOUT
    max_elements: int = defaults.MAX_ELEMENTS
    remove: tuple[str, ...] = ()  # CSS selectors of furniture to drop, on top of the generic clean-up
    body: str | None = None  # CSS selector of the article body, for a site the generic extractor gets wrong


@dataclass(frozen=True, slots=True)
class SummarizerConfig:
    """An OpenAI-compatible chat API that writes story summaries and key points (off unless configured)."""

    base_url: str  # up to and including the version: http://127.0.0.1:11434/v1
    model: str
    api_key_env: str | None = None  # the environment variable holding the key; none for a local server
    timeout: float = defaults.SUMMARIZER_TIMEOUT


@dataclass(frozen=True, slots=True)
class Config:
    """The whole of feeds.yaml."""

    path: Path
    database: Path
    feeds: tuple[FeedConfig, ...]
    max_connections: int = defaults.MAX_CONNECTIONS
    max_per_host: int = defaults.MAX_PER_HOST
    user_agent: str = defaults.USER_AGENT
    min_host_gap: float = defaults.MIN_HOST_GAP
    shutdown_grace: float = defaults.SHUTDOWN_GRACE
    listen: tuple[str, int] | None = None  # where /healthz and /metrics are served, if anywhere
    summarizer: SummarizerConfig | None = None


# ---------------------------------------------------------------- value parsers (pure)

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*")
_DURATION = re.compile(f"(?:{_DURATION_PART.pattern})+")
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:([kmg])(?:i?b)?|(b)?)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def parse_duration(value: object) -> float:
    """Seconds from 90, 90.5, "90", "90s", "15m", "2h", "1d", "1w", "500ms" or "1h30m"."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"not a duration: {_show(value)} (use e.g. 90s, 15m, 2h, 1d or 1h30m)")
    text = value.strip().lower() if isinstance(value, str) else ""
    try:
        if not isinstance(value, str):
            seconds = float(value)
        elif _NUMBER.fullmatch(text):
            seconds = float(text)
        elif text and _DURATION.fullmatch(text):
            seconds = sum(float(n) * _DURATION_UNITS[u] for n, u in _DURATION_PART.findall(text))
        else:
            raise ValueError(f"not a duration: {_show(value)} (use e.g. 90s, 15m, 2h, 1d or 1h30m)")
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"not a duration: {_show(value)} (must be finite and not negative)")
    return seconds


def parse_size(value: object) -> int:
    """Bytes from 1048576, "512KB", "1.5 MB", "2GiB" or "100B"; K/M/G are powers of 1024."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and (match := _SIZE.fullmatch(value.strip().lower())):
        number, unit, _ = match.groups()
        size = float(number) * _SIZE_UNITS[unit or ""]
        if math.isfinite(size) and (unit or "." not in number):  # no fractions of a byte
            return int(size)
    raise ValueError(f"not a size: {_show(value)} (use e.g. 512KB, 10MB, 1.5GB or a byte count)")


def _show(value: object) -> str:
    """A short one-line rendering of a value for messages."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: object) -> str:
    """What a YAML value is, for 'expected X, got Y' messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({value})".lower()
    if isinstance(value, (int, float, str)):
        return f"{'a string' if isinstance(value, str) else 'a number'} ({_show(value)})"
    return f"a {type(value).__name__} value"


def _url(value: object) -> str:
    """An absolute http(s) URL with a host, stripped; anything else is a ValueError."""
    if not isinstance(value, str):
        raise ValueError(f"expected a URL, got {_kind(value)}")
    url = value.strip()
    if not url or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise ValueError(f"not a URL: {_show(value)} (empty, or has spaces or control characters)")
    _encodable(url)
    try:
        parts = urlsplit(url)
        parts.port  # raises on a port that is not a number in range
    except ValueError as e:
        raise ValueError(f"not a URL: {_show(value)} ({e})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {_show(value)}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {_show(value)}")
    if parts.username is not None or parts.password is not None:
        # the feed URL is copied into every article record and the logs
        raise ValueError("credentials in the URL are not supported")
    return url


def _dedupe_key(url: str) -> tuple[str, ...]:
    """Two spellings of one feed: scheme and host are case-insensitive, an empty path is '/'."""
    p = urlsplit(url)
    return (p.scheme.lower(), p.netloc.lower(), p.path or "/", p.query)


def _text(value: object) -> str:
    """A non-empty one-line string, stripped (it may end up in an HTTP header or a file name)."""
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {_kind(value)}")
    if not value.strip():
        raise ValueError("must not be empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters or line breaks")
    _encodable(value)
    return value.strip()


def _encodable(value: str) -> None:
    """A lone surrogate ("\\ud800" in a quoted string) is valid YAML, but no file name, header or SQL text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"not valid Unicode text: {_show(value)} (a lone surrogate)") from None


_CSS = GenericTranslator()
_NO_SELECTOR = 'expected a CSS selector, got nothing (quote one that starts with "#": "#story")'


def parse_selector(value: object) -> str:
    """A CSS selector that lxml can run on a page, stripped."""
    if value is None:  # `body: #story` is YAML for `body:` and a comment
        raise ValueError(_NO_SELECTOR)
    selector = _text(value)
    try:
        # Running it once also catches what only fails on a document, e.g. "svg|a" (unknown namespace).
        etree.XPath(_CSS.css_to_xpath(selector))(etree.Element("html"))
    except (SelectorError, etree.XPathError) as e:
        raise ValueError(f"not a CSS selector: {_show(selector)} ({e})") from None
    except RecursionError:  # cssselect and lxml recurse once per combinator
        raise ValueError(f"not a CSS selector: {_show(selector)} (nested too deeply)") from None
    return selector


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_kind(value)}")
    return value


def _int(minimum: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"expected a whole number, got {_kind(value)}")
        if value < minimum:
            raise ValueError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _duration(minimum: float) -> Callable[[object], float]:
    def parse(value: object) -> float:
        seconds = parse_duration(value)
        if not minimum <= seconds <= MAX_DURATION:
            raise ValueError(f"must be between {minimum:g}s and 365d, got {_show(value)}")
        return seconds

    return parse


def _size(value: object) -> int:
    size = parse_size(value)
    if size < 1:
        raise ValueError(f"must be at least 1 byte, got {_show(value)}")
    return size


# ---------------------------------------------------------------- YAML nodes -> values


class _Invalid(Exception):
    """A problem at a place in the file; load_config adds the file name."""

    def __init__(self, at: Node | yaml.Event | None, key: str, problem: str) -> None:
        super().__init__(problem)
        self.line = None if at is None else at.start_mark.line + 1
        self.key, self.problem = key, problem


class _Loader(yaml.SafeLoader):
    """SafeLoader's composer, refusing aliases (the 'billion laughs' bomb) and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node:
        if self.check_event(yaml.AliasEvent):
            raise _Invalid(self.peek_event(), "", "YAML aliases (*name) are not allowed")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Invalid(self.peek_event(), "", f"nested more than {MAX_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_MAP, _SEQ, _NULL = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:null"


def _construct(node: ScalarNode) -> object:
    # a fresh SafeConstructor per scalar: no shared state, and it only knows the safe tags
    try:
        return yaml.constructor.SafeConstructor().construct_object(node)
    except (ValueError, KeyError, AttributeError) as e:
        # SafeConstructor's own failures on an explicitly tagged scalar ("!!timestamp nope", "!!bool maybe")
        # and on an integer longer than Python converts (4300 digits)
        tag = node.tag.rpartition(":")[2]
        problem = f"not a valid {tag}: {_show(node.value)}"
        raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from e


def _node_kind(node: Node) -> str:
    if node.tag not in (_MAP, _SEQ) and not isinstance(node, ScalarNode):
        return f"a value tagged {node.tag}"
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    try:
        return _kind(_construct(node))
    except yaml.YAMLError:
        return f"a value tagged {node.tag}"


def _scalar(node: Node, key: str) -> object:
    """The Python value of a scalar node; a mapping or list here is an error."""
    if not isinstance(node, ScalarNode):
        raise _Invalid(node, key, f"expected a single value, got {_node_kind(node)}")
    try:
        return _construct(node)
    except yaml.YAMLError as e:
        raise _Invalid(node, key, getattr(e, "problem", None) or str(e)) from None


def _check(parse: Callable[[object], object], node: Node, key: str) -> object:
    """`parse` applied to a scalar node's value, its ValueError located at the node."""
    try:
        return parse(_scalar(node, key))
    except ValueError as e:
        raise _Invalid(node, key, str(e)) from None


def _mapping(node: Node, key: str, allowed: set[str]) -> dict[str, tuple[Node, Node]]:
    """The (key node, value node) pairs of a mapping whose keys are all known and unique."""
    if not isinstance(node, MappingNode) or node.tag != _MAP:
        raise _Invalid(node, key, f"expected a mapping, got {_node_kind(node)}")
    pairs: dict[str, tuple[Node, Node]] = {}
    for k, v in node.value:
        if not isinstance(k, ScalarNode):
            raise _Invalid(k, key, "keys must be plain names")
        path = f"{key}.{k.value}" if key else k.value
        if k.value not in allowed:
            close = difflib.get_close_matches(k.value, allowed, n=1)
            known = ", ".join(sorted(allowed))
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {known}"
            raise _Invalid(k, path, f"unknown key ({hint})")
        if k.value in pairs:
            first = pairs[k.value][0].start_mark.line + 1
            raise _Invalid(k, path, f"key given twice (first on line {first})")
        pairs[k.value] = (k, v)
    return pairs


def _strings(parse: Callable[[object], str], what: str) -> Callable[[Node, str], tuple[str, ...]]:
    """A reader of a list of values, or of one value, each parsed; deduplicated in order."""

    def read(node: Node, key: str) -> tuple[str, ...]:
        if isinstance(node, ScalarNode):
            return (_check(parse, node, key),)  # type: ignore[return-value]
        if not isinstance(node, SequenceNode) or node.tag != _SEQ:
            raise _Invalid(node, key, f"expected {what}, got {_node_kind(node)}")
        values = [_check(parse, item, f"{key}[{i}]") for i, item in enumerate(node.value)]
        return tuple(dict.fromkeys(values))  # type: ignore[arg-type]

    return read


_tags = _strings(_text, "a list of strings")


def _field(parse: Callable[[object], object]) -> Callable[[Node, str], object]:
    return lambda node, key: _check(parse, node, key)


_FEED_FIELDS: dict[str, Callable[[Node, str], object]] = {
    "interval": _field(_duration(1.0)),
    "full_text": _field(_bool),
    "allow_private": _field(_bool),
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


def parse_listen(value: object) -> tuple[str, int]:
    """`host:port` (`[::1]:9108` for IPv6) as a (host, port) pair."""
    if not isinstance(value, str):
        raise ValueError(f"expected host:port, got {_kind(value)}")
    host, sep, port = value.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port such as 127.0.0.1:9108, got {_show(value)}")
    return host, int(port)


_TOP_FIELDS: dict[str, Callable[[Node, str], object]] = {
    "max_connections": _field(_int(1)),
    "max_per_host": _field(_int(1)),
    "user_agent": _field(_text),
    "min_host_gap": _field(_duration(0.0)),
    "shutdown_grace": _field(_duration(0.0)),
    "listen": _field(parse_listen),
}
_TOP_KEYS = {"database", "defaults", "feeds", "summarizer", *_TOP_FIELDS}


def _env_name(value: object) -> str:
    name = _text(value)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"not an environment variable name: {_show(name)}")
    return name


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


def _feed(node: Node, key: str, shared: dict[str, object]) -> FeedConfig:
    """One item of `feeds`: a URL string, or a mapping whose settings override `shared` (those under
    `defaults:`)."""
    if isinstance(node, ScalarNode) and isinstance(_scalar(node, key), str):
        url = _check(_url, node, key)
        name = urlsplit(url).hostname
        return FeedConfig(url=url, name=name, **shared)  # type: ignore[arg-type]
    if not isinstance(node, MappingNode):
        raise _Invalid(node, key, f"expected a URL or a mapping with a url, got {_node_kind(node)}")
    pairs = _mapping(node, key, {"url", "name", "body", *_FEED_FIELDS, *_RENAMED})
    if "url" not in pairs:
        raise _Invalid(node, f"{key}.url", "required key is missing")
    url = _check(_url, pairs["url"][1], f"{key}.url")
    name = urlsplit(url).hostname
    if "name" in pairs:
        name = _check(_text, pairs["name"][1], f"{key}.name")
    own = _settings(key, pairs)
    for merged in _MERGED:
        values = (*shared.get(merged, ()), *own.get(merged, ()))  # type: ignore[misc]
        own[merged] = tuple(dict.fromkeys(values))
    if "body" in pairs:  # one site's markup: not a default for every feed
        own["body"] = _check(parse_selector, pairs["body"][1], f"{key}.body")
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
        database = Path(str(_check(_text, top["database"][1], "database"))).expanduser()
    extra = {name: parse(top[name][1], name) for name, parse in _TOP_FIELDS.items() if name in top}
    if "summarizer" in top:
        extra["summarizer"] = _summarizer(top["summarizer"][1])
    database = path.parent / database
    return Config(path=path, database=database, feeds=feeds, **extra)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the file


def _read(path: Path, shown: str) -> str:
    try:
        if path.is_dir():
            raise ConfigError(shown, None, "", "is a directory, not a file")
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(shown, None, "", "no such file") from None
    except OSError as e:
        raise ConfigError(shown, None, "", f"cannot read: {e.strerror or e}") from None
    except ValueError:  # a NUL in the name
        raise ConfigError(shown, None, "", "not a valid file name") from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(shown, None, "", f"file is larger than {MAX_FILE_BYTES // 1024} KB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ConfigError(shown, data[: e.start].count(b"\n") + 1, "", "not UTF-8 text") from None


def _compose(text: str, shown: str) -> Node | None:
    try:
        loader = _Loader(text)  # the reader already rejects control characters here
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    except _Invalid as e:
        raise ConfigError(shown, e.line, e.key, e.problem) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(shown, line, "", f"YAML syntax error: {e.problem or e.context}") from None
    except yaml.reader.ReaderError as e:
        line = text[: e.position].count("\n") + 1
        char = f"U+{e.character:04X}" if isinstance(e.character, int) else repr(e.character)
        raise ConfigError(shown, line, "", f"character {char} is not allowed in YAML") from None
    except (yaml.YAMLError, RecursionError) as e:
        raise ConfigError(shown, None, "", f"YAML error: {e}") from None


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
