"""What the chooser knows of each candidate extraction: measures that mean the same on any site.

How much the candidates agree (an article's text is found by several extractors, furniture by one), how
long a candidate is next to the others and to the page's prose, how much of it is link text or known
furniture lines, and how much of it reads as sentences. No site names, no class words. Texts are compared
line by line, each line weighted by its length: word shingles would say much the same at ten times the cost.
"""

from __future__ import annotations

import math
from collections import Counter

from ingest.extract.lines import is_boilerplate

_SENTENCE_END = (".", "!", "?", '"', "”", "’", "»", ")", ":", "。", "！", "？", "」", "』")
_MAX_LOG_RATIO = 3.0
_MAX_COVERAGE = 3.0
# The measures of one candidate, in the order the model's weights follow; then one prior per candidate.
NAMES = (
    "log_words",
    "share_of_longest",
    "log_ratio_to_base",
    "agreement_precision",
    "agreement_recall",
    "sentence_share",
    "log_block_words",
    "link_share",
    "furniture_share",
    "page_coverage",
    "empty",
    "consensus_precision",
    "consensus_recall",
    "consensus_f1",
    "extra_share",
    "missing_share",
    "extra_sentence_share",
    "extra_link_share",
)


Units = dict[str, int]  # a text's lines, as comparison keys, with their length in characters


def units(blocks: list[str]) -> Units:
    """A text's lines keyed without case, list markers or spacing, each with its length."""
    found: Units = {}
    for block in blocks:
        for line in block.split("\n"):
            key = _key(line)
            found[key] = found.get(key, 0) + len(line)
    found.pop("", None)
    return found


def feature_rows(
    blocks: dict[str, list[str]], names: tuple[str, ...], prose: int, links: frozenset[str]
) -> list[list[float]]:
    """One row of measures per candidate of `names` (a missing candidate counts as empty), then the
    candidate's one-hot identity. The first name is the base the others are compared with."""
    texts = {name: blocks.get(name, []) for name in names}
    sets = {name: units(text) for name, text in texts.items()}
    words = {name: sum(len(block.split()) for block in text) for name, text in texts.items()}
    longest = max(words.values(), default=0)
    counts = Counter(key for found in sets.values() for key in found)
    weight: Units = {}
    for found in sets.values():
        for key, chars in found.items():
            weight[key] = max(weight.get(key, 0), chars)
    furniture = {key for key in weight if is_boilerplate(key)}
    linked = _linked(links).intersection(weight)
    base_name = names[0] if names else ""
    rows = []
    for position, name in enumerate(names):
        own, text = sets[name], texts[name]
        others = [sets[other] for other in names if other != name and sets[other]]
        total = sum(own.values())
        row = [
            math.log1p(words[name]) / 10,
            words[name] / longest if longest else 0.0,
            _clip(math.log((words[name] + 1) / (words.get(base_name, 0) + 1)), _MAX_LOG_RATIO),
            _mean([_overlap(own, other) / total for other in others]) if total else 0.0,
            _mean([_overlap(other, own) / sum(other.values()) for other in others]),
            _share(own, _ended(own), total),
            math.log1p(words[name] / len(text)) / 5 if text else 0.0,
            _share(own, linked, total),
            _share(own, furniture, total),
            _clip(sum(map(len, text)) / prose, _MAX_COVERAGE) if prose else 0.0,
            0.0 if text else 1.0,
            *_consensus(own, counts, weight, len(names) - 1),
            *_against_base(own, sets.get(base_name, {}), linked, total),
        ]
        rows.append(row + [1.0 if i == position else 0.0 for i in range(len(names))])
    return rows


def _key(line: str) -> str:
    return " ".join(line.removeprefix("- ").split()).casefold()


def _linked(links: frozenset[str]) -> set[str]:
    return {_key(link) for link in links}


def _overlap(a: Units, b: Units) -> int:
    """The characters of `a` in lines that `b` has too."""
    return sum(chars for key, chars in a.items() if key in b)


def _share(own: Units, keys: set[str], total: int) -> float:
    return sum(chars for key, chars in own.items() if key in keys) / total if total else 0.0


def _ended(own: Units) -> set[str]:
    """The lines that end like a sentence."""
    return {key for key in own if key.endswith(_SENTENCE_END)}


def _consensus(own: Units, counts: Counter[str], weight: Units, others: int) -> tuple[float, float, float]:
    """How well a candidate matches what most of the other candidates hold: precision, recall, F1.
    `counts` holds in how many candidates, this one included, each line is found."""
    agreed = {key for key, count in counts.items() if 2 * (count - (key in own)) >= others}
    total, agreed_chars = sum(own.values()), sum(weight[key] for key in agreed)
    if not total or not agreed_chars:
        return 0.0, 0.0, 0.0
    p = _share(own, agreed, total)
    r = sum(weight[key] for key in agreed if key in own) / agreed_chars
    return p, r, 2 * p * r / (p + r) if p and r else 0.0


def _against_base(own: Units, base: Units, linked: set[str], total: int) -> tuple[float, float, float, float]:
    """What a candidate adds to the base candidate and what it leaves out: the shares of its own text
    and of the base's, and whether what it adds reads as sentences or as links."""
    extra = {key: chars for key, chars in own.items() if key not in base}
    extra_total, base_total = sum(extra.values()), sum(base.values())
    return (
        extra_total / total if total else 0.0,
        (base_total - _overlap(base, own)) / base_total if base_total else 0.0,
        _share(extra, _ended(extra), extra_total),
        _share(extra, linked, extra_total),
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _clip(value: float, bound: float) -> float:
    return max(-bound, min(bound, value))
