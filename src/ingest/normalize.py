"""Pure clean-up between extraction and storage: URLs, dates, text, names, and the Article record."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import dateutil.parser
from tld import get_fld
from yarl import URL

from ingest.model import Article, Entry, Extracted

# Query parameters that identify a click or a campaign, never the document.
_TRACKING_EXACT = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
        "mc_cid", "mc_eid", "mkt_tok", "_hsenc", "_hsmi", "oly_anon_id", "oly_enc_id", "vero_id",
        "cmpid", "ncid", "ocid", "s_cid", "sr_share", "spm", "__twitter_impression",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "ns_", "at_", "pk_", "mtm_", "hsa_")

# Published dates before this are metadata errors, not news.
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# Clocks and time zones disagree a little; beyond this a date in the future is wrong.
_CLOCK_SKEW = timedelta(hours=1)

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_RUNS = re.compile(r"\n{3,}")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORDS = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")
_BYLINE = re.compile(r"^(?:by|von|par|por|di|door|av)(?:\s+|$)", re.IGNORECASE)
# RFC 822/2822 dates, as RSS writes them: "Fri, 23 May 2025 05:30:00 GMT".
_RFC2822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
# Zone names dateutil does not know; pages write them (US zones are the common case).
_ZONES = {
    name: hours * 3600
    for name, hours in {
        "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
        "PST": -8, "PDT": -7, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "IST": 5.5, "JST": 9, "KST": 9,
        "AEST": 10, "AEDT": 11,
    }.items()
}  # fmt: skip


# -- URLs ---------------------------------------------------------------------------------------


def canonical_url(url: str) -> str:
    """`url` as an identity: lower-case host, no default port, fragment or tracking parameters."""
    parsed = URL(url.strip())
    # Filter the raw query so kept parameters keep their exact encoding.
    kept = [pair for pair in parsed.raw_query_string.split("&") if pair and not _is_tracking(pair)]
    base = parsed.with_query(None).with_fragment(None).with_path(parsed.raw_path or "/", encoded=True)
    # yarl lower-cases scheme and host and drops default ports
    return str(base) + ("?" + "&".join(kept) if kept else "")


def _is_tracking(pair: str) -> bool:
    key = pair.split("=", 1)[0].lower()
    return key in _TRACKING_EXACT or key.startswith(_TRACKING_PREFIXES)


def choose_canonical(fetched_url: str, declared: str | None) -> str:
    """The page's declared canonical URL when it is absolute http(s) on the same site, else the fetched one."""
    if declared:
        try:
            candidate = URL(fetched_url).join(URL(declared.strip()))
        except ValueError:
            candidate = None
        if candidate is not None and candidate.scheme in ("http", "https") and candidate.host:
            if same_site(fetched_url, str(candidate)):
                return canonical_url(str(candidate))
    return canonical_url(fetched_url)


def same_site(a: str, b: str) -> bool:
    """Whether two URLs belong to one registrable domain (example.co.uk), or one host if not public."""
    return _site(a) == _site(b)


def _site(url: str) -> str:
    host = (URL(url).host or "").lower()
    return get_fld(host, fix_protocol=True, fail_silently=True) or host


def source_of(url: str) -> str:
    """The publisher's host as the records show it: `edition.cnn.com`, `cbsnews.com`."""
    host = (URL(url).host or "").lower()
    return host.removeprefix("www.")


def article_id(canonical: str) -> str:
    """A stable id: the first 16 hex digits of the canonical URL's SHA-256."""
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def entry_key(entry: Entry, feed_url: str) -> str | None:
    """An entry's guid as an identity: global when it is a URI, scoped to its feed when it is not."""
    guid = (entry.guid or "").strip()
    if not guid:
        return None
    # "1", "42" or a slug is unique only within its feed; a URL or URN is unique everywhere.
    return guid if re.match(r"^[a-z][a-z0-9+.-]*:", guid, re.IGNORECASE) else f"{feed_url}#{guid}"


# -- dates --------------------------------------------------------------------------------------


