"""Extractive story summaries: the sentences the story's reports agree on most, without repeats.

A sentence's centrality is how well the other reports support it: for each other article, its best
cosine similarity (TF-IDF over the story's own sentences) with a sentence there, averaged. A story
of one article falls back to the sentence's similarity with the rest of that article. Either way a
small bonus goes to early sentences, since news is written lead first. Sentences are then taken
greedily by centrality, skipping any too close to one already taken (maximal marginal relevance);
key points also prefer articles not yet quoted, so that they cover the story's several angles.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.dedupe.clusters import content_terms
from ingest.text.names import bare_headline

MAX_ARTICLES = 12  # the latest originals read for a summary; more adds cost, rarely news
MAX_SENTENCES = 15  # read from the start of each article: leads carry the news
MIN_WORDS, MAX_WORDS = 6, 60  # shorter is a caption or a fragment, longer a run-on
SUMMARY_SENTENCES = 2
MIN_KEY_POINTS, MAX_KEY_POINTS = 3, 5
KEY_POINT_WORDS = 40  # longer sentences make poor bullets: they are taken only when nothing else is left
REDUNDANT = 0.4  # cosine above which a sentence says again what a chosen one says
FULL_WORDS = 15  # a shorter sentence's score is scaled down: few words match much by chance
LEAD_BONUS = 0.1  # for the first sentence; the n-th gets LEAD_BONUS / n
QUOTED_PENALTY = 0.7  # a key point's score is multiplied by this for each earlier point from its article
ARTICLE_SUMMARY_WORDS = 90
# What is read of each stored article: enough for MAX_SENTENCES sentences, not the whole text of
# every article of a story hundreds long (it travels to a worker process).
LEAD_CHARS = MAX_SENTENCES * 400

_ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "gov", "sen", "rep", "lt", "col", "sgt", "capt", "cmdr", "adm", "rev", "inc", "corp", "co", "ltd", "no", "vs", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m", "approx", "est"]
)
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9À-Ý])")
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*$")
_WORD = re.compile(r"\w+")
# Photo captions that extraction kept in the body describe a picture, not the news.
_CAPTION = re.compile(
    r"\bfile (?:photo|image)\b|\bin this (?:\w+ )*(?:photo|image)\b|\((?:AP|Reuters) Photo", re.IGNORECASE
)
_QUOTES = re.compile(r"[\"“”]")
# "WASHINGTON — ", "TEMPE, Ariz. -- ", "OFER PRISON, West Bank (Reuters) - ": where the report was
# filed, not part of what it says.
_DATELINE = re.compile(
    r"^[A-Z][A-Z .'’-]{2,30}(?:,\s*[A-Z][A-Za-z. ]{1,20})?(?:\([^)]{1,30}\))?\s*(?:—|–|--?)\s*(?=[A-Z\"“])"
)


@dataclass(frozen=True, slots=True)
class Member:
    """What summarising needs of one of the story's articles."""

    id: str
    title: str
    text: str
    source: str
    published: str | None = None  # ISO 8601; orders the articles
    site_name: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class Digest:
    """A story's headline, summary, key points and image, as chosen from its articles."""

    title: str
    summary: str
    key_points: tuple[str, ...]
    image_url: str | None = None
    image_caption: str | None = None
    image_source: str | None = None


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    article: int  # index into the articles read
    position: int  # among that article's candidate sentences
    vector: dict[str, float]


def summarize(members: Sequence[Member]) -> Digest:
    """The story's digest from its articles (any order); copies count for nothing but the sources."""
    originals = _originals(members)
    if not originals:
        raise ValueError("a story without articles has nothing to summarise")
    read = latest_originals(members, MAX_ARTICLES)
    pool = _scored(read)
    chosen = _pick(pool, SUMMARY_SENTENCES, [])
    points = _pick(pool, MAX_KEY_POINTS, chosen, key_points=True)
    lead = _representative(originals)
    pictured = next((m for m in [lead, *read] if m.image_url), None)
    return Digest(
        title=headline(lead),
        summary=" ".join(s.text for s in chosen),
        key_points=tuple(s.text for s in points),
        image_url=pictured.image_url if pictured else None,
        image_caption=pictured.image_caption if pictured else None,
        image_source=pictured.source if pictured else None,
    )


