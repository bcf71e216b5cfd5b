"""Edits of feeds.yaml that keep the file as its owner wrote it: feeds appended at the end of `feeds:` in
the layout of the entries already there, a feed removed, and every other byte as it was.

ruamel.yaml's round-trip loader says where each entry starts (line and column) and renders new entries
in the file's indentation and style; the edit itself is a splice of those lines. A whole-document dump
would rewrite what the edit never touched (`~` becomes nothing, `key:   value` loses its spaces, a
document's `...` goes), and deleting an item from ruamel's tree deletes the comment above the next one
(a section header) with it. Every edit is checked by load_config, and by the feed list it must give,
before it replaces the file: a failed check leaves feeds.yaml as it was.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ruamel.yaml import YAML, YAMLError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ingest.config.load import load_config
from ingest.config.types import Config, ConfigError, FeedConfig
from ingest.config.values import _text, _url
from ingest.text.urls import canonical_url

# The keys a new entry may have, in the order written when no existing entry shows one.
_KEYS = ("url", "name", "interval", "tags", "allow_private")
# How a file with no block list of feeds yet lays one out: the layout of the feeds.yaml we ship.
_OFFSET, _INDENT = 2, 4  # the dash, and an item's keys, from the column of `feeds:`
# Line breaks as YAML counts them (ruamel's line numbers), each kept with its line.
_LINE = re.compile(r"[^\r\n\x85\u2028\u2029]*(?:\r\n|[\r\n\x85\u2028\u2029])|[^\r\n\x85\u2028\u2029]+\Z")
_BOM = "\ufeff"
_MARKERS = ("...", "---")  # the end of a YAML document, and the start of the next


@dataclass(frozen=True, slots=True)
class NewFeed:
    """A feed to add to feeds.yaml, with only the settings its entry will write."""

    url: str
    name: str | None = None
    interval: str | None = None  # as the user wrote it (15m), checked by load_config
    tags: tuple[str, ...] = ()
    allow_private: bool = False


@dataclass
class Triage:
    """Feeds offered for addition, sorted: those to add, those feeds.yaml has (under one of its URLs'
    spellings), those offered twice (the first is kept, with the tags of both) and the unusable ones."""

    new: list[NewFeed] = field(default_factory=list)
    subscribed: list[tuple[NewFeed, FeedConfig]] = field(default_factory=list)
    repeated: list[NewFeed] = field(default_factory=list)
    invalid: list[tuple[NewFeed, str]] = field(default_factory=list)


def problem_of(feed: NewFeed) -> str | None:
    """Why feeds.yaml could not hold this entry (its URL, name or a tag), or None."""
    try:
        _url(feed.url)
        for text in (feed.name, *feed.tags):
            if text is not None:
                _text(text)
    except ValueError as exc:
        return str(exc)
    return None


def triage(config: Config, offered: Iterable[NewFeed]) -> Triage:
    """Sort `offered` against the feeds `config` has; one URL is one feed whatever its spelling
    (canonical_url: host case, default port, tracking parameters)."""
    have = {canonical_url(feed.url): feed for feed in config.feeds}
    taken: dict[str, int] = {}
    sorted_ = Triage()
    for feed in offered:
        if problem := problem_of(feed):
            sorted_.invalid.append((feed, problem))
            continue
        key = canonical_url(feed.url)
        if key in have:
            sorted_.subscribed.append((feed, have[key]))
        elif key in taken:
            first = sorted_.new[taken[key]]
            sorted_.new[taken[key]] = replace(first, tags=tuple(dict.fromkeys((*first.tags, *feed.tags))))
            sorted_.repeated.append(feed)
        else:
            taken[key] = len(sorted_.new)
            sorted_.new.append(feed)
    return sorted_


def add_feeds(path: Path, feeds: Sequence[NewFeed]) -> Config:
    """Append `feeds` at the end of the `feeds:` list of the file at `path`; the file's new config.
    ConfigError, with the file unchanged, if the file or the result does not validate."""
    config, doc = _open(path)
    if not feeds:
        return config
    seq = doc["feeds"]
    if doc.flow:  # `feeds: []`: written out as a block list, the one case of a whole dump
        seq.extend(_entry(feed, [], flow_tags=True) for feed in feeds)
        text = doc.dump_all(block_feeds=True)
    else:
        items = list(seq)
        # Tags in flow style ([a, b]) unless the file writes them as a block list.
        flow_tags = not any(isinstance(i, CommentedMap) and _block(i.get("tags")) for i in items)
        end = doc.span(len(seq) - 1)[1]
        text = doc.splice(end, end, doc.render([_entry(feed, items, flow_tags=flow_tags) for feed in feeds]))
    expected = [*(feed.url for feed in config.feeds), *(feed.url.strip() for feed in feeds)]
    return _write(path, doc.bom + text, expected)


def remove_feed(path: Path, key: str) -> FeedConfig:
    """Remove the feed named `key`, or whose URL it is (in any spelling), from the file at `path`."""
    config, doc = _open(path)
    index = _index(config, key)
    if doc.flow:
        del doc["feeds"][index]
        text = doc.dump_all(block_feeds=False)
    else:
        # An empty block list is `null` to YAML: the last feed leaves `feeds: []`.
        text = doc.splice(*doc.span(index), [], empty_list=len(config.feeds) == 1)
    removed = config.feeds[index]
    _write(path, doc.bom + text, [feed.url for feed in config.feeds if feed is not removed])
    return removed


def _index(config: Config, key: str) -> int:
    named = [i for i, feed in enumerate(config.feeds) if feed.name == key]
    if len(named) > 1:
        urls = ", ".join(config.feeds[i].url for i in named)
        raise ConfigError(str(config.path), None, "feeds", f"{len(named)} feeds are named {key!r} ({urls}): "
                                                           "give the URL of the one to remove")  # fmt: skip
    if named:
        return named[0]
    wanted = canonical_url(key) if _is_url(key) else None
    for i, feed in enumerate(config.feeds):
        if wanted is not None and canonical_url(feed.url) == wanted:
            return i
    problem = f"no feed named or at {key!r} (`ingest feeds` lists them)"
    raise ConfigError(str(config.path), None, "feeds", problem)


def _is_url(text: str) -> bool:
    try:
        _url(text)
    except ValueError:
        return False
    return True


# -- the entry, in the file's style -----------------------------------------------------------------


def _entry(feed: NewFeed, items: Sequence[object], *, flow_tags: bool) -> str | CommentedMap:
    """The new item: a bare URL where every entry is one and nothing else is said, else a mapping whose
    keys follow the order the existing entries use."""
    values = {"url": feed.url.strip(), "name": feed.name, "interval": feed.interval,
              "tags": list(feed.tags) or None, "allow_private": feed.allow_private or None}  # fmt: skip
    given = {key: value for key, value in values.items() if value is not None}
    if list(given) == ["url"] and all(isinstance(item, str) for item in items):
        return given["url"]
    entry = CommentedMap()
    for key in _key_order(item for item in items if isinstance(item, CommentedMap)):
        if key in given:
            entry[key] = given[key]
    if "tags" in entry:
        tags = CommentedSeq(entry["tags"])
        if flow_tags:
            tags.fa.set_flow_style()
        entry["tags"] = tags
    return entry


def _key_order(mappings: Iterable[CommentedMap]) -> list[str]:
    """Our keys in the order the existing entries write them: each key they use goes after the key it
    follows there; a key none uses goes after the one it follows in _KEYS."""
    order: list[str] = []
    for keys in [*([key for key in mapping if key in _KEYS] for mapping in mappings), list(_KEYS)]:
        for i, key in enumerate(keys):
            if key not in order:
                before = [order.index(k) + 1 for k in keys[:i] if k in order]
                order.insert(max(before, default=0), key)
    return order


def _block(value: object) -> bool:
    return isinstance(value, CommentedSeq) and not value.fa.flow_style()


# -- the document: where its lines are, and new lines in its layout --------------------------------


class _Document:
    """feeds.yaml as lines, and ruamel's view of them (which line and column each entry starts at)."""

    def __init__(self, text: str, path: Path) -> None:
        self.bom = _BOM if text.startswith(_BOM) else ""
        self.text = text.removeprefix(_BOM)
        self.lines = _LINE.findall(self.text)
        self.newline = next((line[len(line.rstrip("\r\n")):] for line in self.lines if line.endswith("\n")),
                            "\n")  # fmt: skip
        self._yaml = YAML()
        self._yaml.preserve_quotes = True
        self._yaml.width = 4096  # never fold a long URL or name
        try:
            self.root = self._yaml.load(self.text)
        except YAMLError as exc:
            problem = f"cannot be edited in place ({' '.join(str(exc).split())}): edit it by hand"
            raise ConfigError(str(path), None, "", problem) from None
        self.key_line, self.key_col = self.root.lc.key("feeds")
        value_line, value_col = self.root.lc.value("feeds")
        self.flow = not self._line(value_line)[value_col:].startswith("-")
        self.dash, self.indent = _OFFSET, _INDENT
        if not self.flow:
            first = self.root["feeds"].lc.item(0)
            self.dash = self._dash_of(*first)[1] - self.key_col
            self.indent = first[1] - self.key_col

    def __getitem__(self, key: str) -> CommentedSeq:
        return self.root[key]

    def _line(self, number: int) -> str:
        return self.lines[number] if number < len(self.lines) else ""

    def _dash_of(self, line: int, col: int) -> tuple[int, int]:
        """The line and column of the dash of the item whose content starts at (line, col)."""
        before = self._line(line)[:col].rstrip()
        while not before.endswith("-") and line > 0:  # a dash alone on its line, the content below
            line -= 1
            before = self._line(line).split("#", 1)[0].rstrip()
        return line, len(before) - 1

    def span(self, index: int) -> tuple[int, int]:
        """The lines of item `index`: from its dash to its last line of content, with the comments indented
        under it. Blank lines, comments at the dash's column or left of it, and document markers after its
        content belong to what follows (a section header such as `# --- Politics ---`)."""
        seq = self.root["feeds"]
        start = self._dash_of(*seq.lc.item(index))[0]
        if index + 1 < len(seq):
            end = self._dash_of(*seq.lc.item(index + 1))[0]
        else:
            later = [line for key in self.root if (line := self.root.lc.key(key)[0]) > self.key_line]
            end = min(later, default=len(self.lines))
        dash_col = self.key_col + self.dash
        while end > start + 1:
            last = self._line(end - 1)
            stripped = last.strip()
            follows = stripped.startswith("#") and len(last) - len(last.lstrip()) <= dash_col
            if stripped and not (follows or last.startswith(_MARKERS)):
                break
            end -= 1
        return start, end

    def render(self, entries: Sequence[str | CommentedMap]) -> list[str]:
        """`entries` as lines of `feeds:` items in this file's indentation and line breaks."""
        yaml = YAML()
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=self.indent, offset=self.dash)
        out = io.StringIO()
        top = CommentedMap()
        top["feeds"] = CommentedSeq(entries)
        yaml.dump(top, out)
        pad = " " * self.key_col
        return [pad + line + self.newline for line in out.getvalue().splitlines()[1:]]

    def splice(self, start: int, end: int, new: list[str], empty_list: bool = False) -> str:
        """The text with lines [start, end) replaced by `new`; `empty_list` also writes `[]` after
        `feeds:`, which no item follows any more."""
        lines = list(self.lines)
        if start > 0 and new and not lines[start - 1].endswith(("\n", "\r", "\x85", "\u2028", "\u2029")):
            lines[start - 1] += self.newline  # the file ended without a line break
        lines[start:end] = new
        if empty_list:
            line = lines[self.key_line]
            colon = line.index(":", self.key_col)
            lines[self.key_line] = f"{line[: colon + 1]} []{line[colon + 1 :]}"
        return "".join(lines)

    def dump_all(self, *, block_feeds: bool) -> str:
        """The whole document dumped by ruamel: only for a `feeds:` in flow style (`feeds: [a, b]`), which
        no splice of lines can extend; `block_feeds` writes it as a block list."""
        self._yaml.indent(mapping=2, sequence=_INDENT, offset=_OFFSET)
        if block_feeds:
            self.root["feeds"].fa.set_block_style()
        out = io.StringIO()
        self._yaml.dump(self.root, out)
        return out.getvalue().replace("\n", self.newline)


def _open(path: Path) -> tuple[Config, _Document]:
    """The config at `path`, valid as it is (an edit never starts from a broken file), and its document."""
    config = load_config(path)
    text = Path(path).read_bytes().decode("utf-8")  # load_config checked size and encoding
    return config, _Document(text, Path(path))


def _write(path: Path, text: str, expected: list[str]) -> Config:
    """Replace the file at `path` (a symlink's target) with `text`, atomically, if it validates and lists
    exactly the `expected` feed URLs; else ConfigError, and the file is left as it was."""
    target = Path(path).resolve()
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        shutil.copymode(target, temp)
        try:
            edited = load_config(temp)
        except ConfigError as exc:
            problem = f"{exc.problem} (after the edit, which was not written: {path} is unchanged)"
            raise ConfigError(str(path), exc.line, exc.key, problem) from None
        if [feed.url for feed in edited.feeds] != expected:
            problem = f"the edit would not give the expected feeds; {path} is unchanged: edit it by hand"
            raise ConfigError(str(path), None, "feeds", problem)
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return load_config(path)
