"""feeds.yaml read safely: a size-capped UTF-8 file, composed by a YAML loader that refuses aliases and
deep nesting, and nodes turned into values with the problem located at its line and key."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ingest.config.types import ConfigError
from ingest.config.values import _kind, _show

MAX_FILE_BYTES = 1024 * 1024  # a feed list is a few KB; anything this big is a mistake
MAX_DEPTH = 32  # the layout needs 4 levels; deeper nesting is only a way to exhaust the stack



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


def _field(parse: Callable[[object], object]) -> Callable[[Node, str], object]:
    """A setting's reader: `parse` on its scalar node, located at it."""
    return lambda node, key: _check(parse, node, key)


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
    fast = _compose_fast(text)
    return _compose_checked(text, shown) if fast is _SLOW else fast  # type: ignore[return-value]


_SLOW = object()


def _compose_fast(text: str) -> Node | None | object:
    """libyaml's C composer, about ten times faster on a list of thousands of feeds (0.02 s against
    0.22 s for 2,000), used when a scan of the C parser's events shows the text is plainly safe: no
    aliases, nesting well within MAX_DEPTH, only printable characters. Anything else, and any error,
    is _SLOW: the Python composer then decides, and words the error exactly as it always has."""
    if not yaml.__with_libyaml__ or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return _SLOW
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):  # libyaml's parser does not recurse
            if isinstance(event, yaml.AliasEvent):
                return _SLOW
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth >= MAX_DEPTH - 1:
                    return _SLOW
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return _SLOW


def _compose_checked(text: str, shown: str) -> Node | None:
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
