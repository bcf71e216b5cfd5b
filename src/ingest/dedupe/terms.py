"""The words story clustering compares (terms: lower-cased, lightly stemmed, no stopwords; and names),
and the TF-IDF vectors made of them.

A name is what a report of an event cannot avoid writing, however it words the rest: the people,
places and organisations. It is found by its capital letter where a capital says something: a
capitalised word in the middle of a sentence, or a run of them ("Elon Musk", "Mandalay Bay"). At the
start of a sentence, or in a headline Written Like This, a capital says nothing: there a word counts
as a name only if the texts seen so far mostly capitalise it (the clusterer's `known` callback), or if
it is an acronym. Capitalised words that are not names (weekdays, months, titles, and in German every
noun) are left out by a stop list of the article's language.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ingest.text.dates import MONTH_NAMES, WEEKDAY_NAMES

TOKEN = re.compile(r"[^\W_]+")
_SENTENCE_END = frozenset(".!?:;\"“”'‘’(—-\n")
STOPWORDS = frozenset(
    """a about after again against all also am an and any are as at be because been before being
    between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me
    more most my myself no nor not now of off on once only or other our ours out over own s same
    she should so some such t than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who whom why
    will with would you your yours yourself said says say new one two year years will would told
    mr mrs ms like get got make made may might must us per via amp""".split()  # noqa: SIM905
)
# Capitalised words that name nothing, by language; every language also gets the weekdays and months
# (in the languages MONTH_NAMES covers), and `_COMMON` (words capitalised in any headline).
_COMMON = """breaking live update updates video photos watch exclusive opinion analysis report news
    today yesterday tomorrow week weekend""".split()  # noqa: SIM905
_NOT_NAMES = {
    "en": """mr mrs ms dr sir president prime minister chief secretary senator sen rep gov governor
        king queen prince princess pope judge officer police state former first last next this that
        these those
        the a an and or but if in on at of for to by with from as is are was were it its he she they
        we you i his her their our my when where while after before since during according""",
    "de": """der die das den dem des ein eine einer eines einem einen und oder aber wenn in im am an
        auf aus bei mit nach von vor zu zum zur für über unter ist sind war waren er sie es wir ihr
        herr frau präsident präsidentin minister ministerin kanzler kanzlerin bundeskanzler montag dienstag
        mittwoch donnerstag freitag samstag sonntag""",
    "fr": """le la les un une des du de et ou mais si en dans au aux sur par pour avec il elle ils
        elles nous vous je ce cette ces son sa ses leur monsieur madame président présidente ministre
        lundi mardi mercredi jeudi vendredi samedi dimanche""",
    "es": """el la los las un una unos unas de del y o pero si en al por para con sin sobre él ella
        ellos nosotros este esta estos estas su sus señor señora presidente presidenta ministro
        lunes martes miércoles jueves viernes sábado domingo""",
    "it": """il lo la i gli le un uno una di del della e o ma se in nel al per con su questo questa
        presidente ministro lunedì martedì mercoledì giovedì venerdì sabato domenica""",
    "pt": """o a os as um uma de do da dos das e ou mas se em no na ao por para com este esta
        presidente ministro segunda terça quarta quinta sexta sábado domingo""",
    "nl": """de het een en of maar als in op aan bij met van voor naar is zijn was waren hij zij wij
        president minister maandag dinsdag woensdag donderdag vrijdag zaterdag zondag""",
}
_EVERYWHERE = frozenset([*_COMMON, *MONTH_NAMES.split("|"), *WEEKDAY_NAMES.split("|")])
NOT_NAMES = {lang: frozenset(words.split()) | _EVERYWHERE for lang, words in _NOT_NAMES.items()}
# Languages that capitalise every noun: there a lone capitalised word is no evidence of a name.
_NOUNS_CAPITALISED = frozenset({"de", "lb"})
TITLE_WEIGHT = 2.0  # a title word counts as two words of the lead: the title names the event
KNOWN_NAME = 0.5  # share of capitalised mid-sentence uses that makes an ambiguous capital a name
MAX_NAME_WORDS = 4  # a longer run of capitals is a headline fragment, not a name


@dataclass(frozen=True, slots=True)
class Name:
    """One name as written: `term` is what vectors hold ("elon musk"), `shown` how a reason prints it."""

    term: str
    shown: str
    words: tuple[str, ...]  # the terms of its words: a phrase's words are names too


def stem(term: str) -> str:
    """Plural and possessive endings off, so that "recalls" and "recall" meet; nothing cleverer."""
    if len(term) > 4 and term.endswith("s") and not term.endswith(("ss", "us", "is")):
        return term[:-1]
    return term


def content_terms(text: str) -> list[str]:
    """The text's terms as clustering compares them: lower-cased, stemmed, without stopwords."""
    terms = (stem(word.lower()) for word in TOKEN.findall(text))
    return [term for term in terms if len(term) >= 2 and term not in STOPWORDS]


