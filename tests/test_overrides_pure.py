"""The deduper's explanations and overrides, in memory: every decision says why, and every override
binds later placements, also after a rebuild from what the store keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_clusters_window import BACKGROUND as WINDOW_BACKGROUND
from test_dedupe import texts as texts  # a fixture, used by name

from ingest.dedupe import reasons
from ingest.dedupe.assign import Deduper, Placement, story_article
from ingest.dedupe.clusters import StoryClusterer
from ingest.dedupe.neardup import FingerprintRow
from ingest.dedupe.overrides import MERGE, SPLIT, UNMARK, Override
from ingest.dedupe.reasons import Reason, describe, from_json, to_json
from ingest.model import Article

START = datetime(2024, 3, 4, 9, tzinfo=UTC)
HEADER = "Advertisement\nSkip to main content\nSubscribe now: first month free\n"

# Background: three unrelated events, three of the window tests' own.
BACKGROUND = [WINDOW_BACKGROUND[i] for i in (0, 1, 3)]
VOLCANO = (
    "Volcano erupts on Iceland's Reykjanes peninsula",
    "Lava poured from a fissure near Grindavik on Iceland's Reykjanes peninsula, and the town was "
    "evacuated overnight, Iceland's Meteorological Office said.",
)
VOLCANO_2 = (
    "Grindavik evacuated as Reykjanes eruption continues",
    "The eruption near Grindavik on Iceland's Reykjanes peninsula went on for a second day; lava "
    "reached the edge of the evacuated town, Iceland's Meteorological Office said.",
)
FLIGHTS = (
    "Airlines cancel flights across Europe as ash cloud spreads",
    "Ryanair and Lufthansa cancelled hundreds of flights on Tuesday as an ash cloud drifted over "
    "northern Europe, and Eurocontrol closed airspace over Scotland and Norway.",
)
BRIDGE = (
    "Ash cloud from Reykjanes volcano grounds flights across Europe",
    "The eruption near Grindavik on Iceland's Reykjanes peninsula sent an ash cloud over Europe; "
    "Ryanair and Lufthansa cancelled flights and Eurocontrol closed airspace over Scotland.",
)


def article(id_: str, title: str, text: str, hours: float = 0) -> Article:
    when = (START + timedelta(hours=hours)).isoformat()
    return Article(
        id=id_, url=f"https://example.com/{id_}", canonical_url=f"https://example.com/{id_}",
        feed="https://example.com/feed", guid=None, source="example.com", site_name=None, title=title,
        description=None, author=None, published=when, fetched_at=when, language="en", text=text,
        word_count=len(text.split()), image_url=None, image_caption=None, content_hash=id_,
    )  # fmt: skip


class Recorder:
    """A deduper and the rows a store would keep of what it placed: enough to rebuild it."""

    def __init__(self) -> None:
        self.deduper = Deduper()
        self.articles: dict[str, Article] = {}
        self.rows: dict[str, FingerprintRow] = {}
        self.overrides: list[Override] = []

    def place(self, item: Article, **options: bool) -> Placement:
        placed = self.deduper.place(item, **options)
        item.duplicate_of, item.story_id = placed.duplicate_of, placed.story_id
        self.articles[item.id] = item
        if placed.fingerprint:
            self.rows[item.id] = placed.fingerprint
        for gone, keep in placed.merges:
            self.relabel(gone, keep)
        return placed

    def relabel(self, gone: str, keep: str) -> None:
        for item in self.articles.values():
            if item.story_id == gone:
                item.story_id = keep

    def rebuilt(self) -> Deduper:
        fingerprints = [(row, self.articles[a].story_id) for a, row in self.rows.items()]
        recent = sorted(self.articles.values(), key=lambda a: a.published or "")
        return Deduper.rebuild(fingerprints, recent, self.overrides)


def _with_background() -> Recorder:
    recorder = Recorder()
    for i, (title, text) in enumerate(BACKGROUND):
        recorder.place(article(f"bg{i}", title, text, hours=-10 - i))
    return recorder


def test_reasons_read_as_people_expect() -> None:
    copy = Reason(reasons.MINHASH, 0.9134, "3f2a9b8c7d6e5f40")
    assert describe(copy) == "duplicate of 3f2a9b8c… (MinHash Jaccard 0.91)"
    joined = Reason(reasons.CENTROID, 0.4712, "8c1d0e9f8a7b", ("Blinken", "Beijing"))
    assert (
        describe(joined)
        == "joined story 8c1d0e9f… (cosine 0.47 to the story's centroid; shared names: Blinken, Beijing)"
    )
    assert describe(Reason(reasons.SAME_TEXT, 1.0, "ab")) == "duplicate of ab (same text)"
    for reason in (
        copy,
        joined,
        Reason(reasons.NEW_STORY, None, "x"),
        Override(SPLIT, "a", "n", "o").reason(),
    ):
        assert from_json(to_json(reason)) == reason
    assert to_json(None) is None and from_json(None) is None
    with pytest.raises(ValueError):
        Override("squash", "a")


def test_every_placement_says_why(texts: list[str]) -> None:
    recorder = _with_background()
    first = recorder.place(article("orig", *VOLCANO[:1], texts[0]))
    assert first.duplicate_reason is None and first.story_reason.method == reasons.NEW_STORY
    copy = recorder.place(article("copy", VOLCANO[0], HEADER + texts[0], hours=1))
    assert copy.duplicate_of == "orig" and copy.story_id == first.story_id
    assert copy.duplicate_reason.method == reasons.MINHASH and copy.duplicate_reason.matched == "orig"
    assert 0.2 <= copy.duplicate_reason.score <= 1.0
    assert (
        describe(copy.duplicate_reason)
        == f"duplicate of orig (MinHash Jaccard {copy.duplicate_reason.score:.2f})"
    )
    assert copy.story_reason.method == reasons.COPY and copy.story_reason.via == "orig"
    exact = recorder.deduper.place(article("exact", "", texts[0], hours=2), ("orig", first.story_id))
    assert exact.duplicate_reason == Reason(reasons.SAME_TEXT, 1.0, "orig")
    assert exact.story_id == first.story_id


def test_a_split_article_is_never_pulled_back_nor_merged_again() -> None:
    recorder = _with_background()
    volcano = recorder.place(article("volcano", *VOLCANO)).story_id
    assert recorder.place(article("volcano2", *VOLCANO_2, hours=1)).story_id == volcano
    [override] = recorder.deduper.split(["volcano2"], "split-story")
    assert override == Override(SPLIT, "volcano2", "split-story", volcano)
    assert override.reason().detail == "split" and "split from story" in describe(override.reason())
    recorder.overrides.append(override)
    recorder.articles["volcano2"].story_id = "split-story"
    for deduper in (recorder.deduper, recorder.rebuilt()):
        assert deduper.clusterer.story_of("volcano2") == "split-story"
        # Close to both halves: it joins one, and never merges them.
        bridge = deduper.place(article("again", *VOLCANO_2, hours=2))
        assert bridge.merges == []
        assert {deduper.clusterer.story_of("volcano"), deduper.clusterer.story_of("volcano2")} == {
            volcano,
            "split-story",
        }


def test_a_split_article_placed_again_goes_back_to_its_own_story() -> None:
    # Re-extraction: the article leaves the stored state and is placed again among the others.
    recorder = _with_background()
    volcano = recorder.place(article("volcano", *VOLCANO)).story_id
    recorder.place(article("volcano2", *VOLCANO_2, hours=1))
    recorder.overrides += recorder.deduper.split(["volcano2"], "split-story")
    again = recorder.articles.pop("volcano2")
    recorder.rows.pop("volcano2", None)
    deduper = recorder.rebuilt()
    placed = deduper.place(again)
    assert placed.story_id == "split-story" != volcano
    assert placed.story_reason == Override(SPLIT, "volcano2", "split-story").reason()


def test_copies_of_a_split_article_follow_it(texts: list[str]) -> None:
    recorder = _with_background()
    story = recorder.place(article("orig", "Lava reaches Grindavik", texts[1])).story_id
    recorder.place(article("copy1", "Lava reaches Grindavik", HEADER + texts[1], hours=1))
    recorder.overrides += recorder.deduper.split(["orig", "copy1"], "own", story)
    for item in ("orig", "copy1"):
        recorder.articles[item].story_id = "own"
    for deduper in (recorder.deduper, recorder.rebuilt()):
        later = deduper.place(article("copy2", "", texts[1] + "\nShare this article", hours=3))
        assert later.duplicate_of == "orig" and later.story_id == "own"


def test_a_merge_binds_later_articles() -> None:
    recorder = _with_background()
    volcano = recorder.place(article("volcano", *VOLCANO)).story_id
    flights = recorder.place(article("flights", *FLIGHTS, hours=1)).story_id
    assert volcano != flights
    survivor = recorder.deduper.merge(flights, volcano)
    assert survivor == flights
    recorder.overrides.append(Override(MERGE, story_id=survivor, other_story_id=volcano))
    recorder.relabel(volcano, survivor)
    for deduper in (recorder.deduper, recorder.rebuilt()):
        assert deduper.place(article("volcano2", *VOLCANO_2, hours=2)).story_id == survivor


def test_a_merge_lifts_a_split() -> None:
    recorder = _with_background()
    volcano = recorder.place(article("volcano", *VOLCANO)).story_id
    recorder.place(article("volcano2", *VOLCANO_2, hours=1))
    recorder.deduper.split(["volcano2"], "split-story")
    assert recorder.deduper.merge(volcano, "split-story") == volcano
    assert recorder.deduper.clusterer.story_of("volcano2") == volcano


def test_an_unmarked_copy_is_not_marked_again(texts: list[str]) -> None:
    recorder = _with_background()
    orig = recorder.place(article("orig", "Lava reaches Grindavik", texts[2]))
    copy = recorder.place(article("copy", "Lava reaches Grindavik", HEADER + texts[2], hours=1))
    assert copy.duplicate_of == "orig"
    with pytest.raises(ValueError):
        recorder.deduper.unmark("orig")  # not a copy: nothing to clear
    override = recorder.deduper.unmark("copy")  # the original its row names
    assert override == Override(UNMARK, "copy", original_id="orig")
    assert describe(override.reason()) == "not a duplicate of orig (override: mark cleared)"
    assert recorder.deduper.index.row("copy").duplicate_of is None  # the row the store rewrites
    recorder.overrides.append(override)
    # Re-extracted: its old row is gone, it is placed again, by index and by content hash.
    del recorder.rows["copy"]
    deduper = recorder.rebuilt()
    assert (
        deduper.place(
            article("copy", "", HEADER + texts[2], hours=2), ("orig", orig.story_id)
        ).duplicate_of
        is None
    )
    # The override is about that article and that original: another copy is still a copy.
    other = deduper.place(article("other", "", texts[2] + "\nShare this article", hours=3))
    assert other.duplicate_of == "orig"


def test_a_feed_can_keep_its_copies(texts: list[str]) -> None:
    recorder = _with_background()
    orig = recorder.place(article("orig", "Lava reaches Grindavik", texts[0]))
    kept = recorder.place(article("kept", "", HEADER + texts[0], hours=1), near_duplicates=False)
    assert kept.duplicate_of is None and kept.duplicate_reason is None
    assert kept.fingerprint is not None and kept.fingerprint.duplicate_of is None
    # Not collapsed, but still in its original's story.
    assert kept.story_id == orig.story_id and kept.story_reason.method == reasons.COPY
    # Another feed's copy is still collapsed onto the first original.
    assert recorder.place(article("copy", "", texts[0] + "\nShare", hours=2)).duplicate_of == "orig"


def test_an_article_placed_again_does_not_take_the_name_of_the_story_it_started(texts: list[str]) -> None:
    """Re-extraction places an article again among the stories of its days: if it started a story that
    keeps other articles, and now joins none, its new story must not reuse that story's id."""
    clusterer = StoryClusterer()
    clusterer.restore(story_article(article("other", "Lava reaches Grindavik", texts[1])), "first")
    placed = clusterer.place(story_article(article("first", "Markets rally", texts[2])))
    assert placed.story_id not in ("first", "") and placed.reason.matched == placed.story_id
    assert clusterer.story_of("other") == "first"
