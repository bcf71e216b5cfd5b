"""The `webhooks:` list of feeds.yaml: receivers of events, each checked as any setting is."""

from __future__ import annotations

from collections.abc import Callable

from yaml.nodes import Node, SequenceNode

from ingest.config.nodes import _SEQ, _field, _Invalid, _mapping, _node_kind, _strings
from ingest.config.types import WebhookConfig
from ingest.config.values import _bool, _dedupe_key, _duration, _env_name, _text, _url
from ingest.model import EVENT_KINDS


def _event(value: object) -> str:
    kind = _text(value)
    if kind not in EVENT_KINDS:
        raise ValueError(f"not an event: {kind!r}; the events are {', '.join(EVENT_KINDS)}")
    return kind


_FIELDS: dict[str, Callable[[Node, str], object]] = {
    "url": _field(_url),
    "events": _strings(_event, "a list of events"),
    "sources": _strings(_text, "a list of sources (site names or hosts)"),
    "tags": _strings(_text, "a list of tags"),
    "secret_env": _field(_env_name),
    "allow_private": _field(_bool),
    "timeout": _field(_duration(0.001)),
}


def parse_webhooks(node: Node) -> tuple[WebhookConfig, ...]:
    if not isinstance(node, SequenceNode) or node.tag != _SEQ:
        raise _Invalid(node, "webhooks", f"expected a list of webhooks, got {_node_kind(node)}")
    hooks: list[WebhookConfig] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(node.value):
        key = f"webhooks[{i}]"
        pairs = _mapping(item, key, set(_FIELDS))
        if "url" not in pairs:
            raise _Invalid(item, f"{key}.url", "required key is missing")
        values = {name: parse(pairs[name][1], f"{key}.{name}") for name, parse in _FIELDS.items()
                  if name in pairs}  # fmt: skip
        hook = WebhookConfig(**values)  # type: ignore[arg-type]
        first = seen.setdefault(_dedupe_key(hook.url), i)
        if first != i:
            problem = f"duplicate of webhooks[{first}] ({hook.url}): list each receiver once"
            raise _Invalid(item, f"{key}.url", problem)
        hooks.append(hook)
    return tuple(hooks)
