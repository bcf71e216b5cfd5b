"""Word shingles of article text and their 32-bit hashes: the part of a MinHash signature that costs.

Kept free of numpy and datasketch so that worker processes can make it without loading them
(datasketch pulls in scipy: about 70 MB per process).
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass

SHINGLE_WORDS = 5  # long enough that two unrelated texts rarely share one, short enough to survive edits

_WORDS = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Sketch:
    """A text's shingle hashes, made where CPU time is cheap (a worker); the signature is made from it,
    there too when the worker has datasketch loaded (fingerprint.signed)."""

    hashes: bytes  # little-endian uint32, one per distinct shingle; empty once `signature` is made
    shingles: int
    signature: bytes | None = None  # the MinHash signature, as fingerprint.to_bytes stores it


def words(text: str) -> list[str]:
    """The text's words, lower-cased, without punctuation (quotes and dashes differ between copies)."""
    return _WORDS.findall(text.lower())


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The set of `size`-word runs of the text."""
    tokens = words(text)
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def sha1_hash32(data: bytes) -> int:
    """datasketch's default 32-bit hash (`datasketch.hashfunc.sha1_hash32`), bit for bit."""
    return struct.unpack("<I", hashlib.sha1(data).digest()[:4])[0]


def sketch(text: str) -> Sketch | None:
    """The hashes of the text's shingles, or None when it is too short to have one."""
    grams = shingles(text)
    if not grams:
        return None
    values = [sha1_hash32(g.encode()) for g in grams]
    return Sketch(struct.pack(f"<{len(values)}I", *values), len(values))