def sentence_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def is_title_case(title: str) -> bool:
    """Headlines Written Like This say nothing about which words are names."""
    words = [w for w in TOKEN.findall(title) if w.lower() not in STOPWORDS and w.isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def names(
    text: str, lang: str, known: Callable[[str], bool], capitals_mean_nothing: bool = False
) -> list[Name]:
    """The names written in the text, in order, repeats included. `known(term)` says whether the texts
    seen so far mostly capitalise a word, for the places where its capital is no evidence: at a
    sentence's start, and everywhere when `capitals_mean_nothing` (a title-case headline)."""
    stop = NOT_NAMES.get(lang[:2].lower(), NOT_NAMES["en"])
    lone_is_evidence = lang[:2].lower() not in _NOUNS_CAPITALISED
    found: list[Name] = []
    run: list[tuple[str, str]] = []  # (word as written, its term)
    end = -1
    for match in TOKEN.finditer(text):
        word = match.group()
        lower = word.lower()
        term = stem(lower)
        gap = text[end : match.start()] if end >= 0 else ""
        if run and (gap not in (" ", "-") or len(run) >= MAX_NAME_WORDS):
            _close(run, found, lone_is_evidence)
        end = match.end()
        if not word[0].isupper() or lower in stop or len(term) < 2 or term.isdigit():
            _close(run, found, lone_is_evidence)
            continue
        ambiguous = capitals_mean_nothing or sentence_start(text, match.start())
        acronym = word.isupper() and 2 <= len(word) <= 6
        if ambiguous and not run and not (acronym or known(term)):
            continue
        run.append((word, term))
    _close(run, found, lone_is_evidence)
    return found


def _close(run: list[tuple[str, str]], found: list[Name], lone_is_evidence: bool) -> None:
    if len(run) > 1 or (run and lone_is_evidence):
        terms = tuple(term for _, term in run)
        found.append(Name(" ".join(terms), " ".join(word for word, _ in run), terms))
    run.clear()


Vector = dict[str, float]


class Vectoriser:
    """Unit TF-IDF vectors of articles' titles and leads, with document frequencies and the share of
    capitalised uses of every term learned from the articles seen so far."""

    def __init__(self, lead_words: int, entity_boost: float, name_weight: float) -> None:
        self.lead_words = lead_words
        self.entity_boost = entity_boost
        self.name_weight = name_weight
        self.documents = 0
        self._df: Counter[str] = Counter()
        self._seen: Counter[str] = Counter()  # mid-sentence occurrences of a term...
        self._capitalised: Counter[str] = Counter()  # ...and how many of them were capitalised

    def vector(self, title: str, text: str, lang: str = "en") -> tuple[Vector, dict[str, str]]:
        """The article's unit TF-IDF vector and its names (term -> as written); also counts it into
        the document frequencies."""
        counts: Counter[str] = Counter()
        title_case = is_title_case(title)
        lead = " ".join(text.split()[: self.lead_words])
        for term in self._terms(title, learn=not title_case):
            counts[term] += TITLE_WEIGHT
        for term in self._terms(lead, learn=True):
            counts[term] += 1.0
        found: dict[str, str] = {}
        marked: set[str] = set()
        for part, weight, caps in ((title, TITLE_WEIGHT, title_case), (lead, 1.0, False)):
            for name in names(part, lang, self._known, capitals_mean_nothing=caps):
                found.setdefault(name.term, name.shown)
                marked.update(name.words)
                if len(name.words) > 1:
                    counts[name.term] += weight
                    marked.add(name.term)
        self.documents += 1
        self._df.update(counts.keys())
        vector = {}
        for term, tf in counts.items():
            idf = math.log((self.documents + 1) / (self._df[term] + 0.5))
            entity = self._capitalised[term] / (self._seen[term] + 1)
            boost = 1 + self.entity_boost * entity + (self.name_weight if term in marked else 0.0)
            vector[term] = (1 + math.log(tf)) * idf * boost
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {t: w / norm for t, w in vector.items()}, found

    def _known(self, term: str) -> bool:
        return self._capitalised[term] >= KNOWN_NAME * (self._seen[term] + 1)

    def _terms(self, text: str, learn: bool) -> list[str]:
        terms = []
        for match in TOKEN.finditer(text):
            word = match.group()
            term = stem(word.lower())
            if len(term) < 2 or term in STOPWORDS:
                continue
            if learn and not sentence_start(text, match.start()):
                self._seen[term] += 1
                self._capitalised[term] += word[0].isupper()
            terms.append(term)
        return terms


def shared_names(
    vector: Vector, found: dict[str, str], written: dict[str, str], most: int
) -> tuple[str, ...]:
    """The article's names (`found`, term -> as written) that a story has `written` too, heaviest in
    the article's vector first, at most `most`; a phrase hides its own words ("Elon Musk", not "Musk")."""
    shared = sorted((t for t in found if t in written), key=lambda t: -vector.get(t, 0.0))
    shown: list[str] = []
    covered: set[str] = set()
    for term in shared:
        if term not in covered:
            shown.append(found[term])
            covered.update(term.split())
    return tuple(shown[:most])


def cosine(vector: Vector, other: Vector, norm2: float) -> float:
    """Cosine of two vectors, `norm2` the product of their squared lengths (an article's is 1); the
    dot product runs over the first, so pass the smaller first."""
    if norm2 <= 0:
        return 0.0
    dot = sum(w * other.get(t, 0.0) for t, w in vector.items())
    return dot / math.sqrt(norm2)


def add_to(total: Vector, vector: Vector, sign: float) -> None:
    """total += sign * vector, dropping the terms that cancel out."""
    for term, weight in vector.items():
        value = total.get(term, 0.0) + sign * weight
        if abs(value) < 1e-9:
            total.pop(term, None)
        else:
            total[term] = value
