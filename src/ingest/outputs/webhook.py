"""Webhook deliveries, without I/O: what a delivery's body and headers are, how a receiver checks them,
which events a webhook wants, and when a failed delivery is tried again or given up.

The signature follows Standard Webhooks (standardwebhooks.com), so its libraries verify it: headers
`webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`. The key is the secret's bytes, or, for a secret written `whsec_<base64>` as
those libraries make them, the decoded base64.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ingest.config import WebhookConfig
from ingest.model import Article, Event, WebhookState
from ingest.text.dates import iso_ms

# A failing receiver is tried after 10 s, 20 s, 40 s... at most an hour apart, and an event it has not
# taken within a day is given up on (counted as dropped), so that one dead receiver never holds the
# others' events and a revived one does not get a week of backlog.
FIRST_RETRY = timedelta(seconds=10)
MAX_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=1)
SECRET_PREFIX = "whsec_"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One POST: its body and the headers that identify and sign it."""

    body: bytes
    headers: dict[str, str]


def delivery(event: Event, data: dict[str, object], secret: str | None, now: datetime) -> Delivery:
    """The POST for `event`, whose `data` is its article's or story's record as the API gives it."""
    event_id = f"evt_{event.id}"
    body = json.dumps(
        {"id": event_id, "type": event.kind, "timestamp": event.at, "data": data}, ensure_ascii=False
    ).encode()
    timestamp = str(int(now.timestamp()))
    headers = {"Content-Type": "application/json", "webhook-id": event_id, "webhook-timestamp": timestamp}
    if secret is not None:
        headers["webhook-signature"] = f"v1,{signature(secret, event_id, timestamp, body)}"
    return Delivery(body, headers)


def signature(secret: str, event_id: str, timestamp: str, body: bytes) -> str:
    """The base64 HMAC-SHA256 a receiver recomputes to check that a delivery is ours and unchanged."""
    prefixed = secret.startswith(SECRET_PREFIX)
    key = base64.b64decode(secret[len(SECRET_PREFIX) :]) if prefixed else secret.encode()
    signed = f"{event_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def wanted(hook: WebhookConfig, event: Event, articles: Iterable[Article]) -> bool:
    """Whether `hook` wants `event`, given its article (or its story's articles): its kind, and, when the
    webhook names sources or tags, an article from one of those sources with one of those tags."""
    if event.kind not in hook.events:
        return False
    if not hook.sources and not hook.tags:
        return True
    return any(
        (not hook.sources or article.source in hook.sources)
        and (not hook.tags or set(hook.tags) & set(article.tags))
        for article in articles
    )


def delivered(state: WebhookState, event: Event, now: datetime) -> WebhookState:
    return replace(
        state, after=event.id, attempts=0, next_try=None, failing_since=None, last_success=iso_ms(now),
        delivered=state.delivered + 1,
    )  # fmt: skip


def skipped(state: WebhookState, event: Event) -> WebhookState:
    """Past an event the webhook does not want."""
    return replace(state, after=event.id)


def failed(state: WebhookState, event: Event, error: str, now: datetime) -> WebhookState:
    """After a failed delivery of `event`: tried again later, or, a day after its first failure, given up."""
    since = state.failing_since or iso_ms(now)
    if now - datetime.fromisoformat(since) >= GIVE_UP_AFTER:
        return replace(
            state, after=event.id, attempts=0, next_try=None, failing_since=None, last_error=error,
            dropped=state.dropped + 1,
        )  # fmt: skip
    attempts = state.attempts + 1
    wait = min(FIRST_RETRY * 2 ** (attempts - 1), MAX_RETRY)
    next_try = iso_ms(now + wait)
    return replace(state, attempts=attempts, next_try=next_try, failing_since=since, last_error=error)