def latest_originals(members: Sequence[Member], count: int) -> list[Member]:
    """The story's `count` most recently published originals (its copies, if it has nothing else)."""
    return sorted(_originals(members), key=lambda m: m.published or "", reverse=True)[:count]


def summarize_many(stories: Sequence[Sequence[Member]]) -> list[Digest | None]:
    """`summarize` for several stories in one call (one trip to a worker); None for an empty one."""
    return [summarize(members) if members else None for members in stories]


def sources(domains: Sequence[str]) -> dict[str, int]:
    """Articles per publisher domain, most first, then by name: "cbsnews.com: 2 | cnn.com: 1"."""
    counts = Counter(d for d in domains if d)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def article_summary(text: str, max_words: int = ARTICLE_SUMMARY_WORDS) -> str:
    """A few of the article's most central sentences, in their order, within about `max_words`."""
    sentences = _candidates(text)
    if not sentences:
        return _first_words(text, max_words)
    vectors = _vectors(sentences)
    scores = _centrality(vectors)
    ranked = sorted(range(len(sentences)), key=lambda i: scores[i] + LEAD_BONUS / (i + 1), reverse=True)
    kept: list[int] = []
    words = 0
    for i in ranked:
        size = len(sentences[i].split())
        if kept and words + size > max_words:
            continue
        if any(_cosine(vectors[i], vectors[j]) > REDUNDANT for j in kept):
            continue  # pages repeat their lead as a teaser
        kept.append(i)
        words += size
    return " ".join(sentences[i] for i in sorted(kept))


def headline(member: Member) -> str:
    """The article's title without its site's name around it ("... - CBS News", "... | CNN")."""
    return bare_headline(member.title, member.site_name, member.source)


def split_sentences(text: str) -> list[str]:
    """The text's sentences, paragraph by paragraph; abbreviations and initials do not end one."""
    sentences = []
    for paragraph in text.split("\n"):
        start = 0
        for found in _BOUNDARY.finditer(paragraph):
            if _is_abbreviation(paragraph, found.start()):
                continue
            sentences.append(paragraph[start : found.end()].strip())
            start = found.end()
        sentences.append(paragraph[start:].strip())
    return [s for s in sentences if s]


# -- choosing ---------------------------------------------------------------------------------------


def _scored(articles: Sequence[Member]) -> list[tuple[float, _Sentence]]:
    """Every candidate sentence of the articles with its centrality, best first."""
    texts = [(i, pos, s) for i, m in enumerate(articles) for pos, s in enumerate(_candidates(m.text))]
    vectors = _vectors([s for _, _, s in texts])
    sentences = [_Sentence(s, i, pos, v) for (i, pos, s), v in zip(texts, vectors, strict=True)]
    if len(articles) > 1:
        scores = _support(sentences, len(articles))
    else:
        scores = _centrality(vectors)
    scored = [
        (score * _length_weight(s.text) + LEAD_BONUS / (s.position + 1), s)
        for score, s in zip(scores, sentences, strict=True)
    ]
    scored.sort(key=lambda pair: pair[0], reverse=True)
    return scored


def _pick(
    pool: list[tuple[float, _Sentence]], count: int, taken: list[_Sentence], key_points: bool = False
) -> list[_Sentence]:
    """Up to `count` of the pool's sentences by score, none repeating `taken` or each other."""
    chosen: list[_Sentence] = []
    used = {id(s) for s in taken}
    quoted: Counter[int] = Counter(s.article for s in taken)
    while len(chosen) < count:
        best, best_score = None, -math.inf
        for score, sentence in pool:
            if id(sentence) in used or _repeats(sentence, [*taken, *chosen]):
                continue
            if key_points:
                score *= QUOTED_PENALTY ** quoted[sentence.article]
                if len(sentence.text.split()) > KEY_POINT_WORDS:
                    score -= 1.0  # after every short one, not never: a point is better than none
            if score > best_score:
                best, best_score = sentence, score
        if best is None:
            break
        chosen.append(best)
        used.add(id(best))
        quoted[best.article] += 1
    return chosen


