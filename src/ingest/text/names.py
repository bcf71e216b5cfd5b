"""Names: bylines as bare people's names, and headlines without the site's name around them."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from ingest.text.clean import clean_line
from ingest.text.dates import MONTH_NAMES, WEEKDAY_NAMES
from ingest.text.urls import host_names

# -- site names around a headline -------------------------------------------------------------------

# Between a headline and the site's name: "Title | Site", "Title - Site", "标题_频道_网站".
_TITLE_SEPARATOR = re.compile(r"(\s+(?:[|\-–—•·»«~/]|::)\s+|\s*[|｜]\s*|\s*_\s*)")
_LEADING_LABEL = re.compile(r"^(?P<name>[^:：]{2,40})[:：]\s+(?=\S)")  # "Site: Title"
_BRACKETED_TAIL = re.compile(r"\s*[\[(（](?P<name>[^\[\]()（）]{2,40})[\])）]\s*$")  # "Title [Site]"
_DOMAIN_TAIL = re.compile(r"\.[a-z]{2,6}(?:\.[a-z]{2})?$", re.IGNORECASE)
_NAME_WORD = re.compile(r"[^\W_]+")

# -- the furniture around an author's name ----------------------------------------------------------

_CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)\S+|@\w+"
    r"|\b[\w-]+\.(?:com|net|org|info|io|co|news|tv|fm)(?:\.[a-z]{2})?\b"  # "Jane Doe example.com"
)
_WRAPPED = re.compile(r"^\((.+)\)$")
# Where a byline's name has ended: "Updated ...", "Reviewed by ...", "Follow", "5 min read".
_NOT_NAME_TAIL = re.compile(
    r"\b(?:last\s+)?(?:update[ds]?|published|modified)\b(?!\s+by\b)"
    r"|(?<=\S)\s+(?:posted|reviewed|medically\s+reviewed|fact[- ]checked|edited|photos?|photography"
    r"|illustrations?|video)\s+by\b"
    r"|\b(?:read\s+more|more\s+(?:from|by)|view\s+all|see\s+all|follow|contact|sponsored)\b"
    r"|\bmin(?:ute)?s?\s+read\b",
    re.IGNORECASE,
)
_BY = re.compile(r"(?:^|\s)(?:by|par|por)\s*:?\s+(?=\S)", re.IGNORECASE)
_BY_PREFIX = re.compile(
    r"^(?:(?:written|words|article|story|text|posted|published|reported|recipe|report|compiled|review"
    r"|reviewed|column|analysis|commentary|interview)\s+)?(?:by|von|par|por|di|door|av)\b\s*:?\s*"
    r"|^(?:authors?|autor(?:in|en)?|auteurs?|autore|byline|redaktion|texto?|writer)\s*:\s*",
    re.IGNORECASE,
)
# A date or a time ends the name: "Jane Doe March 3, 2025", "Jane Doe 2 hours ago".
_DATE_TAIL = re.compile(
    rf"(?:\b(?:{WEEKDAY_NAMES})\b,?\s*)?(?:\b(?:{MONTH_NAMES})\b\.?,?\s*)?\d", re.IGNORECASE
)
# After the name: "Jane Doe | Example News", "Jane Doe • Opinion", "Jane Doe - Example News".
_FURNITURE = re.compile(r"\s*(?:[|•·]|\s[-–—]\s)\s*")
_NAME_SEPARATOR = re.compile(r"\s*(?:[,;/&+]|\s(?:and|und|et|y|e|og|och)\s)\s*", re.IGNORECASE)
_PARENTHESES = re.compile(r"\([^()]*\)")
_REMARK = re.compile(r"\s*\((?:[^()\s]+\s+){2,}[^()]*\)")  # "(with Jane Roe and John Doe)", not "(Guha)"
_PROTECTED = re.compile(r"\x00(\d+)\x00")
_NAME_STRIP = ' ,;:|-–—•·"“”‘’*'
# Words left hanging once a date is cut off: "Jane Doe on", "Aleš Vávra před" ("ago"), "Jane Doe
# November" (the day was in another element). May, June and April are names too: they stay.
_DANGLING = frozenset(
    {"on", "at", "le", "am", "el", "il", "den", "à", "a", "y", "vor", "hace", "há", "před", "by", "and",
     "und", "et", "the", "posted", "updated", "published"}
    | set(MONTH_NAMES.split("|")) - {"may", "june", "april", "mayo", "mai"}
    | set(WEEKDAY_NAMES.split("|")) | {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
)  # fmt: skip
_PLACEHOLDERS = frozenset(
    {"admin", "administrator", "username", "user", "author", "authors", "the author", "guest",
     "guest author", "unknown", "none", "null", "n/a", "written by", "by"}
)  # fmt: skip
# Head words of job titles; a name followed or preceded by a job title loses it.
_ROLE_NOUNS = frozenset(
    {"editor", "writer", "reporter", "correspondent", "contributor", "columnist", "journalist", "producer",
     "analyst", "critic", "photographer", "photojournalist", "staff", "intern", "founder", "co-founder",
     "cofounder", "ceo", "cto", "cfo", "coo", "cmo", "director", "manager", "specialist", "strategist",
     "consultant", "expert", "blogger", "officer", "president", "host", "anchor", "presenter", "author",
     "researcher", "scientist", "professor", "lecturer", "instructor", "coach", "trainer", "attorney",
     "lawyer", "dietitian", "nutritionist", "physician", "nurse", "pharmacist", "therapist",
     "psychologist", "veterinarian", "winemaker", "reviewer", "tester", "designer", "developer",
     "engineer", "owner", "chair", "chairman", "chairwoman", "spokesperson", "spokesman",
     "spokeswoman", "adviser", "advisor", "economist", "commentator", "head", "rédacteur",
     "rédactrice", "journaliste", "correspondant", "correspondante", "envoyé", "envoyée", "redakteur",
     "redakteurin", "korrespondent", "korrespondentin", "periodista", "redactor", "redactora",
     "corresponsal", "jornalista", "repórter", "giornalista", "redattore", "inviato", "inviata"}
)  # fmt: skip
_ROLE_MODIFIERS = frozenset(
    {"senior", "sr", "junior", "jr", "contributing", "associate", "assistant", "deputy", "managing",
     "executive", "chief", "special", "lead", "principal", "former", "news", "tech", "technology",
     "business", "political", "politics", "sports", "sport", "science", "health", "features",
     "feature", "digital", "video", "web", "social", "media", "opinion", "opinions", "data",
     "investigative", "investigations", "foreign", "national", "global", "international", "editorial",
     "general", "legal", "medical", "culture", "cultural", "entertainment", "travel", "food", "fashion",
     "finance", "financial", "markets", "market", "economics", "economy", "climate", "environment",
     "environmental", "education", "games", "gaming", "consumer", "product", "content", "marketing",
     "freelance", "guest", "regular", "visiting", "weekend", "night", "breaking", "local", "metro",
     "city", "state", "world", "security", "defense", "vice", "our", "the", "of", "for", "at", "and",
     "&", "co", "art", "creative", "photo", "copy", "commissioning", "section", "desk", "bureau",
     "beauty", "lifestyle", "music", "film", "tv", "books", "research", "community", "development",
     "operations", "communications", "staff", "en", "chef", "de", "du", "senior-level"}
)  # fmt: skip
_ROLE_LINKS = frozenset({"of", "at", "for", "bei", "de", "du", "chez", "en"})  # "Editor at Example News"
_CREDENTIALS = frozenset(
    {"md", "phd", "dvm", "rn", "bsn", "msn", "np", "pa", "cpa", "cfp", "cfa", "mba", "ma", "ms", "msc",
     "bsc", "ba", "bs", "jd", "esq", "dds", "dmd", "do", "rd", "rdn", "ld", "lmt", "lpc", "lcsw", "cpp",
     "psp", "facp", "faclm", "dacvb", "vmd", "lvt", "vts", "mph", "mbbs", "frcp", "cscs", "cepf", "jr",
     "sr", "ii", "iii", "iv"}
)  # fmt: skip
# Words in site names that are not people's: "BBC News", "Cleveland Clinic", "Example Inc".
_ORGANISATION_WORDS = frozenset(
    {"news", "times", "post", "media", "magazine", "journal", "daily", "weekly", "tribune", "herald",
     "gazette", "press", "tv", "radio", "network", "group", "inc", "inc.", "ltd", "ltd.", "llc", "gmbh",
     "corp", "company", "co", "agency", "blog", "online", "digital", "studio", "studios", "team", "staff",
     "editors", "editorial", "desk", "foundation", "clinic", "hospital", "institute", "university",
     "college", "school", "association", "society", "center", "centre", "bank", "store", "shop",
     "security", "services", "solutions", "consulting", "marketing", "insurance", "health", "travel",
     "photography", "reports", "today", "world", "global", "international", "labs", "lab", "systems",
     "software", "technologies", "technology", "official", "club", "community", "guide", "hub"}
)  # fmt: skip
_NAME_PARTICLES = frozenset({"van", "von", "der", "den", "de", "da", "di", "du", "le", "la", "bin", "al"})


def clean_title(title: str | None, site_name: str | None) -> str | None:
    """The headline without the site's name around it: "Title | Site", "Site: Title", "Title [Site]"."""
    title = clean_line(title)
    if not title or not site_name:
        return title
    return strip_site_name(title, _site_name_forms(site_name))


