r"""How close an extracted text is to the gold text: 4-token shingles, compared as multisets.

Tokens are the `\w+` runs of a text, shingles runs of 4 consecutive tokens: tp = the shared shingles,
P = tp / predicted shingles, R = tp / gold shingles. Over a set of pages, mean P is over the pages whose
prediction has a shingle (P is undefined otherwise), mean R over all pages, F1 their harmonic mean.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

N = 4  # shingle length
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Score:
    """Shingle precision (None when the prediction has no shingle) and recall of one page."""

    p: float | None
    r: float

    @property
    def f1(self) -> float:
        """The page's own F1; 0 without a prediction."""
        return harmonic(self.p or 0.0, self.r)


def score(predicted: str, gold: str) -> Score:
    """4-token shingle P and R of `predicted` against `gold` (shorter n-grams for a very short gold)."""
    gold_tokens = _TOKEN.findall(gold)
    n = max(1, min(N, len(gold_tokens)))
    want, got = _shingles(gold_tokens, n), _shingles(_TOKEN.findall(predicted), n)
    tp = sum((want & got).values())
    p = tp / got.total() if got else None
    r = tp / want.total() if want else 0.0
    return Score(p, r)


def _shingles(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    """The multiset of runs of n consecutive tokens."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def harmonic(a: float, b: float) -> float:
    """Harmonic mean; 0 when either is 0."""
    return 2 * a * b / (a + b) if a > 0 and b > 0 else 0.0


def means(scores: list[Score]) -> tuple[float, float, float]:
    """Mean P over pages with a prediction, mean R over all pages, and their harmonic mean."""
    ps = [s.p for s in scores if s.p is not None]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(s.r for s in scores) / len(scores) if scores else 0.0
    return p, r, harmonic(p, r)
