"""Language codes: the ISO 639-1 code readers expect, whatever the detector or the page calls it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_ingest
from ingest.text.language import _identifier, detect_language, iso_639_1

# Standard written Chinese (Mandarin) that py3langid labels Wu.
MANDARIN_AS_WU = "浦东新区发布新政策，支持企业发展。苏州评弹是江南传统曲艺。"
CANTONESE = "佢哋今日喺度食咗飯，我哋唔知佢係邊個，嗰個人冇講嘢。"
# What the detector can say that has no ISO 639-1 code at all (written Cantonese and Wu, with their
# own characters, among them): these are stored as the detector's code.
NO_ISO_639_1 = {
    "ace", "bcl", "crh", "ext", "gcf", "gcr", "gom", "grc", "guw", "hbo", "kab", "lij", "ltg", "nso", "pcm",
    "vec", "yue", "wuu",
}  # fmt: skip


def test_mandarin_the_detector_calls_wu_is_chinese() -> None:
    assert _identifier().classify(MANDARIN_AS_WU)[0] == "wuu"  # the mislabel this guards against
    assert detect_language(MANDARIN_AS_WU) == "zh"
    assert detect_language(MANDARIN_AS_WU, declared="zh") == "zh"


def test_written_cantonese_keeps_its_code() -> None:
    assert detect_language(CANTONESE) == "yue"
    assert iso_639_1("yue", "香港政府今日公布新措施。") == "zh"  # standard written Chinese, labelled Cantonese


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ary", "ar"), ("arz", "ar"), ("uzs", "uz"), ("eng", "en"), ("ZHO", "zh"), ("ger", "de"), ("iw", "he"),
     ("en", "en"), ("zxx", None)],
)
def test_codes_become_iso_639_1(code: str, expected: str | None) -> None:
    assert iso_639_1(code) == expected


def test_a_declared_three_letter_code_is_stored_as_two() -> None:
    assert detect_language("short", declared="eng") == "en"  # too short to detect: the declaration, as 639-1


def test_every_code_the_detector_gives_is_iso_639_1_where_one_exists() -> None:
    dialect = "嘅咗侬覅"  # markers of written Cantonese and Wu, so that those keep their codes
    stored = {iso_639_1(code, dialect) for code in _identifier().nb_classes} - {None}
    assert {code for code in stored if len(code) != 2} == NO_ISO_639_1


def test_ingest_extract_stores_chinese_as_zh(tmp_path: Path) -> None:
    paragraphs = "".join(f"<p>{MANDARIN_AS_WU}</p>" for _ in range(8))
    page = tmp_path / "page.html"
    page.write_text(f"<html><head><title>浦东新区</title></head><body><article>{paragraphs}</article></body></html>")

    done = run_ingest("extract", str(page), "--url", "https://news.example.cn/a/1", cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    assert '"language": "zh"' in done.stdout