def _repeats(sentence: _Sentence, chosen: list[_Sentence]) -> bool:
    return any(_cosine(sentence.vector, other.vector) > REDUNDANT for other in chosen)


def _originals(members: Sequence[Member]) -> list[Member]:
    return [m for m in members if not m.duplicate_of] or list(members)


def _representative(originals: Sequence[Member]) -> Member:
    """The article whose title is closest to all the story's titles and leads; the earliest on ties."""
    titled = sorted((m for m in originals if m.title.strip()), key=lambda m: m.published or "")
    if len(titled) <= 1:
        return titled[0] if titled else originals[0]
    titles = _vectors([headline(m) for m in titled])
    leads = _vectors([f"{m.title} {_first_words(m.text, 60)}" for m in titled])
    centroid: Counter[str] = Counter()
    for vector in leads:
        centroid.update(vector)
    # A title cut short by its feed ("... calls an end to gun...") is only the choice of last resort.
    best = max(
        range(len(titled)),
        key=lambda i: (not titled[i].title.rstrip().endswith(("...", "…")), _cosine(titles[i], centroid), -i),
    )
    return titled[best]


# -- vectors ----------------------------------------------------------------------------------------


def _candidates(text: str) -> list[str]:
    """The sentences worth quoting, from the start of the text: whole, neither fragments nor run-ons."""
    found = []
    for sentence in split_sentences(text):
        sentence = _DATELINE.sub("", sentence)
        words = len(_WORD.findall(sentence))
        if MIN_WORDS <= words <= MAX_WORDS and _is_whole(sentence):
            found.append(sentence)
            if len(found) == MAX_SENTENCES:
                break
    return found


def _is_whole(sentence: str) -> bool:
    """A sentence that stands on its own: capitalised, ended, its quotes closed, not a photo caption."""
    return (
        sentence[0].isupper()
        and _ENDS_SENTENCE.search(sentence) is not None
        and len(_QUOTES.findall(sentence)) % 2 == 0
        and not _CAPTION.search(sentence)
    )


def _vectors(texts: Sequence[str]) -> list[dict[str, float]]:
    """Unit TF-IDF vectors of the texts, with document frequencies counted over the texts themselves."""
    counts = [Counter(content_terms(text)) for text in texts]
    df: Counter[str] = Counter()
    for terms in counts:
        df.update(terms.keys())
    n = len(texts)
    vectors = []
    for terms in counts:
        vector = {t: (1 + math.log(tf)) * math.log((n + 1) / (df[t] + 0.5)) for t, tf in terms.items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        vectors.append({t: w / norm for t, w in vector.items()})
    return vectors


def _support(sentences: list[_Sentence], articles: int) -> list[float]:
    """For each sentence, its best similarity within every other article, averaged over them."""
    scores = []
    for sentence in sentences:
        best = [0.0] * articles
        for other in sentences:
            if other.article != sentence.article:
                best[other.article] = max(best[other.article], _cosine(sentence.vector, other.vector))
        scores.append((sum(best) - best[sentence.article]) / (articles - 1))
    return scores


def _centrality(vectors: list[dict[str, float]]) -> list[float]:
    """For each vector, its mean similarity with the others (degree centrality, weighted)."""
    if len(vectors) < 2:
        return [0.0] * len(vectors)
    return [
        sum(_cosine(v, w) for j, w in enumerate(vectors) if j != i) / (len(vectors) - 1)
        for i, v in enumerate(vectors)
    ]


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return sum(w * large.get(t, 0.0) for t, w in small.items())


# -- text -------------------------------------------------------------------------------------------


def _is_abbreviation(paragraph: str, dot: int) -> bool:
    """Whether the full stop at `dot` closes "Mr", "U.S", "Jan" or an initial rather than a sentence."""
    if paragraph[dot] != ".":
        return False
    start = paragraph.rfind(" ", 0, dot) + 1
    word = paragraph[start:dot].lstrip("\"'“‘([").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _length_weight(sentence: str) -> float:
    return min(1.0, len(_WORD.findall(sentence)) / FULL_WORDS)


def _first_words(text: str, count: int) -> str:
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")
