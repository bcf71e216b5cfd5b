r"""Metadata compared with the gold: values NFKC, case-folded, curly quotes and dashes made ASCII,
whitespace squashed; a missing value is wrong.
- title: equal, or equal once one or two trailing " | Site"-style segments (separated by " | ", " - ",
  " :: ", " · " or "_") are cut from either side;
- author: the same `\w+` tokens, each as often (a multiset), once a leading "By", "Par", "Por" or "Von"
  and any "and" are dropped: the order of several names and what separates them do not matter, an extra
  word does ("James Carter Senior News Editor" is not "James Carter"), and so does a repeated name;
- published: the calendar date (YYYY-MM-DD) equals the gold's as written, or the gold's in UTC, as ours
  stores UTC;
- site name: the same `\w` characters ("HeraldSun" is "Herald Sun"; "Le Monde.fr" is not "Le Monde");
- language: the same primary subtag.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

_TOKEN = re.compile(r"\w+")

_ASCII = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2013": "-",
        "\u2014": "-",
    }
)
_SEPARATORS = (" | ", " - ", " :: ", " \u00b7 ", "_")
_BY = frozenset({"by", "par", "por", "von"})


def fold(text: str) -> str:
    """NFKC, case-folded, ASCII quotes and dashes, whitespace squashed."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_ASCII).casefold().split())


def _cut_segment(title: str) -> str:
    """The title without its last " | Site"-style segment; unchanged when it has none."""
    cut = max(title.rfind(sep) for sep in _SEPARATORS)
    return title[:cut].strip() if cut > 0 else title


def same_title(ours: str, gold: str) -> bool:
    """Equal, or equal once one or two trailing site segments are cut from either side."""
    a, b = fold(ours), fold(gold)
    return a == b or b in _cuts(a) or a in _cuts(b)


def _cuts(title: str) -> set[str]:
    """The title with its last one and last two site segments cut."""
    once = _cut_segment(title)
    return {once, _cut_segment(once)}


def _name_tokens(name: str) -> Counter[str]:
    """A byline's words, counted, without a leading "By" and without "and"."""
    tokens = _TOKEN.findall(fold(name))
    if tokens and tokens[0] in _BY:
        tokens = tokens[1:]
    return Counter(token for token in tokens if token != "and")


def same_author(ours: str, gold: str) -> bool:
    """The same name words, each as often."""
    mine = _name_tokens(ours)
    return bool(mine) and mine == _name_tokens(gold)


def same_day(ours: str, gold: str) -> bool:
    """Ours' calendar date is the gold's as written or the gold's in UTC."""
    gold = gold.strip()
    days = {gold[:10]}
    try:
        parsed = datetime.fromisoformat(gold)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is not None:
        days.add(parsed.astimezone(UTC).date().isoformat())
    return ours.strip()[:10] in days


def same_site(ours: str, gold: str) -> bool:
    """The same word characters."""
    mine = "".join(_TOKEN.findall(fold(ours)))
    return bool(mine) and mine == "".join(_TOKEN.findall(fold(gold)))


def _primary(lang: str) -> str:
    """The primary language subtag."""
    return lang.strip().replace("_", "-").split("-")[0].lower()


def same_language(ours: str, gold: str) -> bool:
    """The same primary subtag."""
    return _primary(ours) == _primary(gold)


# field label, gold key in pages.jsonl, Run attribute, comparison
FIELDS: tuple[tuple[str, str, str, Callable[[str, str], bool]], ...] = (
    ("title", "gold_title", "title", same_title),
    ("author", "byline", "author", same_author),
    ("published", "published", "published", same_day),
    ("site name", "site_name", "site_name", same_site),
)


def correct(run: object, attr: str, gold: str, same: Callable[[str, str], bool]) -> bool:
    """Whether the run's value of `attr` matches the gold value."""
    value = getattr(run, attr, None) if run is not None else None
    return bool(value) and same(value, gold)