def bare_headline(title: str, site_name: str | None, source: str) -> str:
    """A story's headline from one article's title: without the site's name around it ("... - CBS News",
    "... | CNN"), named by the article's site name, its host or the host's domain."""
    title = " ".join(title.split())
    names = [n for n in (site_name, source, *host_names(source)) if n]
    return strip_site_name(title, names) if title else ""


def strip_site_name(title: str, names: Iterable[str]) -> str:
    """`title` without the leading or trailing segments that name the site; never empty."""
    names = [name for name in names if name]
    parts = _TITLE_SEPARATOR.split(title)  # segments at even indexes, separators at odd ones
    while len(parts) > 2 and parts[0].strip() and any(same_name(parts[-1], n) for n in names):
        parts = parts[:-2]
    while len(parts) > 2 and parts[-1].strip() and any(same_name(parts[0], n) for n in names):
        parts = parts[2:]
    title = "".join(parts).strip()
    for pattern in (_LEADING_LABEL, _BRACKETED_TAIL):
        if (found := pattern.search(title)) and any(same_name(found["name"], n) for n in names):
            rest = title[: found.start()] + title[found.end() :]
            title = rest.strip() or title
    return title


def same_name(a: str, b: str, whole: bool = False) -> bool:
    """Whether two strings name the same site: "The Verge" and "the verge", "Salon.com" and "Salon",
    "HeraldSun" and "Herald Sun"; unless `whole`, also "Spiceworks" and "Spiceworks Inc"."""
    words_a, words_b = _name_words(a), _name_words(b)
    if not words_a or not words_b:
        return False
    if words_a == words_b or "".join(words_a) == "".join(words_b):
        return True
    short, long = sorted((words_a, words_b), key=len)
    return not whole and len("".join(short)) >= 3 and long[: len(short)] == short


