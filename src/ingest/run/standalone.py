"""Article records from pages outside any feed, what `ingest extract` prints: a saved file, standard input,
or a URL fetched as the pipeline fetches an article's page (its limits, user agent and address guard)."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from ingest import defaults
from ingest.extract import ExtractionError, NotHTML
from ingest.extract.article import extract_page
from ingest.extract.errors import require_html
from ingest.fetch import AddressRefused, Fetcher, FetchError, FetchPolicy, HTTPStatusError, TooLarge
from ingest.model import Article, Entry, PageOptions
from ingest.normalize import build_article
from ingest.run.retry import MISSING_STATUSES

STDIN = "-"
STDIN_URL = "file:///dev/stdin"  # the address of a page read from standard input that names none
_GZIP_MAGIC = b"\x1f\x8b"


class InputFailed(Exception):
    """One input could not be read, fetched or extracted; str() says why and what to do, in one line."""


@dataclass(frozen=True, slots=True)
class Page:
    """One page's bytes and where they came from."""

    html: bytes
    where: str  # the page's address when neither it nor the user names a better one
    url: str | None = None  # its address as fetched (after redirects) or as the user gave it
    content_type: str | None = None  # the HTTP header, for the charset


def is_url(source: str) -> bool:
    """Whether an argument of `ingest extract` names a page to fetch rather than a file."""
    return source.lower().startswith(("http://", "https://"))


def article_of(
    source: str,
    stdin: BinaryIO,
    *,
    url: str | None = None,
    allow_private: bool = False,
    remove: tuple[str, ...] = (),
    body: str | None = None,
) -> Article:
    """The record of the page `source` names: a URL, a file, or "-" for `stdin` (`url` says where those
    two came from). InputFailed says why there is none and what to do."""
    if is_url(source):
        page = fetch_page(source, allow_private=allow_private)
    else:
        page = read_page(source, stdin, url)
    try:
        return article_from_page(page, remove, body)
    except ExtractionError as exc:
        raise InputFailed(f"no article extracted: {exc}") from None


def read_page(source: str, stdin: BinaryIO, url: str | None = None) -> Page:
    """The page in the file `source`, or on `stdin` for "-"; gzip-compressed bytes are unpacked."""
    try:
        if source == STDIN:
            return Page(unpacked(stdin.read()), STDIN_URL, url)
        path = Path(source)
        return Page(unpacked(path.read_bytes()), path.resolve().as_uri(), url)
    except OSError as exc:
        raise InputFailed(_unreadable(exc)) from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise InputFailed(f"gzip-compressed but broken ({exc}): give the page's complete file") from None


def unpacked(data: bytes) -> bytes:
    """The bytes, gunzipped if they are gzip's (known by its magic number, whatever the file's name)."""
    return gzip.decompress(data) if data.startswith(_GZIP_MAGIC) else data


def fetch_page(url: str, *, allow_private: bool = False) -> Page:
    """GET `url` as the pipeline gets an article's page; `allow_private` is a feed's `allow_private`."""
    try:
        return asyncio.run(_fetch(url, FetchPolicy(allow_private=allow_private)))
    except FetchError as exc:
        raise InputFailed(_not_fetched(exc)) from None
    except NotHTML as exc:
        raise InputFailed(f"{exc}: give the address of an HTML page") from None


async def _fetch(url: str, policy: FetchPolicy) -> Page:
    from ingest.run.articles import PAGE_ACCEPT  # the pipeline's, for its pages

    async with Fetcher(user_agent=defaults.USER_AGENT) as fetcher:
        response = await fetcher.get(url, policy, accept=PAGE_ACCEPT)
    require_html(response.content_type)
    return Page(response.body, response.url, response.url, response.content_type)


def article_from_page(page: Page, remove: tuple[str, ...] = (), body: str | None = None) -> Article:
    """The record the pipeline would store for this page; its URL is the page's `url`, else its canonical
    URL, else `where`. Raises ExtractionError when the page holds no article, as the pipeline does."""
    options = PageOptions(url=page.url, content_type=page.content_type, remove=remove, body=body)
    extracted = extract_page(page.html, options)
    url = page.url or extracted.canonical_url or page.where
    article = build_article(
        entry=Entry(guid=None, link=url),
        feed_url="",
        feed_tags=(),
        url=url,
        extracted=extracted,
        fetched_at=datetime.now(UTC),
    )
    if not article.text:
        raise ExtractionError("no text after clean-up")
    return article


def article_from_file(
    html: bytes, path: Path, url: str | None = None, remove: tuple[str, ...] = (), body: str | None = None
) -> Article:
    """`article_from_page` for a saved page's bytes: its URL is `url`, else the page's canonical URL,
    else the file's."""
    return article_from_page(Page(html, path.resolve().as_uri(), url), remove, body)


def _unreadable(exc: OSError) -> str:
    """A file's error without the errno and the repeated name: `no such file`, not `[Errno 2] ...`."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "a directory: give an HTML file"
    if isinstance(exc, PermissionError):
        return "permission denied: make the file readable"
    return exc.strerror.lower() if exc.strerror else str(exc)


def _not_fetched(exc: FetchError) -> str:
    """Why a page was not fetched, and what would fetch it."""
    if isinstance(exc, AddressRefused):
        return f"{exc.refusal}; give --allow-private to fetch it"
    if isinstance(exc, TooLarge):
        return f"{exc.reason} (the pipeline's max_bytes): save the page and give the file instead"
    if isinstance(exc, HTTPStatusError) and exc.status in MISSING_STATUSES:
        return f"{exc.reason}: no page at this address; check the URL"
    return exc.reason
