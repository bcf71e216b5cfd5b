"""feeds.yaml -> typed, validated configuration; every error names the file, line and key."""

from ingest.config.load import load_config, require_feeds
from ingest.config.types import (
    Config,
    ConfigError,
    FeedConfig,
    SummarizerConfig,
    WebhookConfig,
    curing_settings,
    settings_changed,
)
from ingest.config.values import parse_database, parse_duration, parse_listen, parse_selector, parse_size

__all__ = [
    "Config",
    "ConfigError",
    "FeedConfig",
    "SummarizerConfig",
    "WebhookConfig",
    "curing_settings",
    "load_config",
    "parse_database",
    "parse_duration",
    "parse_listen",
    "parse_selector",
    "parse_size",
    "require_feeds",
    "settings_changed",
]