@functools.lru_cache(maxsize=4096)  # the same site names are compared with every title part and byline
def _name_words(name: str) -> tuple[str, ...]:
    """A name as comparable words: no accents or case, no leading "the", no ".com" at the end."""
    folded = unicodedata.normalize("NFKD", _DOMAIN_TAIL.sub("", name.strip()).casefold())
    words = tuple(_NAME_WORD.findall("".join(c for c in folded if not unicodedata.combining(c))))
    return words[1:] if len(words) > 1 and words[0] == "the" else words


def _site_name_forms(site_name: str) -> list[str]:
    """The site name, and its first part when a slogan follows it ("Site - News you can use")."""
    head = _TITLE_SEPARATOR.split(site_name.strip(), maxsplit=1)[0].strip()
    return [site_name, head] if head and head != site_name.strip() else [site_name]


def clean_author(author: str | None) -> str | None:
    """A byline as bare names joined by ", ": no "By", job titles, dates, e-mail addresses or handles.

    "by James Carter Senior News Editor" -> "James Carter"; "By A and B | Site" -> "A, B".
    """
    author = clean_line(author)
    if not author:
        return None
    author = _WRAPPED.sub(r"\1", _CONTACT.sub(" ", author).strip())  # "jane@example.com (Jane Doe)"
    author = _NOT_NAME_TAIL.split(author, maxsplit=1)[0]
    author = _BY.split(author)[-1]  # "Tech 16 May 2025 by Jane Doe": the name follows "by"
    author = _BY_PREFIX.sub("", author)
    author = _FURNITURE.split(_DATE_TAIL.split(author, maxsplit=1)[0], maxsplit=1)[0]
    names: list[str] = []
    for part in _split_names(author):
        if _is_role(part):
            if names:
                break  # what follows a job title describes that person ("Jane Doe, Editor, Example News")
            continue
        name = _bare_name(part)
        if name and not (names and _is_credential(name)) and name.casefold() not in map(str.casefold, names):
            names.append(name)
    return ", ".join(names) or None


