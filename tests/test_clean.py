"""Text clean-up: an article's body, words and tags."""

from __future__ import annotations

import pytest

from ingest.text.clean import bounded_line, clean_article_text, split_keywords, unique_tags, word_count


def test_clean_article_text_paragraphs_and_whitespace() -> None:
    raw = " First   line\twith  tabs  \r\nsecond line\r\n\r\n\r\n\r\nSecond\u00a0paragraph.\n\n\n"
    assert clean_article_text(raw) == "First line with tabs\nsecond line\n\nSecond paragraph."


def test_clean_article_text_drops_invisible_and_control_characters() -> None:
    raw = "soft\u00adhyphen zero\u200bwidth \ufeffbom bell\x07 nul\x00 c1\x85 end"
    assert clean_article_text(raw) == "softhyphen zerowidth bom bell nul c1 end"


def test_clean_article_text_normalises_to_nfc() -> None:
    assert clean_article_text("cafe\u0301") == "caf\u00e9"


def test_clean_article_text_keeps_nested_list_indentation() -> None:
    text = "- item\n  - nested item\n    - deeper   \n- next"
    assert clean_article_text(text) == "- item\n  - nested item\n    - deeper\n- next"


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("one two three", 3),
        ("Hello, world! It's fine.", 5),  # It + s
        ("", 0),
        ("日本語のテキスト", 8),  # every CJK or kana character is a word
        ("宇航员 在太空", 6),
        ("日本 and English", 4),
    ],
)
def test_word_count(text: str, count: int) -> None:
    assert word_count(text) == count


def test_word_count_cjk_next_to_latin() -> None:
    assert word_count("在2025年") == 3  # 在, 2025, 年
    assert word_count("iPhone发布") == 3  # iPhone, 发, 布


def test_unique_tags_first_seen_and_case_insensitive() -> None:
    assert unique_tags(("Politics", "World"), ["politics", " Economy "], ("world", "")) == [
        "Politics",
        "World",
        "Economy",
    ]


def test_bounded_line_cuts_after_a_whole_word_with_an_ellipsis() -> None:
    assert bounded_line("  short\n message ") == "short message"
    long = "the parser stopped because " + "something went wrong " * 20
    cut = bounded_line(long, 60)
    assert len(cut) <= 60 and cut.endswith("…")
    assert long.startswith(cut[:-1]) and long[len(cut) - 1] == " "  # the next character starts a new word
    assert bounded_line("x" * 300, 20) == "x" * 19 + "…"  # one endless word: cut, but still marked


def test_split_keywords_on_commas_and_semicolons() -> None:
    assert split_keywords(["aircraft;search;Indonesia;"]) == ["aircraft", "search", "Indonesia"]
    assert split_keywords(("Politics",), ["politics, World ; ;", " Economy "], ()) == ["Politics", "World", "Economy"]
    assert split_keywords([";,", ""]) == []
