"""Near-duplicate index and story clustering, on real article text and small hand-written reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from datasketch import LeanMinHash, MinHash

from ingest.dedupe.clusters import StoryArticle, StoryClusterer
from ingest.dedupe.fingerprint import NUM_PERM, from_bytes, jaccard, signature_of, signed, to_bytes
from ingest.dedupe.neardup import FingerprintRow, NearDuplicateIndex
from ingest.dedupe.shingles import shingles, sketch

HEADER = "Advertisement\nSkip to main content\nSubscribe now: first month free\nShare this article\n"
FOOTER = "\nYou may also like\nRecent Comments\nCopyright ©2025 All rights reserved | Example Media Group"


@pytest.fixture(scope="module")
def texts(fixtures: Path) -> list[str]:
    """Long full texts of the dev text track, one per event."""
    rows = [json.loads(line) for line in (fixtures / "stories" / "text" / "articles.jsonl").open()]
    seen, chosen = set(), []
    for row in rows:
        event = row["id"].rsplit("_", 1)[0]
        if len(row["text"].split()) > 300 and event not in seen:
            seen.add(event)
            chosen.append(row["text"])
    return chosen[:10]


def test_wire_copy_with_other_furniture_is_a_duplicate(texts: list[str]) -> None:
    index = NearDuplicateIndex()
    for i, text in enumerate(texts[1:], 1):
        assert index.add(f"other{i}", text) is None
    assert index.add("wire", texts[0]) is None
    assert index.add("copy", HEADER + texts[0] + FOOTER) == "wire"
    trimmed = " ".join(texts[0].split()[: len(texts[0].split()) * 6 // 10])  # a print edition's cut
    assert index.add("trimmed", "Newsletter sign-up\n" + trimmed) == "wire"


def test_copy_of_a_copy_points_at_the_first(texts: list[str]) -> None:
    index = NearDuplicateIndex()
    index.add("first", texts[0])
    index.add("second", HEADER + texts[0])
    assert index.add("third", texts[0] + FOOTER) == "first"


def test_unrelated_and_short_texts_are_not_duplicates(texts: list[str]) -> None:
    index = NearDuplicateIndex()
    for i, text in enumerate(texts):
        assert index.add(f"a{i}", text) is None
    furniture = "Chat with us in Facebook Messenger. Find out what's happening in the world as it unfolds."
    assert index.add("video1", furniture) is None
    assert index.add("video2", furniture) is None  # too short to say anything


def rows_of(index: NearDuplicateIndex, ids: list[str]) -> list[FingerprintRow]:
    """The index's rows for these articles, as the store keeps them."""
    rows = [index.row(article_id) for article_id in ids]
    assert None not in rows
    return rows  # type: ignore[return-value]


def test_index_survives_a_restart_through_rows(texts: list[str]) -> None:
    index = NearDuplicateIndex()
    for i, text in enumerate(texts[:5]):
        index.add(f"a{i}", text)
    index.add("copy", HEADER + texts[2])
    ids = [*(f"a{i}" for i in range(5)), "copy"]
    rows = [
        FingerprintRow(r.article_id, bytes(r.signature), r.shingles, r.duplicate_of)
        for r in rows_of(index, ids)
    ]
    restored = NearDuplicateIndex.from_rows(rows)
    assert len(restored) == 6
    assert restored.row("copy").duplicate_of == "a2"
    assert restored.add("later", texts[2] + FOOTER) == "a2"
    assert restored.add("new", texts[7]) is None


