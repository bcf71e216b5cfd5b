"""The language of an article's text, checked against what the page declares."""

from __future__ import annotations

import shutil
import tempfile
from functools import cache
from typing import Any

_DETECT_CHARS = 1000  # detection is as good on the first 300 characters; 1000 costs ~0.5 ms
_MIN_LETTERS = 20
_MIN_CONFIDENCE = 0.5
_OVERRIDE_CONFIDENCE = 0.95  # a declared language gives way only to detection this sure
# Languages the detector confuses with each other: a declaration among them is trusted.
_SIBLINGS = ({"no", "nb", "nn", "da"}, {"ms", "id"}, {"hr", "sr", "bs"}, {"cs", "sk"}, {"gl", "pt", "es"})
_MIN_OVERRIDE_CHARS = 300

# The detector's (and pages') codes that are not the ISO 639-1 code readers filter on, mapped to the one
# they expect: varieties the detector tells apart from their macrolanguage only by chance (Moroccan and
# Egyptian Arabic are Arabic to a reader), ISO 639-2/3 codes pages declare, and 639-1's withdrawn codes.
_ISO_639_1 = {
    "ary": "ar", "arz": "ar", "ara": "ar", "uzs": "uz", "uzb": "uz", "gug": "gn", "fuv": "ff", "sdh": "ku",
    "kik": "ki", "eng": "en", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de", "spa": "es", "por": "pt",
    "ita": "it", "nld": "nl", "dut": "nl", "rus": "ru", "zho": "zh", "chi": "zh", "cmn": "zh", "jpn": "ja",
    "kor": "ko", "heb": "he", "hin": "hi", "tur": "tr", "pol": "pl", "swe": "sv", "nor": "no", "nob": "nb",
    "nno": "nn", "dan": "da", "fin": "fi", "ell": "el", "gre": "el", "ukr": "uk", "ces": "cs", "cze": "cs",
    "hun": "hu", "ron": "ro", "rum": "ro", "vie": "vi", "ind": "id", "msa": "ms", "may": "ms", "tha": "th",
    "fas": "fa", "per": "fa", "urd": "ur", "ben": "bn", "cat": "ca", "bul": "bg", "hrv": "hr", "srp": "sr",
    "iw": "he", "in": "id", "ji": "yi",
}  # fmt: skip
# Standard written Chinese is often labelled Wu (`wuu`) or Cantonese (`yue`): the detector cannot tell
# them apart without the characters only the written dialect uses. With two of those it is the dialect
# (which has no ISO 639-1 code of its own); without, it is Chinese.
_WRITTEN_DIALECT = {"yue": frozenset("嘅咗唔冇喺嘢啲嗰哋"), "wuu": frozenset("侬覅嘸搿")}
_NO_LANGUAGE = "zxx"  # the detector's "no linguistic content"


def detect_language(text: str, declared: str | None = None) -> str | None:
    """The language of `text` (ISO 639-1), or `declared` unless the text is clearly in another one;
    None if the text is too short to tell and nothing is declared."""
    sample = text[:_DETECT_CHARS]
    declared = iso_639_1(declared, sample) if declared else None
    if sum(c.isalpha() for c in sample) < _MIN_LETTERS:
        return declared
    detected, confidence = _identifier().classify(sample)
    language = iso_639_1(detected, sample)
    if language is None:
        return declared
    if declared is None:
        return language if confidence >= _MIN_CONFIDENCE else None
    if language == declared or any({language, declared} <= group for group in _SIBLINGS):
        return declared
    sure = confidence >= _OVERRIDE_CONFIDENCE and len(sample) >= _MIN_OVERRIDE_CHARS
    return language if sure else declared  # templates declare "en" on articles in other languages


def iso_639_1(code: str, text: str = "") -> str | None:
    """The ISO 639-1 code readers expect for a detected or declared `code`, where one exists (else the code
    as given, lower case); `text` is what it was detected in, which tells written Cantonese from Chinese."""
    code = code.strip().lower()
    if code == _NO_LANGUAGE or not code:
        return None
    if code in _WRITTEN_DIALECT:
        markers = _WRITTEN_DIALECT[code]
        return code if sum(c in markers for c in text) >= 2 else "zh"
    return _ISO_639_1.get(code, code)


class ModelUnavailable(Exception):
    """The language model cannot be loaded; str() says where and why."""


# py3langid unpacks its model into a temporary file before reading it (68 MB).
_UNPACKED_BYTES = 70 * 1024 * 1024


def check_room() -> None:
    """Fail now, in one line, if the model could not be unpacked later, in the workers: a full temporary
    folder would otherwise fail every article, one by one. Costs a statvfs, not a load."""
    where = tempfile.gettempdir()
    try:
        free = shutil.disk_usage(where).free
    except OSError as exc:
        problem = f"cannot use the temporary folder {where} for the language model: {exc}"
        raise ModelUnavailable(problem) from None
    if free < _UNPACKED_BYTES:
        raise ModelUnavailable(
            f"the language model needs {_UNPACKED_BYTES // 2**20} MB in the temporary folder {where}, "
            f"which has {free // 2**20} MB free (set TMPDIR to a folder with room)"
        )


def load_model() -> None:
    """Load the detector's model now (about a second), not during the first record an event loop builds."""
    try:
        _identifier()
    except OSError as exc:  # py3langid unpacks the model into a temporary file: a full or read-only disk
        where = tempfile.gettempdir()
        raise ModelUnavailable(f"cannot load the language model, unpacked into {where}: {exc.strerror or exc}") from None


@cache
def _identifier() -> Any:
    """py3langid's model, loaded once per process (about a second) and only when needed."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
