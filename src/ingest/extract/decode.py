"""Bytes of an HTML page to text, in the order browsers decide the charset, except that UTF-8 bytes win."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# Single-byte Latin charsets a detector confuses with windows-1252.
_LATIN_LOOKALIKES = frozenset(
    {
        "cp1250", "cp1254", "cp1257", "cp775", "cp850", "cp852", "cp857", "cp858", "latin_1",
        "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13",
        "iso8859_14", "iso8859_15", "iso8859_16", "mac_latin2", "mac_iceland", "mac_roman", "mac_turkish",
    }
)  # fmt: skip
# Detection is slow and only needs a sample to tell the charset.
_DETECT_SAMPLE = 64 * 1024


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode `body`: BOM, UTF-8 bytes, the HTTP charset, <meta charset>, mostly UTF-8 bytes, then a guess."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace")
    if not body.isascii():
        # Non-ASCII bytes that decode as UTF-8 are next to never another charset by chance, while a
        # Latin-1 label on a UTF-8 page is common: these bytes win over any label.
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    declared = [_header_charset(content_type), _meta_charset(body)]
    for encoding in filter(None, declared):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue  # a wrong declaration is common; try the next source
    lenient = body.decode("utf-8", errors="replace")
    if _mostly_utf8(lenient):
        return lenient
    return body.decode(_guess(body[:_DETECT_SAMPLE]), errors="replace")


def _mostly_utf8(text: str) -> bool:
    """Whether `text`, bytes decoded as UTF-8 with replacement, is UTF-8 with a few broken bytes: more
    valid non-ASCII characters than broken ones.

    Text in a single-byte charset read as UTF-8 is broken at nearly every non-ASCII byte instead."""
    broken = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return non_ascii - broken > broken


def _guess(sample: bytes) -> str:
    """The detector's charset, except that Latin text goes to windows-1252 (WHATWG's default)."""
    best = charset_normalizer.from_bytes(sample).best()
    if best is None or best.encoding in _LATIN_LOOKALIKES:
        # The detector cannot tell cp1252 from cp1250 or cp1257 on Western text and often picks
        # the rarer one ("crčme"); undeclared pages in those scripts are far less common.
        try:
            sample.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    return best.encoding if best else "cp1252"


def _header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return _known(match.group(1)) if match else None


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return _known(match.group(1).decode("ascii")) if match else None


def _known(name: str) -> str | None:
    """The codec for a charset label, or None for an unknown one; UTF-16 in a label lies (WHATWG)."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    if codec.startswith("utf-16"):
        return "utf-8"
    # Pages labelled Latin-1 or ASCII are almost always windows-1252 (WHATWG encoding standard).
    return "cp1252" if codec in ("latin_1", "iso8859-1", "ascii") else codec
