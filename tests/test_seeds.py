"""Seeds 001–004 as the pages they were scraped from: the extractor must return the clean article.

Each `tests/pages/seed-00N.html` wraps the article text of `../shared/seeds/00N_*.txt` in the markup of a
real CMS theme, with the very boilerplate the seed still carries (breadcrumb, byline, comment widgets,
share prompts, newsletter box, related lists, copyright, adblock notice) and the usual page furniture
around it. `seed-00N.txt` is the article text the extractor must return: paragraphs and headings
separated by one blank line, list items as "- item" lines with no blank line between them.
"""

from __future__ import annotations

import difflib
import functools
import json
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest

from conftest import run_ingest
from ingest.extract import extract_article
from ingest.model import Extracted
from ingest.text.names import clean_author, clean_title

PAGES = Path(__file__).resolve().parent / "pages"


@dataclass(frozen=True)
class Seed:
    name: str  # the page's file name without extension: tests/pages/<name>.html and .txt
    url: str  # where the page was fetched from
    title: str  # the headline, without the site's name
    author: str | None  # the byline as a bare name; None: the page names no author
    boilerplate: tuple[str, ...]  # page text that must not reach the article text

    def __str__(self) -> str:
        return self.name

    @property
    def html(self) -> bytes:
        return (PAGES / f"{self.name}.html").read_bytes()

    @property
    def expected(self) -> str:
        return (PAGES / f"{self.name}.txt").read_text(encoding="utf-8")


SEEDS = (
    Seed(
        name="seed-001",
        url="https://www.worldledger-news.com/news/us-china-talks-treasury-chief-meets-vp-in-europe/",
        title="US-China Talks: Treasury Chief Meets VP in Europe",
        author="James Carter",
        boilerplate=(
            # from the seed: breadcrumb, title line, byline, related list, comment form, adblock notice
            "»",
            "US-China Talks: Treasury Chief Meets VP in Europe",
            "James Carter",
            "Senior News Editor",
            "You may also like",
            "Leave a Comment",
            "This site uses Akismet to reduce spam.",
            "Learn how your comment data is processed.",
            "Adblock Detected",
            "Please support us by disabling your AdBlocker extension",
            # the rest of the page around them
            "September 13, 2025",
            "Share on Facebook",
            "Related Posts",
            "RelatedPosts",
            "Nvidia Agrees to Share China Chip Revenue",
            "Beijing Tightens Rare Earth Licences",
            "ADVERTISEMENT",
            "Tags:",
            "Previous Post",
            "Fed Poised for First Rate Cut",
            "senior news editor, covering trade policy",
            "TikTok Deal Framework Leaves ByteDance Holding the Algorithm",
            "FinCEN Warns Banks",
            "Your email address will not be published.",
            "Save my name, email, and website",
            "Hegseth and Dong Jun Hold First Video Call",
            "Get the day’s top stories",
            "Independent news and analysis",
            "Disabled AdBlock",
        ),
    ),
    Seed(
        name="seed-002",
        url="https://asiamarketsdaily.com/2025/05/23/u-s-china-hold-first-call/",
        title="U.S., China Hold First Call",
        author=None,
        boilerplate=(
            # from the seed: date line, comment count, table of contents, share box, widgets
            "May 23, 2025",
            "5:30 a.m.",
            "0 Comments",
            "Table of Contents",
            "Like this article ? Spread the word",
            "Spread the word",
            "Recent Comments",
            "Get in touch",
            "Other News",
            "whatsapp",
            # the rest of the page around them
            "Toggle",
            "Leave a Reply",
            "Your email address will not be published.",
            "Previous:",
            "Beijing Vows Countermeasures After U.S. Guidance on Huawei Ascend Chips",
            "He Lifeng Tells Jamie Dimon",
            "Kenji Watanabe",
            "BOJ Weighs Slower Taper",
            "newsroom@asiamarketsdaily.com",
            "Harbour Centre",
            "Yuan firms after stronger-than-expected PBOC fixing",
            "Markets, trade and policy across Asia",
            "All rights reserved",
            "Privacy Policy",
        ),
    ),
    Seed(
        name="seed-003",
        url="https://meritnews24.com/2024/04/27/us-china-relations-deterioration/",
        title="US-China Relations Deterioration",
        author="Rahul Verma",
        boilerplate=(
            # from the seed: title line, newsletter box
            "US-China Relations Deterioration",
            "Discover more from Meritnews24",
            "Subscribe to get the latest posts sent to your email.",
            # the rest of the page around them
            "Type your email",
            "Share this:",
            "Click to share on",
            "Like this:",
            "Loading...",
            "Rahul Verma",
            "April 27, 2024",
            "Leave a Comment",
            "Notify me of follow-up comments by email.",
            "Xi tells Blinken the two countries should be partners, not rivals",
            "Sensex, Nifty weekly outlook",
            "Biden signs bill forcing TikTok sale",
            "Recent Posts",
            "Categories",
            "Built with GeneratePress",
            "Skip to content",
        ),
    ),
    Seed(
        name="seed-004",
        url="https://primeainews.com/news/"
        "us-china-talks-highlight-growing-divisions-and-global-security-concerns",
        title="US-China Talks Highlight Growing Divisions and Global Security Concerns",
        author="Sarah Mitchell",
        boilerplate=(
            # from the seed: title line, share bar, copyright footer
            "US-China Talks Highlight Growing Divisions and Global Security Concerns",
            "Share news",
            "Copyright ©2025 All rights reserved | PrimeAi News",
            "All rights reserved",
            "PrimeAi News",
            # the rest of the page around them
            "Sarah Mitchell",
            "April 27, 2024",
            "Trending now",
            "TikTok vows court fight over divestment law",
            "34ºc, Sunny",
            "Related News",
            "Biden Signs $95 Billion Foreign Aid Package Into Law",
            "Second Thomas Shoal",
            "Follow Us",
            "Followers",
            "Most Recent",
            "Chipmakers Rally",
            "Newsletter",
            "Get the top headlines in your inbox",
            "Editorial Standards",
            "Terms of use",
        ),
    ),
)

