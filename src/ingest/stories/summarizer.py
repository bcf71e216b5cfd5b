"""Story summaries and key points from an OpenAI-compatible chat completions API (optional).

The extractive digest is always made first; the model's answer replaces its summary and key points
only when it arrives in time and in shape. Any failure is a `SummarizerError`, and the caller keeps
the extractive digest.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Sequence
from types import TracebackType

import aiohttp
import structlog

from ingest.config import SummarizerConfig
from ingest.stories.summary import MAX_KEY_POINTS, MIN_KEY_POINTS, Digest, Member, latest_originals
from ingest.text.clean import bounded_line

log = structlog.get_logger("ingest.stories.summarizer")

MAX_ARTICLES = 8  # the latest originals the model reads
LEAD_WORDS = 250  # of each: the news is in the lead, and prompts cost by the token
MAX_ANSWER_BYTES = 256 * 1024
MAX_SUMMARY_CHARS = 2000
MAX_POINT_CHARS = 500
INSTRUCTIONS = (
    "You write neutral digests of news stories from several outlets' reports of one event. "
    "Use only facts stated in the reports. Answer with one JSON object and nothing else: "
    '{"summary": "two or three sentences", "key_points": ["three to five short sentences"]}'
)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


class SummarizerError(Exception):
    """The model gave no usable summary; str() names the URL and what went wrong."""


class Summarizer:
    """A client of the configured chat API; use as `async with Summarizer(config) as s:`."""

    def __init__(self, config: SummarizerConfig) -> None:
        self.config = config
        self.url = config.base_url.rstrip("/") + "/chat/completions"
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Summarizer:
        headers = {"Content-Type": "application/json"}
        if key := self._key():
            headers["Authorization"] = f"Bearer {key}"
        timeout = aiohttp.ClientTimeout(total=self.config.timeout)
        self._session = aiohttp.ClientSession(headers=headers, timeout=timeout)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()

    async def digest(self, members: Sequence[Member], extractive: Digest) -> Digest:
        """`extractive` with the model's summary and key points in place of its own."""
        answer = await self._ask(prompt(members))
        summary, points = parse_answer(answer)
        return dataclasses.replace(extractive, summary=summary, key_points=points)

    async def _ask(self, text: str) -> str:
        assert self._session is not None, "use Summarizer as an async context manager"
        body = {
            "model": self.config.model,
            "messages": [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": text}],
            "temperature": 0.2,
        }
        try:
            async with self._session.post(self.url, json=body) as response:
                raw = await response.content.read(MAX_ANSWER_BYTES + 1)
                if response.status != 200:
                    raise SummarizerError(f"{self.url}: HTTP {response.status}: {_snippet(raw)}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SummarizerError(f"{self.url}: {type(exc).__name__}: {exc or 'timed out'}") from None
        if len(raw) > MAX_ANSWER_BYTES:
            raise SummarizerError(f"{self.url}: answer larger than {MAX_ANSWER_BYTES // 1024} KB")
        try:
            return json.loads(raw)["choices"][0]["message"]["content"]
        except (ValueError, LookupError, TypeError):
            raise SummarizerError(f"{self.url}: not a chat completion: {_snippet(raw)}") from None

    def _key(self) -> str | None:
        name = self.config.api_key_env
        if name and not os.environ.get(name):
            log.warning("summarizer_key_missing", variable=name, url=self.url)
        return os.environ.get(name) if name else None


def prompt(members: Sequence[Member]) -> str:
    """The reports the model reads: the latest originals, each with its outlet, date, title and lead."""
    latest = latest_originals(members, MAX_ARTICLES)
    parts = []
    for n, member in enumerate(reversed(latest), 1):
        lead = " ".join(member.text.split()[:LEAD_WORDS])
        parts.append(f"Report {n} ({member.source}, {(member.published or '')[:10]}): {member.title}\n{lead}")
    return "\n\n".join(parts)


def parse_answer(content: str) -> tuple[str, tuple[str, ...]]:
    """The summary and 3-5 key points of the model's JSON answer; SummarizerError if it is not that."""
    try:
        answer = json.loads(_FENCE.sub("", content.strip()))
    except ValueError:
        raise SummarizerError(f"answer is not JSON: {_snippet(content.encode())}") from None
    if not isinstance(answer, dict):
        raise SummarizerError("answer is not a JSON object")
    summary, points = answer.get("summary"), answer.get("key_points")
    if not isinstance(summary, str) or not summary.strip() or len(summary) > MAX_SUMMARY_CHARS:
        raise SummarizerError("answer has no usable summary")
    if not isinstance(points, list) or not all(isinstance(p, str) and p.strip() for p in points):
        raise SummarizerError("answer's key_points is not a list of sentences")
    points = [" ".join(p.split()) for p in points if len(p) <= MAX_POINT_CHARS]
    if len(points) < MIN_KEY_POINTS:
        raise SummarizerError(f"answer has {len(points)} key points, fewer than {MIN_KEY_POINTS}")
    return " ".join(summary.split()), tuple(points[:MAX_KEY_POINTS])


def _snippet(raw: bytes) -> str:
    """The start of an answer, for an error: a bounded prefix decoded, then cut after a whole word."""
    return bounded_line(raw[:1000].decode("utf-8", "replace"), 200)
