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


def detect_language(text: str, declared: str | None = None) -> str | None:
    """The language of `text` (ISO 639-1), or `declared` unless the text is clearly in another one;
    None if the text is too short to tell and nothing is declared."""
    sample = text[:_DETECT_CHARS]
    if sum(c.isalpha() for c in sample) < _MIN_LETTERS:
        return declared
    language, confidence = _identifier().classify(sample)
    if declared is None:
        return language if confidence >= _MIN_CONFIDENCE else None
    if language == declared or any({language, declared} <= group for group in _SIBLINGS):
        return declared
    sure = confidence >= _OVERRIDE_CONFIDENCE and len(sample) >= _MIN_OVERRIDE_CHARS
    return language if sure else declared  # templates declare "en" on articles in other languages


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
