"""structlog set-up: JSON lines when nobody is watching, readable lines on a terminal."""

from __future__ import annotations

import logging
import sys
import warnings
from typing import TextIO

import structlog

# These libraries log routine misses ("empty HTML tree", "no date found") at WARNING or ERROR;
# the pipeline reports each outcome once, with its feed and URL.
_CHATTY = ("trafilatura", "htmldate", "courlan", "justext", "charset_normalizer")
# A line per article, or per refresh of the stories: what a machine reading the log wants, and a flood
# for a person at a terminal, who sees them at debug level only (the per-feed lines and warnings stay).
PER_ARTICLE_EVENTS = frozenset({"article_stored", "article_duplicate", "stories_summarized"})


def configure_logging(*, level: str = "info", stream: TextIO | None = None, json: bool | None = None) -> None:
    """Route structlog to `stream` (stderr by default) at `level`; JSON unless it is a terminal."""
    stream = stream or sys.stderr
    if json is None:
        json = not stream.isatty()
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if not json and level != "debug":
        shared.insert(0, _drop_per_article)
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, _lead_with_essentials, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=True,
    )
    # Warnings of libraries that use the standard logging module (APScheduler, aiohttp) become
    # lines of the same stream and format, instead of bare text in the middle of the JSON.
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                _lead_with_essentials,
                renderer,
            ],
        )
    )
    logging.basicConfig(handlers=[handler], level=logging.WARNING, force=True)
    quiet_libraries()


def _drop_per_article(
    logger: object, method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    if event.get("event") in PER_ARTICLE_EVENTS:
        raise structlog.DropEvent
    return event


_ESSENTIALS = ("timestamp", "level", "event", "feed", "url")


def _lead_with_essentials(
    logger: object, method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    """Put when, how bad, what, and which feed and URL first, so a line reads left to right."""
    lead = {key: event.pop(key) for key in _ESSENTIALS if key in event}
    return {**lead, **event}


def describe(exc: BaseException) -> str:
    """An exception as one line for a log field or the database; its type when it says nothing."""
    return " ".join(str(exc).split()) or type(exc).__name__


def quiet_libraries() -> None:
    """Keep third-party loggers and warnings off stderr, where they would break the JSON lines."""
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    # dateutil warns about every zone name it does not know, from inside htmldate.
    warnings.filterwarnings("ignore", module=rf"({'|'.join((*_CHATTY, 'dateutil', 'feedparser'))})\b")