BY_NAME = {seed.name: seed for seed in SEEDS}
ALL = pytest.mark.parametrize("seed", SEEDS, ids=str)


@functools.cache
def extracted(name: str) -> Extracted:
    seed = BY_NAME[name]
    return extract_article(seed.html, seed.url)


def normalised_lines(text: str) -> list[str]:
    """The text's lines with their whitespace collapsed; a run of blank lines as one; no blank ends."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def assert_same_text(expected: str, got: str, what: str) -> None:
    """`got` equals `expected` line by line after whitespace normalisation; a unified diff if not."""
    want, have = normalised_lines(expected), normalised_lines(got)
    if want != have:
        diff = difflib.unified_diff(want, have, f"{what} (expected)", f"{what} (extracted)", lineterm="")
        pytest.fail("the extracted text is not the clean article:\n" + "\n".join(diff), pytrace=False)


def leaked(boilerplate: tuple[str, ...], text: str) -> list[str]:
    """The boilerplate phrases found in `text`, compared without case and with whitespace collapsed."""
    haystack = " ".join(text.split()).casefold()
    return [phrase for phrase in boilerplate if " ".join(phrase.split()).casefold() in haystack]


# -- the test data itself ---------------------------------------------------------------------------


@ALL
def test_boilerplate_phrases_are_on_the_page_and_not_in_the_article(seed: Seed) -> None:
    """Each phrase is really on the page (so the check means something) and never article text."""
    root = lxml.html.fromstring(seed.html)
    page_text = root.text_content() + "\n" + " ".join(root.itertext())  # "Related<b>Posts</b>": both ways
    missing = [p for p in seed.boilerplate if not leaked((p,), page_text)]
    assert not missing, f"{seed}: phrases not on the page: {missing}"
    assert not leaked(seed.boilerplate, seed.expected), f"{seed}: phrases that are article text"
    assert seed.expected.endswith("\n") and "\n\n\n" not in seed.expected


# -- extraction ---------------------------------------------------------------------------------------


@ALL
def test_text_is_the_clean_article(seed: Seed) -> None:
    assert_same_text(seed.expected, extracted(seed.name).text, seed.name)


@ALL
def test_no_boilerplate_in_text(seed: Seed) -> None:
    found = leaked(seed.boilerplate, extracted(seed.name).text)
    assert not found, f"{seed}: boilerplate in the article text: {found}"


@ALL
def test_title_is_the_headline(seed: Seed) -> None:
    found = extracted(seed.name)
    assert clean_title(found.title, found.site_name) == seed.title


@ALL
def test_author_is_the_bare_name(seed: Seed) -> None:
    assert clean_author(extracted(seed.name).author) == seed.author


# -- the real command ---------------------------------------------------------------------------------


def test_ingest_extract_command_on_seed_001(tmp_path: Path) -> None:
    seed = BY_NAME["seed-001"]
    page = PAGES / f"{seed.name}.html"

    done = run_ingest("extract", str(page), "--url", seed.url, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    record = json.loads(line)
    assert record["file"] == str(page)
    assert_same_text(seed.expected, record["text"], f"`ingest extract` {seed.name}")
    assert record["title"] == seed.title
    assert record["author"] == seed.author
