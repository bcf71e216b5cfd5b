"""What feeds.yaml becomes: typed, validated settings, and the one error every problem with it raises."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ingest import defaults
from ingest.model import EVENT_KINDS


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
    robots: bool = defaults.ROBOTS  # ask the site's robots.txt before an article's page; the feed: never
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
    sitemap: bool = False  # `url` is a sitemap (or sitemap index) whose pages are the entries, not a feed
    near_duplicates: bool = True  # false: no article of the feed is marked a copy (it still joins stories)


# The settings a failed fetch or extraction may depend on. When one changes, a failure recorded under the
# old value may be cured (a private address allowed, a larger page let in, a selector that now finds the
# body), so the feed's failures are forgotten and tried again, on reload and at the next start.
CURING_SETTINGS = (
    "allow_private", "timeout", "connect_timeout", "max_bytes", "max_redirects", "max_entries",
    "parse_timeout", "max_elements", "remove", "body", "full_text", "robots",
)  # fmt: skip


def curing_settings(feed: FeedConfig) -> str:
    """The feed's CURING_SETTINGS as a JSON object, to be stored beside its state and compared with the
    next configuration's. (Not the user agent: daemons sharing a database may each send their own.)"""
    values = {name: getattr(feed, name) for name in CURING_SETTINGS}
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def settings_changed(before: str, after: str) -> list[str]:
    """The names of the settings that differ between two curing_settings() results."""
    old, new = json.loads(before), json.loads(after)
    return sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """A receiver of events: each one it wants is POSTed to its URL as JSON, signed if it has a secret."""

    url: str
    events: tuple[str, ...] = EVENT_KINDS
    sources: tuple[str, ...] = ()  # only articles (and stories with articles) from these sources
    tags: tuple[str, ...] = ()  # only those from feeds with these tags
    secret_env: str | None = None  # the environment variable holding the signing secret, if any
    allow_private: bool = False
    timeout: float = defaults.WEBHOOK_TIMEOUT


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
    database: Path | str  # a SQLite file (absolute), or a postgresql:// URL as written
    feeds: tuple[FeedConfig, ...]
    max_connections: int = defaults.MAX_CONNECTIONS
    max_per_host: int = defaults.MAX_PER_HOST
    user_agent: str = defaults.USER_AGENT
    min_host_gap: float = defaults.MIN_HOST_GAP
    shutdown_grace: float = defaults.SHUTDOWN_GRACE
    lease: float = defaults.LEASE  # how long a daemon sharing the database holds a claim unrenewed
    workers: int | None = None  # extraction worker processes; None: defaults.workers(), the usable cores
    listen: tuple[str, int] | None = None  # where /healthz, /metrics, the read API and feeds are served
    # The environment variable holding the bearer token /api/* and /feeds/* ask for (none: no token, which
    # only a loopback `listen` may do).
    api_token_env: str | None = None
    summarizer: SummarizerConfig | None = None
    keep_html: float = defaults.KEEP_HTML  # seconds a fetched page is kept for `reextract`; 0: not kept
    webhooks: tuple[WebhookConfig, ...] = ()