def test_a_sketch_made_elsewhere_finds_what_the_text_finds(texts: list[str]) -> None:
    # The daemon makes sketches in worker processes; they must index exactly as the text would.
    by_text, by_sketch, by_signed = NearDuplicateIndex(), NearDuplicateIndex(), NearDuplicateIndex()
    for i, text in enumerate([*texts[:4], HEADER + texts[2], texts[1] + FOOTER]):
        made = sketch(text)
        assert made is not None and made.shingles == len(shingles(text))
        original = by_text.add(f"a{i}", text)
        assert by_sketch.add(f"a{i}", "", made) == original
        assert by_signed.add(f"a{i}", "", signed(made)) == original  # the signature made in a worker
    ids = [f"a{i}" for i in range(6)]
    assert rows_of(by_sketch, ids) == rows_of(by_text, ids) == rows_of(by_signed, ids)
    assert [r.duplicate_of for r in rows_of(by_sketch, ids)] == [None, None, None, None, "a2", "a1"]


def test_signatures_are_datasketchs_own_whichever_half_makes_them(texts: list[str]) -> None:
    # Stored signatures must stay comparable: ours equal datasketch's default MinHash, bit for bit.
    for text in texts[:20]:
        reference = MinHash(num_perm=128, seed=1, scheme="affine32")
        reference.update_batch([g.encode() for g in shingles(text)])
        made = sketch(text)
        assert made is not None
        assert to_bytes(signature_of(made)) == to_bytes(LeanMinHash(reference).hashvalues)


def test_signature_bytes_round_trip(texts: list[str]) -> None:
    made = sketch(texts[0])
    assert made is not None
    sig = signature_of(made)
    assert len(to_bytes(sig)) == 128 * 8
    assert jaccard(from_bytes(to_bytes(sig)), sig) == 1.0
    assert jaccard(sig, signature_of(sketch(texts[1]))) < 0.2


# Reports of unrelated events, so that document frequencies mean something.
BACKGROUND = [
    (
        "Central bank holds rates steady",
        (
            "The European Central Bank kept its main interest rate unchanged "
            "on Thursday, and President Christine Lagarde said inflation was easing across the euro zone."
        ),
    ),
    (
        "Storm floods coastal towns",
        (
            "Hurricane Delia flooded towns along the Gulf coast of Texas, and "
            "officials in Galveston ordered residents to leave low-lying neighbourhoods."
        ),
    ),
    (
        "Tech giant unveils new phone",
        (
            "Apple showed its new iPhone at an event in Cupertino, California, "
            "with a faster chip and a better camera, priced from 799 dollars."
        ),
    ),
    (
        "Football club sacks manager",
        (
            "Chelsea dismissed its manager after a run of five defeats, the "
            "London club said in a statement on Sunday evening."
        ),
    ),
    (
        "Wildfire spreads in Greece",
        (
            "Firefighters battled a wildfire near Athens as strong winds pushed "
            "the flames towards villages on the slopes of Mount Parnitha."
        ),
    ),
    (
        "Election results in Brazil",
        (
            "Voters in Brazil chose a new Congress on Sunday, with the Workers' "
            "Party of President Lula gaining seats in São Paulo and Rio de Janeiro."
        ),
    ),
]
START = datetime(2024, 5, 1, 9, tzinfo=UTC)


def _clusterer() -> StoryClusterer:
    clusterer = StoryClusterer()
    for i, (title, text) in enumerate(BACKGROUND):
        clusterer.assign(StoryArticle(f"bg{i}", title, text, START - timedelta(hours=i + 1)))
    return clusterer


def _article(
    id_: str, title: str, text: str, hours: float = 0, duplicate_of: str | None = None
) -> StoryArticle:
    return StoryArticle(id_, title, text, START + timedelta(hours=hours), "example.com", duplicate_of)


QUAKE_1 = _article(
    "quake1",
    "Earthquake of magnitude 7.1 strikes southern Peru",
    "A powerful earthquake struck southern Peru near the city of Arequipa on Monday, killing at least "
    "twelve people, Peru's Geophysical Institute said. Houses collapsed in Arequipa and Moquegua.",
)
QUAKE_2 = _article(
    "quake2",
    "Deadly quake hits Arequipa region; rescuers search rubble",
    "Rescuers in Peru searched collapsed homes in Arequipa after the magnitude 7.1 earthquake, as "
    "President Boluarte flew to Moquegua, where the quake killed several people.",
    hours=5,
)