def _split_names(byline: str) -> list[str]:
    """The parts of a byline between commas, "and", "&", "/"...; text in parentheses stays whole."""
    kept: list[str] = []

    def protect(found: re.Match[str]) -> str:
        kept.append(found[0])
        return f"\0{len(kept) - 1}\0"

    parts = _NAME_SEPARATOR.split(_PARENTHESES.sub(protect, byline))
    return [_PROTECTED.sub(lambda m: kept[int(m[1])], part) for part in parts]


def _bare_name(part: str) -> str | None:
    """One name from a byline part: prefix, job title and dangling words dropped; None if not a name."""
    part = _REMARK.sub("", _BY_PREFIX.sub("", part))
    words = _strip_role_words(part.strip(_NAME_STRIP).split())
    while words and words[-1].casefold().strip(_NAME_STRIP) in _DANGLING:
        words.pop()
    name = " ".join(words).strip(_NAME_STRIP)
    # a name has a word of two letters or more: "J J" and "S" are initials of avatars, not bylines
    if not any(sum(c.isalpha() for c in w) >= 2 for w in words) or len(name) > 60 or len(words) > 6:
        return None
    return None if name.casefold() in _PLACEHOLDERS else name


def _strip_role_words(words: list[str]) -> list[str]:
    """A name without the job title after or before it: "Jane Doe Staff Writer", "Editor Jane Doe"."""
    kinds = [_role_word(word) for word in words]
    for k in range(2, len(words)):  # a name keeps at least two words
        if all(kinds[k:]) and "noun" in kinds[k:]:
            return words[:k]
    for k in range(len(words) - 1, 0, -1):
        if all(kinds[:k]) and "noun" in kinds[:k]:
            return words[k:]
    return words


def _role_word(word: str) -> str | None:
    """A job title's word: "noun" for its head ("Editor"), "mod" for the others ("Senior", "of")."""
    word = word.casefold().strip(_NAME_STRIP + ".")
    if word in _ROLE_NOUNS or (word.endswith("s") and word[:-1] in _ROLE_NOUNS):
        return "noun"
    return "mod" if word in _ROLE_MODIFIERS else None


def _is_role(part: str) -> bool:
    """A byline part that is a job title alone: "Senior News Editor", "CEO of Example Corp"."""
    words = part.split()
    kinds = [_role_word(word) for word in words]
    if not kinds or kinds[0] is None:
        return False
    head = kinds[: kinds.index(None)] if None in kinds else kinds
    # "CEO of Example Corp": after "of", "at" or "for" comes the employer, not a name
    employer = len(head) < len(kinds) and words[len(head) - 1].casefold() in _ROLE_LINKS
    return "noun" in head and (len(head) == len(kinds) or employer)


def _is_credential(name: str) -> bool:
    """Letters after a name: "PhD", "M.D.", "Jr.", "FAND"."""
    letters = name.replace(".", "").strip("®")
    if letters.isupper() and letters.isalpha() and len(letters) <= 6:
        return True
    return all(word.casefold().replace(".", "").strip("®") in _CREDENTIALS for word in name.split())


def is_personal_name(name: str) -> bool:
    """Reads as a person's name: two to four capitalised words, none that organisations use."""
    words = name.split()
    if not 2 <= len(words) <= 4 or any(w.casefold() in _ORGANISATION_WORDS for w in words):
        return False
    named = [w for w in words if w.casefold() not in _NAME_PARTICLES]
    return all(w[:1].isupper() and w[1:] != w[1:].upper() and w.replace("-", "").isalpha() for w in named)
