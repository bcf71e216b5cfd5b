"""Word shingles and MinHash signatures of article text, for near-duplicate detection."""

from __future__ import annotations

import re

import numpy as np
from datasketch import LeanMinHash, MinHash

SHINGLE_WORDS = 5  # long enough that two unrelated texts rarely share one, short enough to survive edits
NUM_PERM = 128
# Seed and hashing scheme are part of the stored format: signatures made otherwise are not comparable.
SEED = 1
SCHEME = "affine32"

_WORDS = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The text's words, lower-cased, without punctuation (quotes and dashes differ between copies)."""
    return _WORDS.findall(text.lower())


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The set of `size`-word runs of the text."""
    tokens = words(text)
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def signature(text: str, num_perm: int = NUM_PERM) -> LeanMinHash | None:
    """The MinHash of the text's shingles, or None when the text is too short to have one."""
    grams = shingles(text)
    if not grams:
        return None
    sketch = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME)
    sketch.update_batch([g.encode() for g in grams])
    return LeanMinHash(sketch)


def to_bytes(sig: LeanMinHash) -> bytes:
    """The signature's hash values as little-endian uint64: a compact BLOB for a database row."""
    return sig.hashvalues.astype("<u8").tobytes()


def from_bytes(blob: bytes) -> LeanMinHash:
    """The signature stored by `to_bytes`."""
    return LeanMinHash(seed=SEED, hashvalues=np.frombuffer(blob, dtype="<u8"), scheme=SCHEME)


def jaccard(a: set[str], b: set[str]) -> float:
    """The exact Jaccard similarity of two shingle sets."""
    return len(a & b) / len(a | b) if a or b else 0.0
