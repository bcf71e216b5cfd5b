"""The learned choice among a page's candidate extractions, and the article text it makes.

A conditional logit: each candidate gets a score, the weights times its standardised features
(features.py), and the highest score wins. The weights are trained by bench/train_extraction.py on the
dev pages and shipped as chooser.json next to this module: plain numbers, read once, no download.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.extract.features import NAMES, feature_rows
from ingest.extract.headings import insert_headings
from ingest.extract.lines import STEPS, drop_boilerplate

MODEL_FILE = Path(__file__).with_name("chooser.json")


@dataclass(frozen=True, slots=True)
class Model:
    """The chooser's parameters: which candidates it weighs, in order, and how."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray

    def to_json(self) -> dict[str, object]:
        return {
            "trained_by": "bench/train_extraction.py",
            "names": list(self.names),
            "features": list(NAMES),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "weights": self.weights.round(6).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict) -> Model:
        if data.get("features", list(NAMES)) != list(NAMES):
            raise ValueError("chooser.json was trained on other features: run bench/train_extraction.py")
        return cls(
            names=tuple(data["names"]),
            mean=np.asarray(data["mean"], dtype=float),
            scale=np.asarray(data["scale"], dtype=float),
            weights=np.asarray(data["weights"], dtype=float),
        )


@functools.cache
def shipped_model() -> Model:
    """The model trained on the dev pages, shipped with the package."""
    return Model.from_json(json.loads(MODEL_FILE.read_text()))


def scores(model: Model, rows: list[list[float]]) -> np.ndarray:
    """Each candidate's score."""
    return ((np.asarray(rows, dtype=float) - model.mean) / model.scale) @ model.weights


def choose(model: Model, blocks: dict[str, list[str]], prose: int, links: frozenset[str]) -> str:
    """The name of the candidate the model rates highest among those that found some text (the first
    when none did)."""
    ranked = scores(model, feature_rows(blocks, model.names, prose, links))
    return model.names[best(ranked, [bool(blocks.get(name)) for name in model.names])]


def best(ranked: np.ndarray, present: list[bool]) -> int:
    """The index of the highest score among the candidates present; 0 when none is."""
    found = [i for i, here in enumerate(present) if here]
    return max(found, key=lambda i: ranked[i]) if found else 0


def assemble(
    blocks: list[str],
    slots: list[tuple[str, str, str]],
    author: str | None,
    title: str | None,
    steps: frozenset[str] = STEPS,
    headings: bool = True,
) -> str:
    """The chosen candidate as the article text: subheads put back, furniture lines dropped."""
    if headings:
        blocks = insert_headings(blocks, slots)
    return "\n\n".join(drop_boilerplate(blocks, author=author, title=title, steps=steps))
