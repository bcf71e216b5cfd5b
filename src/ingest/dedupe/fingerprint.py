"""MinHash signatures of article text, for near-duplicate detection."""

from __future__ import annotations

import numpy as np
from datasketch import LeanMinHash, MinHash

from ingest.dedupe.shingles import SHINGLE_WORDS, Sketch, sha1_hash32, shingles, sketch, words

# shingles.py's names too: callers need not know which half of the work lives where.
__all__ = [
    "SHINGLE_WORDS", "Sketch", "from_bytes", "jaccard", "shingles", "signature", "signature_of", "sketch",
    "to_bytes", "words",
]

NUM_PERM = 128
# Seed and hashing scheme are part of the stored format: signatures made otherwise are not comparable.
SEED = 1
SCHEME = "affine32"


def signature(text: str, num_perm: int = NUM_PERM) -> LeanMinHash | None:
    """The MinHash of the text's shingles, or None when the text is too short to have one."""
    grams = shingles(text)
    if not grams:
        return None
    hashes = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME, hashfunc=sha1_hash32)
    hashes.update_batch([g.encode() for g in grams])
    return LeanMinHash(hashes)


def signature_of(made: Sketch) -> LeanMinHash:
    """The MinHash of a sketch's shingle hashes: the same as `signature` of its text."""
    hashes = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=int)  # already hashed
    hashes.update_batch(np.frombuffer(made.hashes, dtype="<u4").tolist())
    return LeanMinHash(hashes)


def to_bytes(sig: LeanMinHash) -> bytes:
    """The signature's hash values as little-endian uint64: a compact BLOB for a database row."""
    return sig.hashvalues.astype("<u8").tobytes()


def from_bytes(blob: bytes) -> LeanMinHash:
    """The signature stored by `to_bytes`."""
    return LeanMinHash(seed=SEED, hashvalues=np.frombuffer(blob, dtype="<u8"), scheme=SCHEME)


def jaccard(a: set[str], b: set[str]) -> float:
    """The exact Jaccard similarity of two shingle sets."""
    return len(a & b) / len(a | b) if a or b else 0.0
