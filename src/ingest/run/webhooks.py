"""The webhooks' sender: every configured receiver gets the events it wants, in order, signed, each failed
delivery tried again with backoff for up to a day. Its place in the events is kept in the database after
every delivery, so a restart or a kill loses none: at least once, a repeat carrying the same webhook-id.

On a shared database only the daemon holding the assigner's lock sends, so a receiver hears each event
from one daemon."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import structlog

from ingest.config import ConfigError, WebhookConfig
from ingest.fetch import AddressRefused, FetchError, FetchPolicy
from ingest.model import Article, Event, WebhookState
from ingest.ops.logs import describe
from ingest.outputs import webhook
from ingest.render import article_record, story_record
from ingest.run.services import Services
from ingest.store import Store, StoreError
from ingest.text.dates import iso_ms

log = structlog.get_logger("ingest.run.webhooks")

LOOK_EVERY = 1.0  # seconds between looks at the outbox: events other daemons stored arrive this way too
BATCH = 100  # events read at a time
# Events are kept past the day a failing receiver is given, then forgotten.
KEEP_EVENTS = webhook.GIVE_UP_AFTER + timedelta(days=1)
MAX_RESPONSE_BYTES = 64 * 1024  # a receiver's answer is read only to close the exchange properly


def secrets_of(hooks: Sequence[WebhookConfig], path: str) -> dict[str, str | None]:
    """Each webhook's signing secret from the environment; a named variable that is not set is an error
    at start, not a stream of unsigned deliveries."""
    secrets: dict[str, str | None] = {}
    for i, hook in enumerate(hooks):
        secret = os.environ.get(hook.secret_env) if hook.secret_env else None
        if hook.secret_env and not secret:
            problem = f"the environment variable {hook.secret_env} (its signing secret) is not set"
            raise ConfigError(path, None, f"webhooks[{i}].secret_env", problem)
        secrets[hook.url] = secret
    return secrets


def start_webhooks(store: Store, hooks: Sequence[WebhookConfig]) -> None:
    """Give each webhook its place, as a run starts: a new one hears of what happens from now on."""
    for hook in hooks:
        store.start_webhook(hook.url)


async def keep_delivering(
    svc: Services, hooks: Sequence[WebhookConfig], secrets: dict[str, str | None], stop: asyncio.Event
) -> None:
    """Deliver what is due every LOOK_EVERY seconds until `stop`, and forget old events."""
    while not stop.is_set():
        try:
            await deliver_due(svc, hooks, secrets)
            svc.store.prune_events(iso_ms(datetime.now(UTC) - KEEP_EVENTS))
        except StoreError as exc:  # the database is away: deliveries wait, their place kept
            log.warning("webhooks_waiting", error=str(exc))
        try:
            await asyncio.wait_for(stop.wait(), LOOK_EVERY)
        except TimeoutError:
            pass


async def deliver_due(svc: Services, hooks: Sequence[WebhookConfig], secrets: dict[str, str | None]) -> int:
    """One round: each webhook not waiting out a backoff gets its pending events, until one fails. The
    deliveries made."""
    if not hooks or (svc.fleet.shared and not svc.store.hold_assigner()):
        return 0
    states = svc.store.webhook_states()
    starts = [states.get(hook.url) or svc.store.start_webhook(hook.url) for hook in hooks]
    rounds = await asyncio.gather(*(_deliver(svc, h, secrets[h.url], s) for h, s in zip(hooks, starts)))
    svc.metrics.webhooks_failing.set(sum(bool(state.failing_since) for _, state in rounds))
    return sum(sent for sent, _ in rounds)


async def _deliver(
    svc: Services, hook: WebhookConfig, secret: str | None, state: WebhookState
) -> tuple[int, WebhookState]:
    """The deliveries one webhook's round made, and its state after it."""
    if state.next_try and state.next_try > iso_ms(datetime.now(UTC)):
        return 0, state
    sent, saved = 0, state
    with structlog.contextvars.bound_contextvars(webhook=hook.url):
        for event in svc.store.events_after(state.after, BATCH):
            data, articles = _subject(svc, event)
            if data is None or not webhook.wanted(hook, event, articles):
                state = webhook.skipped(state, event)  # not for it, or no longer stored
                continue
            saved = state = await _send(svc, hook, secret, state, event, data)
            svc.store.save_webhook_state(state)
            if state.after != event.id:
                return sent, state  # failed: the next events wait for this one
            sent += 1
        if state != saved:
            svc.store.save_webhook_state(state)  # past the events it skipped
    return sent, state


async def _send(
    svc: Services, hook: WebhookConfig, secret: str | None, state: WebhookState, event: Event, data: dict
) -> WebhookState:
    now = datetime.now(UTC)
    post = webhook.delivery(event, data, secret, now)
    policy = FetchPolicy(allow_private=hook.allow_private, timeout=hook.timeout, max_bytes=MAX_RESPONSE_BYTES)
    try:
        await svc.fetcher.post(hook.url, post.body, post.headers, policy)
    except FetchError as exc:
        error = describe(exc)
        if isinstance(exc, AddressRefused):
            error = f"{exc.url}: {exc.refusal}; set allow_private: true on this webhook to send to it"
        after = webhook.failed(state, event, error, now)
        outcome = "dropped" if after.dropped > state.dropped else "failed"
        svc.metrics.webhook_deliveries.labels(outcome).inc()
        log.warning(f"webhook_{outcome}", id=f"evt_{event.id}", kind=event.kind, error=error,
                    attempts=after.attempts, next_try=after.next_try)  # fmt: skip
        return after
    svc.metrics.webhook_deliveries.labels("delivered").inc()
    log.debug("webhook_delivered", id=f"evt_{event.id}", kind=event.kind)
    return webhook.delivered(state, event, now)


def _subject(svc: Services, event: Event) -> tuple[dict | None, list[Article]]:
    """The record an event is about, as the outputs give it, and its articles (for the filters)."""
    if event.kind == "article.new":
        article = svc.store.article(event.subject)
        return (article_record(article), [article]) if article else (None, [])
    story = svc.store.story(event.subject)
    return (story_record(story), svc.store.story_members(story.id)) if story else (None, [])