def parse_datetime(value: str | datetime | None) -> datetime | None:
    """A date as a page or feed writes it, as an aware UTC datetime; naive times are taken as UTC."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else _parse_date_text(value.strip())
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01 in a zone east of UTC
        return None


def _parse_date_text(text: str) -> datetime | None:
    # A date names a year and at least a month or a day: "2025" or "5" alone are not dates.
    if not text or len(text) > 64 or len(re.findall(r"\d+", text)) < 2:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    if _RFC2822.match(text):
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass
    try:
        # default: fields the text lacks become year 1, which _plausible rejects, not today's.
        return dateutil.parser.parse(text, tzinfos=_ZONES, default=datetime(1, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None


def pick_published(page: str | None, feed: datetime | None, now: datetime) -> datetime | None:
    """The page's date, else the feed's; never one in the future or before 1990."""
    page_dt, feed_dt = _plausible(parse_datetime(page), now), _plausible(parse_datetime(feed), now)
    if page_dt and feed_dt and _is_date_only(page) and page_dt.date() == feed_dt.date():
        return feed_dt  # same day, and the feed knows the time of day too
    return page_dt or feed_dt


def _plausible(dt: datetime | None, now: datetime) -> datetime | None:
    return dt if dt is not None and _EARLIEST <= dt <= now + _CLOCK_SKEW else None


def _is_date_only(text: str | None) -> bool:
    return bool(text) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", text or "") is not None


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, to the second."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


# -- text ---------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """NFC, no invisible or control characters, trimmed lines, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", _INVISIBLE.sub("", text.replace("\u00a0", " ")))
    lines = (" ".join(line.split()) if not line.startswith("  ") else line.rstrip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def clean_line(value: str | None) -> str | None:
    """One line of metadata with its whitespace collapsed, or None if nothing is left."""
    if value is None:
        return None
    line = " ".join(_CONTROL.sub("", _INVISIBLE.sub("", unicodedata.normalize("NFC", value))).split())
    return line or None


def clean_title(title: str | None, site_name: str | None) -> str | None:
    """The headline without a trailing ` - Site Name` or ` | Site Name`."""
    title = clean_line(title)
    if title and site_name:
        for sep in (" - ", " | ", " – ", " — ", " :: "):
            head, found, tail = title.rpartition(sep)
            if found and head and tail.casefold() == site_name.strip().casefold():
                return head
    return title


def clean_author(author: str | None) -> str | None:
    """A byline as a name: no "By" prefix; over-long values are not names."""
    author = clean_line(author)
    if not author:
        return None
    author = _BYLINE.sub("", author).strip(" ,;|")
    return author if 0 < len(author) <= 120 else None


def word_count(text: str) -> int:
    """Words in `text`; each CJK character counts as one, as those scripts have no spaces."""
    return len(_WORDS.findall(text))


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def unique_tags(*groups: tuple[str, ...] | list[str]) -> list[str]:
    """Tags in first-seen order, compared without case."""
    seen: dict[str, str] = {}
    for group in groups:
        for tag in group:
            tag = clean_line(tag) or ""
            if tag and tag.casefold() not in seen:
                seen[tag.casefold()] = tag
    return list(seen.values())


# -- the record -----------------------------------------------------------------------------------


def build_article(
    *,
    entry: Entry,
    feed_url: str,
    feed_tags: tuple[str, ...],
    url: str,
    extracted: Extracted,
    fetched_at: datetime,
) -> Article:
    """Assemble the stored record from the feed's entry and what extraction found."""
    canonical = choose_canonical(url, extracted.canonical_url)
    site_name = clean_line(extracted.site_name)
    text = clean_text(extracted.text)
    aid = article_id(canonical)
    return Article(
        id=aid,
        url=url,
        canonical_url=canonical,
        feed=feed_url,
        guid=entry_key(entry, feed_url),
        source=source_of(canonical),
        site_name=site_name,
        title=clean_title(extracted.title or entry.title, site_name),
        description=clean_line(extracted.description),
        author=clean_author(extracted.author or entry.author),
        published=iso(pick_published(extracted.published, entry.published or entry.updated, fetched_at)),
        fetched_at=iso(fetched_at) or "",
        language=extracted.language,
        text=text,
        word_count=word_count(text),
        image_url=_absolute(url, extracted.image_url),
        image_caption=clean_line(extracted.image_caption),
        tags=unique_tags(entry.categories, extracted.tags, feed_tags),
        content_hash=content_hash(text),
        duplicate_of=None,
        story_id=aid,  # until story clustering exists, every article is its own story
    )


def _absolute(base: str, link: str | None) -> str | None:
    if not link:
        return None
    try:
        joined = URL(base).join(URL(link.strip()))
    except ValueError:
        return None
    return str(joined) if joined.scheme in ("http", "https") else None
