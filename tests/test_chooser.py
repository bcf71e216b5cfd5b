"""The learned choice among candidate extractions: its features, its shipped model and its training."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.extract.article import extract_article
from ingest.extract.candidates import EXTRA, PRODUCTION
from ingest.extract.chooser import MODEL_FILE, Model, best, choose, scores, shipped_model
from ingest.extract.features import NAMES, feature_rows

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
from extraction_score import score  # noqa: E402
from train_extraction import FOLDS, Page, fit, folds, pick  # noqa: E402

ARTICLE = [
    "The council voted on Tuesday to close the old bridge to cars from next spring, after years of debate.",
    "Engineers had warned that the structure could no longer carry heavy traffic safely, the mayor said.",
    "Cyclists and pedestrians will still be able to cross while the replacement is being built nearby.",
]
TEASERS = ["Ten gardens to visit this summer in the region", "Local team wins the regional cup final again"]


def column(name: str) -> int:
    return NAMES.index(name)


# -- features ------------------------------------------------------------------------------------------


def test_agreement_separates_the_article_from_what_one_extractor_adds() -> None:
    blocks = {"a": ARTICLE, "b": ARTICLE + TEASERS, "c": ARTICLE[:2], "d": ARTICLE}
    a, b, c, _ = feature_rows(blocks, ("a", "b", "c", "d"), prose=1000, links=frozenset(TEASERS))
    # b holds lines nobody else has, and they are link texts; c misses a line the others agree on.
    assert a[column("consensus_precision")] == 1.0 > b[column("consensus_precision")]
    assert c[column("consensus_recall")] < a[column("consensus_recall")] == 1.0
    assert b[column("link_share")] > 0 == a[column("link_share")]
    assert b[column("extra_link_share")] == 1.0 and b[column("extra_share")] > 0
    assert c[column("missing_share")] > 0 == b[column("missing_share")]


def test_features_of_an_empty_candidate_and_the_one_hot_identity() -> None:
    names = ("a", "b")
    rows = feature_rows({"a": ARTICLE}, names, prose=0, links=frozenset())
    assert len(rows[0]) == len(NAMES) + len(names)
    assert rows[1][column("empty")] == 1.0 and rows[0][column("empty")] == 0.0
    assert rows[0][len(NAMES) :] == [1.0, 0.0] and rows[1][len(NAMES) :] == [0.0, 1.0]


def test_furniture_lines_count_against_a_candidate() -> None:
    rows = feature_rows({"a": ARTICLE, "b": [*ARTICLE, "Share this article"]}, ("a", "b"), 1000, frozenset())
    assert rows[1][column("furniture_share")] > 0 == rows[0][column("furniture_share")]


# -- the shipped model ---------------------------------------------------------------------------------


def test_shipped_model_weighs_production_candidates_and_round_trips() -> None:
    model = shipped_model()
    assert model.names == PRODUCTION
    assert model.weights.shape == (len(NAMES) + len(model.names),) and np.all(model.scale > 0)
    again = Model.from_json(json.loads(json.dumps(model.to_json())))
    assert again.names == model.names and np.allclose(again.weights, model.weights, atol=1e-6)


def test_a_model_trained_on_other_features_is_refused() -> None:
    data = json.loads(MODEL_FILE.read_text()) | {"features": ["something", "else"]}
    with pytest.raises(ValueError, match="train_extraction"):
        Model.from_json(data)


def test_an_empty_candidate_is_never_chosen_over_one_with_text() -> None:
    model = shipped_model()
    for name in model.names:
        blocks = {other: ARTICLE for other in model.names if other != name}
        assert choose(model, blocks, 1000, frozenset()) != name
    assert best(np.array([5.0, 1.0]), [False, True]) == 1 and best(np.array([1.0, 5.0]), [False, False]) == 0


def test_a_teaser_list_lowers_a_candidates_score() -> None:
    model = shipped_model()
    base = model.names[0]

    def base_score(teasers: int) -> float:
        lines = [f"Teaser headline number {i} about the town" for i in range(teasers)]
        blocks = {name: ARTICLE for name in model.names} | {base: ARTICLE + lines}
        return float(scores(model, feature_rows(blocks, model.names, 1000, frozenset(lines)))[0])

    assert base_score(12) < base_score(2) < base_score(0)


def test_extraction_runs_the_production_candidates_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import ingest.extract.candidates as candidates

    seen: list[dict] = []
    real = candidates._trafilatura
    monkeypatch.setattr(candidates, "_trafilatura", lambda *a, **kw: seen.append(kw) or real(*a, **kw))
    page = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in ARTICLE) + "</article></body></html>"
    assert "old bridge" in extract_article(page, "https://example.org/bridge").text
    # One trafilatura pass, the recall one, which also reads the metadata; no benchmark-only candidate.
    assert [kw.get("favor_recall") for kw in seen] == [True] and seen[0]["with_metadata"]
    assert not set(EXTRA) & set(PRODUCTION)


# -- training ------------------------------------------------------------------------------------------


def synthetic_pages(count: int, seed: int) -> list[Page]:
    """Two candidates; the one with the higher first feature is the better one, with noise elsewhere."""
    rng = np.random.default_rng(seed)
    pages = []
    for index in range(count):
        rows = rng.normal(size=(2, len(NAMES) + 2))
        rows[:, len(NAMES) :] = np.eye(2)
        better = int(rows[1, 0] > rows[0, 0])
        scored = [score("a b c d e", "a b c d e f g h") for _ in range(2)]
        scored[better] = score("a b c d e f g h", "a b c d e f g h")
        pages.append(Page(f"p{index}", "wcxb", f"site{index % 50}.example", rows, scored))
    return pages


def test_training_is_deterministic_and_learns_a_signal_that_is_there() -> None:
    train, held_out = synthetic_pages(300, seed=1), synthetic_pages(200, seed=2)
    model = fit(train, ("x", "y"))
    assert np.array_equal(model.weights, fit(train, ("x", "y")).weights)
    right = sum(page.scored[pick(model, page)].f1 == 1.0 for page in held_out)
    assert right >= 0.9 * len(held_out)


def test_folds_never_split_a_site() -> None:
    pages = synthetic_pages(200, seed=3)
    assigned = folds(pages)
    by_site: dict[str, set[int]] = {}
    for page, fold in zip(pages, assigned, strict=True):
        by_site.setdefault(page.site, set()).add(fold)
    assert all(len(found) == 1 for found in by_site.values())
    assert set(assigned) == set(range(FOLDS))