def test_two_reports_of_one_event_share_a_story() -> None:
    clusterer = _clusterer()
    first = clusterer.assign(QUAKE_1)
    assert clusterer.assign(QUAKE_2) == first == "quake1"
    assert clusterer.story_of("bg0") != first


def test_the_same_words_months_apart_are_another_story() -> None:
    clusterer = _clusterer()
    first = clusterer.assign(QUAKE_1)
    later = StoryArticle("quake-again", QUAKE_2.title, QUAKE_2.text, START + timedelta(days=120))
    assert clusterer.assign(later) != first


def test_an_article_that_bridges_two_stories_merges_them() -> None:
    clusterer = _clusterer()
    volcano = clusterer.assign(_article(
        "volcano", "Volcano erupts on Iceland's Reykjanes peninsula",
        "Lava poured from a fissure near Grindavik on Iceland's Reykjanes peninsula, and the town was "
        "evacuated overnight, Iceland's Meteorological Office said.",
    ))  # fmt: skip
    flights = clusterer.assign(_article(
        "flights", "Airlines cancel flights across Europe as ash cloud spreads",
        "Ryanair and Lufthansa cancelled hundreds of flights on Tuesday as an ash cloud drifted over "
        "northern Europe, and Eurocontrol closed airspace over Scotland and Norway.", hours=2,
    ))  # fmt: skip
    assert volcano != flights
    bridge = clusterer.assign(_article(
        "bridge", "Ash cloud from Reykjanes volcano grounds flights across Europe",
        "Lava poured from the fissure near Grindavik on Iceland's Reykjanes peninsula, and the eruption "
        "sent an ash cloud over Europe; Ryanair and Lufthansa cancelled flights and Eurocontrol closed "
        "airspace.", hours=4,
    ))  # fmt: skip
    assert bridge == volcano  # the older story's id survives
    assert clusterer.story_of("flights") == volcano
    assert clusterer.pop_merges() == [("flights", "volcano")]
    assert clusterer.pop_merges() == []


def test_a_duplicate_gets_the_story_of_its_original() -> None:
    clusterer = _clusterer()
    story = clusterer.assign(QUAKE_1)
    # Whatever its text, a copy follows its original: the near-duplicate index has already decided.
    copy = _article("copy", "Storm floods coastal towns", BACKGROUND[1][1], hours=1, duplicate_of="quake1")
    assert clusterer.assign(copy) == story
    assert clusterer.story_of("copy") == story


def test_the_written_down_lsh_bands_are_datasketchs_choice() -> None:
    # The index bands signatures itself, to spare the placing process scipy; its table must stay what
    # datasketch's MinHashLSH computes, or candidates would differ.
    from datasketch import MinHashLSH

    from ingest.dedupe.neardup import BANDS

    for threshold, (bands, rows) in BANDS.items():
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        assert (lsh.b, lsh.r) == (bands, rows)


def test_the_banded_index_finds_what_datasketchs_lsh_finds(texts: list[str]) -> None:
    from datasketch import LeanMinHash as Lean
    from datasketch import MinHashLSH

    from ingest.dedupe.fingerprint import SCHEME, SEED
    from ingest.dedupe.neardup import _Bands, bands_for

    ours, theirs = _Bands(*bands_for(0.2)), MinHashLSH(threshold=0.2, num_perm=NUM_PERM)
    sigs = [signature_of(sketch(text)) for text in [*texts[:30], HEADER + texts[2], texts[5] + FOOTER]]
    for i, sig in enumerate(sigs):
        lean = Lean(seed=SEED, hashvalues=sig, scheme=SCHEME)
        assert ours.query(sig) == set(theirs.query(lean)), i
        ours.insert(f"a{i}", sig)
        theirs.insert(f"a{i}", lean)
