"""Extractive story summaries (dedupe/summary.py) on the text track's real reports."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from ingest.stories.summary import (
    MAX_KEY_POINTS,
    MIN_KEY_POINTS,
    Member,
    article_summary,
    headline,
    sources,
    split_sentences,
    summarize,
)


@pytest.fixture(scope="module")
def events(fixtures: Path) -> dict[str, list[Member]]:
    """The text track's events of three or more reports, as members."""
    path = fixtures / "stories" / "text"
    gold = {r["id"]: r["cluster"] for r in map(json.loads, (path / "gold.jsonl").open(encoding="utf-8"))}
    found: dict[str, list[Member]] = defaultdict(list)
    for row in map(json.loads, (path / "articles.jsonl").open(encoding="utf-8")):
        found[gold[row["id"]]].append(
            Member(row["id"], row["title"], row["text"], row["source"], row["published"])
        )
    return {event: members for event, members in found.items() if len(members) >= 3}


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One is here. Two is there.", ["One is here.", "Two is there."]),
        ("Mr. Smith met Dr. Jones. They spoke.", ["Mr. Smith met Dr. Jones.", "They spoke."]),
        ("The U.S. Senate voted. It passed.", ["The U.S. Senate voted.", "It passed."]),
        ("J. R. Tolkien wrote it. Fans read it.", ["J. R. Tolkien wrote it.", "Fans read it."]),
        ('"We won," she said. "Again?" he asked.', ['"We won," she said.', '"Again?" he asked.']),
        ("Stocks fell 2.5 percent. Bonds rose.", ["Stocks fell 2.5 percent.", "Bonds rose."]),
        ("A heading\nA paragraph follows. Then more.", ["A heading", "A paragraph follows.", "Then more."]),
        ("It opened Jan. 5 in Paris. Crowds came.", ["It opened Jan. 5 in Paris.", "Crowds came."]),
        ("no end here", ["no end here"]),
    ],
)
def test_sentences_end_where_sentences_end(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_every_event_gets_a_summary_and_three_to_five_key_points_from_its_reports(
    events: dict[str, list[Member]],
) -> None:
    for event, members in events.items():
        digest = summarize(members)
        corpus = " ".join(" ".join(m.text.split()) for m in members)
        assert digest.summary, event
        assert MIN_KEY_POINTS <= len(digest.key_points) <= MAX_KEY_POINTS, event
        # Extractive: quoted, never made up (a dateline before a sentence may be left out).
        assert digest.summary[:60] in corpus, event
        assert all(part[-40:] in corpus for part in split_sentences(digest.summary)), event
        assert all(point in corpus for point in digest.key_points), event
        assert not set(digest.key_points) & set(split_sentences(digest.summary)), event
        assert digest.title in {headline(m) for m in members}, event


def test_key_points_spread_over_the_reports(events: dict[str, list[Member]]) -> None:
    spread = []
    for members in events.values():
        digest = summarize(members)
        quoting = {m.id for m in members for p in digest.key_points if p in " ".join(m.text.split())}
        spread.append(len(quoting) >= min(3, len(members)))
    assert sum(spread) >= 0.9 * len(spread)


def test_the_summary_leaves_out_near_repeats() -> None:
    lead = "The city council approved the new harbour bridge on Monday after a long debate."
    members = [
        Member("a", "Council approves bridge", f"{lead} Work starts in May.", "a.example", "2025-01-01"),
        Member("b", "Bridge approved", f"{lead} Work starts in May.".replace("long", "lengthy"),
               "b.example", "2025-01-01"),
        Member("c", "Harbour bridge gets the nod", "The harbour bridge was approved by the city council "
               "on Monday. Opponents said the cost of the bridge was too high for the city.", "c.example",
               "2025-01-02"),
    ]
    summary = split_sentences(summarize(members).summary)
    assert sum("new harbour bridge on Monday" in s for s in summary) == 1


def test_copies_count_for_sources_but_not_for_the_text() -> None:
    original = Member("a", "Storm hits coast", "A storm hit the coast on Friday, cutting power to "
                      "thousands of homes. Crews worked through the night to restore it.", "wire.example")
    copy = Member("b", "Storm hits coast", original.text + " Copyright Wire.", "paper.example", duplicate_of="a")
    digest = summarize([original, copy])
    assert "Copyright" not in digest.summary + " ".join(digest.key_points)
    assert sources(["wire.example", "paper.example", "paper.example", ""]) == {
        "paper.example": 2,
        "wire.example": 1,
    }


def test_one_article_is_a_story_too() -> None:
    text = (
        "A storm hit the coast on Friday, cutting power to thousands of homes. Crews worked through "
        "the night to restore power to the homes. Schools in the area will stay closed on Monday. "
        "Forecasters expect calmer weather next week, with sunshine by Wednesday."
    )
    digest = summarize([Member("a", "Storm hits coast | Coastal Times", text, "coastaltimes.example",
                               site_name="Coastal Times", image_url="http://x/i.jpg", image_caption="Waves")])
    assert digest.title == "Storm hits coast"
    assert digest.summary.startswith("A storm hit the coast")
    assert len(digest.key_points) == 2  # four sentences: two summarise, the rest are the points
    assert (digest.image_url, digest.image_caption, digest.image_source) == (
        "http://x/i.jpg", "Waves", "coastaltimes.example"
    )


def test_nothing_to_summarise_is_an_error() -> None:
    with pytest.raises(ValueError):
        summarize([])


@pytest.mark.parametrize(
    ("title", "site_name", "source", "expected"),
    [
        ("China says plan raises risk - CBS News", None, "cbsnews.com", "China says plan raises risk"),
        ("Can the US be counted on? | South China Morning Post", "South China Morning Post", "scmp.com",
         "Can the US be counted on?"),
        ("Analysis: What China wants | CNN BusinessClose icon", "CNN", "edition.cnn.com",
         "Analysis: What China wants"),
        ("U.S., China hold first call", "CNBC", "cnbc.com", "U.S., China hold first call"),
    ],
)
def test_headlines_lose_the_site_name(title: str, site_name: str | None, source: str, expected: str) -> None:
    assert headline(Member("x", title, "", source, site_name=site_name)) == expected


def test_an_article_summary_is_a_few_of_its_sentences_in_order(events: dict[str, list[Member]]) -> None:
    for members in events.values():
        for member in members:
            summary = article_summary(member.text, max_words=90).removesuffix("…")  # a text without sentences
            sentences = split_sentences(summary)
            flat = " ".join(member.text.split())
            positions = [flat.find(s) for s in sentences]
            assert summary and all(p >= 0 for p in positions) and positions == sorted(positions)
            assert len(summary.split()) <= 90 or len(sentences) == 1
