"""Names: bylines as bare people's names, and headlines without the site's name around them."""

from __future__ import annotations

import pytest

from ingest.text.names import clean_author, clean_title, is_personal_name


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Big News Today - Example Times", "Example Times", "Big News Today"),
        ("Big News Today | example times", "Example Times", "Big News Today"),
        ("Big News Today — Example Times", "Example Times", "Big News Today"),
        ("Big News - Today", "Example Times", "Big News - Today"),  # the tail is not the site
        ("Big News - Today - Example Times", "Example Times", "Big News - Today"),
        ("Big News Today - Example Times", None, "Big News Today - Example Times"),
        ("  Big\n  News\u200b Today  ", None, "Big News Today"),
        (" - Example Times", "Example Times", "- Example Times"),  # nothing left: keep it
        ("   ", "Example Times", None),
        (None, "Example Times", None),
        ("Example Times | Big News Today", "Example Times", "Big News Today"),  # the site first
        ("Example Times: Big News Today", "Example Times", "Big News Today"),
        ("Big News: What It Means", "Example Times", "Big News: What It Means"),  # a subtitle stays
        ("Big News Today [LWN.net]", "LWN.net", "Big News Today"),
        ("Big News Today - Spiceworks", "Spiceworks Inc", "Big News Today"),  # legal form left out
        ("Big News Today | TMZ.com", "TMZ", "Big News Today"),  # the domain
        ("Big News Today | HeraldSun", "Herald Sun", "Big News Today"),
        # a slogan after the site's name
        ("Big News Today - Aktuálně.cz", "Aktuálně.cz - Víte, co se právě děje", "Big News Today"),
        ("大新闻_科技_示例网", "示例网", "大新闻_科技"),
        ("Big News Today - The Verge", "the verge", "Big News Today"),
    ],
)
def test_clean_title(title: str | None, site: str | None, expected: str | None) -> None:
    assert clean_title(title, site) == expected


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("by  Jane   Doe, ", "Jane Doe"),
        ("Von Hans Müller", "Hans Müller"),
        ("Par Marie Curie", "Marie Curie"),
        ("Byron Smith", "Byron Smith"),  # a name, not a prefix
        ("Jane Doe |", "Jane Doe"),
        ("x" * 121, None),
        ("   ", None),
        (None, None),
        ("by James Carter Senior News Editor", "James Carter"),  # the seed's byline
        ("Jane Doe, Staff Writer", "Jane Doe"),
        ("Staff Writer Jane Doe", "Jane Doe"),
        ("Mayank Gupta, CEO of Example Corp", "Mayank Gupta"),
        ("Jane Doe, Senior Editor, Example News", "Jane Doe"),  # after the job title: the employer
        ("Jane Doe Contributing Correspondent", "Jane Doe"),
        ("By Jane Doe and John Roe", "Jane Doe, John Roe"),
        ("Jane Doe & John Roe", "Jane Doe, John Roe"),
        ("Jane Doe; JANE DOE", "Jane Doe"),  # the same name twice
        ("By Jane Doe | Example News", "Jane Doe"),
        ("Jane Doe • March 3, 2025", "Jane Doe"),
        ("by Jane Doe22 Dec 2016", "Jane Doe"),
        ("Jane Doe 2 hours ago", "Jane Doe"),
        ("Jane Doe Updated March 3", "Jane Doe"),
        ("Updated March 3, 2025 at 6:01 am", None),
        ("April 28, 2019 at 6:01 am", None),
        ("Tech 16 May 2025 by Jane Doe", "Jane Doe"),
        ("Jane Doe, MD, PhD", "Jane Doe"),
        ("Jane Doe Reviewed by John Roe", "Jane Doe"),
        ("Jane Doe jane.doe@example.com @janedoe", "Jane Doe"),
        ("jane@example.com (Jane Doe)", "Jane Doe"),  # RSS's "address (name)"
        ("https://www.facebook.com/janedoe", None),
        ("Username", None),
        ("The Author", None),
        ("Our Foreign Staff", None),  # a desk, no name
        ("Martin Dupont (avec Jeanne Roux et Paul Petit)", "Martin Dupont"),
        ("Paramita (Guha) Ghosh", "Paramita (Guha) Ghosh"),
        ("Nelson D. Schwartz", "Nelson D. Schwartz"),
        ("Jean-Luc Picard", "Jean-Luc Picard"),
        ("Ursula von der Leyen", "Ursula von der Leyen"),
        ("Aleš Novák před 2 hodinami", "Aleš Novák"),
    ],
)
def test_clean_author(author: str | None, expected: str | None) -> None:
    assert clean_author(author) == expected
    assert clean_author(expected) == expected  # idempotent: build_article cleans extracted names again


@pytest.mark.parametrize(
    ("name", "personal"),
    [
        ("Jane Doe", True),
        ("Ursula von der Leyen", True),
        ("Jean-Luc Picard", True),
        ("Jane", False),  # one word
        ("Example News", False),  # an organisation's word
        ("JANE DOE", False),  # set in capitals: a label, not how names are written
        ("jane doe", False),
        ("Jane Doe 2", False),
    ],
)
def test_is_personal_name(name: str, personal: bool) -> None:
    assert is_personal_name(name) is personal
