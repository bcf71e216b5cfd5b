"""The optional summarising model: a real OpenAI-compatible chat endpoint played by a loopback server."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from aiohttp import web

from conftest import run_ingest
from ingest.config import SummarizerConfig
from ingest.stories.summarizer import Summarizer, SummarizerError, parse_answer
from ingest.stories.summary import Digest, Member
from support.localsite import LocalSite
from support.storysite import serve_reports

EVENT = "g5w:american_airlines_apologizes_after_g_league_players_accused_of_stealing_blankets_thrown_off_flight"
ANSWER = {
    "summary": "An airline apologised to basketball players removed from a flight.",
    "key_points": ["Players were removed.", "The airline apologised.", "The team had complained."],
}


class Model:
    """A chat completions endpoint whose behaviour the test sets; it keeps every request body."""

    def __init__(self, site: LocalSite) -> None:
        self.mode = "ok"
        self.bodies: list[dict] = []
        self.auth: list[str | None] = []
        self.base_url = site.handle("/v1/chat/completions", self.answer).removesuffix("/chat/completions")

    async def answer(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.json())
        self.auth.append(request.headers.get("Authorization"))
        if self.mode == "error":
            return web.Response(status=500, text="model overloaded")
        if self.mode == "slow":
            await asyncio.sleep(5)
        content = {"ok": json.dumps(ANSWER), "garbage": "Sure! Here is a summary: the airline said sorry."}
        completion = {"choices": [{"message": {"role": "assistant", "content": content[self.mode]}}]}
        return web.json_response(completion)


@pytest.fixture
def model(other_site: LocalSite) -> Model:
    return Model(other_site)


MEMBERS = [Member("a", "Airline apologises", "The airline apologised on Wednesday.", "a.example", "2017-12-27")]
EXTRACTIVE = Digest("Airline apologises", "The airline apologised on Wednesday.", ("One.", "Two.", "Three."))


async def _digest(model: Model, timeout: float = 10.0) -> Digest:
    config = SummarizerConfig(base_url=model.base_url, model="local-model", api_key_env="INGEST_TEST_KEY",
                              timeout=timeout)
    async with Summarizer(config) as summarizer:
        return await summarizer.digest(MEMBERS, EXTRACTIVE)


async def test_the_models_answer_replaces_summary_and_key_points(
    model: Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INGEST_TEST_KEY", "sk-local")
    digest = await _digest(model)
    assert digest.summary == ANSWER["summary"] and list(digest.key_points) == ANSWER["key_points"]
    assert digest.title == EXTRACTIVE.title  # the headline stays a real one
    [body] = model.bodies
    assert body["model"] == "local-model" and model.auth == ["Bearer sk-local"]
    assert "Airline apologises" in body["messages"][1]["content"]


@pytest.mark.parametrize(
    ("mode", "timeout", "reason"),
    [("error", 10.0, "HTTP 500: model overloaded"), ("garbage", 10.0, "not JSON"), ("slow", 0.5, "Timeout")],
)
async def test_a_failing_model_is_a_summarizer_error_naming_the_url(
    model: Model, mode: str, timeout: float, reason: str
) -> None:
    model.mode = mode
    with pytest.raises(SummarizerError) as failed:
        await _digest(model, timeout)
    assert model.base_url in str(failed.value) or mode == "garbage"
    assert reason in str(failed.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("```json\n" + json.dumps(ANSWER) + "\n```", None),
        (json.dumps({**ANSWER, "key_points": ANSWER["key_points"] * 2}), None),  # six: the first five kept
        (json.dumps({**ANSWER, "key_points": ["Only.", "Two."]}), "fewer than 3"),
        (json.dumps({**ANSWER, "key_points": "One. Two. Three."}), "not a list"),
        (json.dumps({"summary": "", "key_points": ANSWER["key_points"]}), "no usable summary"),
        (json.dumps(["a list"]), "not a JSON object"),
    ],
)
def test_answers_are_checked_for_shape(content: str, problem: str | None) -> None:
    if problem is None:
        summary, points = parse_answer(content)
        assert summary == ANSWER["summary"] and 3 <= len(points) <= 5
    else:
        with pytest.raises(SummarizerError, match=problem):
            parse_answer(content)


def _run(site: LocalSite, model: Model, fixtures: Path, tmp_path: Path) -> tuple[list[dict], str]:
    path = fixtures / "stories" / "text"
    gold = {r["id"]: r["cluster"] for r in map(json.loads, (path / "gold.jsonl").open(encoding="utf-8"))}
    rows = [json.loads(line) for line in (path / "articles.jsonl").open(encoding="utf-8")]
    feed = serve_reports(site, [r for r in rows if gold[r["id"]] == EVENT][:3])
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"min_host_gap: 0s\nfeeds:\n  - {feed}\nsummarizer:\n  base_url: {model.base_url}\n"
        "  model: local-model\n  api_key_env: INGEST_TEST_KEY\n  timeout: 10s\n"
    )
    done = run_ingest("--once", "--config", str(config), cwd=tmp_path, env={"INGEST_TEST_KEY": "sk-local"})
    assert done.returncode == 0, done.stdout + done.stderr
    conn = sqlite3.connect(tmp_path / "ingest.db")
    conn.row_factory = sqlite3.Row
    stories = [dict(r) for r in conn.execute("SELECT * FROM stories")]
    conn.close()
    return stories, done.stderr


def test_once_stores_the_models_summary(site: LocalSite, model: Model, fixtures: Path, tmp_path: Path) -> None:
    stories, _ = _run(site, model, fixtures, tmp_path)
    assert stories and all(s["summarized_by"] == "local-model" and s["stale"] == 0 for s in stories)
    assert {s["summary"] for s in stories} == {ANSWER["summary"]}
    assert len(model.bodies) == len(stories) and set(model.auth) == {"Bearer sk-local"}


def test_once_falls_back_to_the_extractive_summary_when_the_model_fails(
    site: LocalSite, model: Model, fixtures: Path, tmp_path: Path
) -> None:
    model.mode = "error"
    stories, log = _run(site, model, fixtures, tmp_path)
    assert stories and all(s["summarized_by"] == "extractive" and s["summary"] for s in stories)
    assert ANSWER["summary"] not in {s["summary"] for s in stories}
    fallbacks = [e for e in map(json.loads, log.splitlines()) if e["event"] == "summary_fallback"]
    assert len(fallbacks) == len(stories) and all("HTTP 500" in e["error"] for e in fallbacks)


def test_a_summarizer_without_a_model_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text("feeds:\n  - http://127.0.0.1:9/feed.xml\nsummarizer:\n  base_url: http://127.0.0.1:9/v1\n")
    done = run_ingest("--once", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"ingest: {config}:4: summarizer.model: required key is missing"
