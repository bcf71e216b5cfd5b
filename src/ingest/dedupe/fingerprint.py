"""MinHash signatures of article text, for near-duplicate detection: made by datasketch (in the
workers, where it is loaded once), kept and compared as plain arrays of 128 hash values.

The process that places articles needs only numpy: it compares arrays and never imports datasketch,
whose LSH module pulls in scipy (half a second, tens of MB), unless it must sign a text itself.
"""

from __future__ import annotations

import numpy as np

from ingest.dedupe.shingles import Sketch

NUM_PERM = 128
# Seed and hashing scheme are part of the stored format: signatures made otherwise are not comparable.
SEED = 1
SCHEME = "affine32"

Signature = np.ndarray  # NUM_PERM unsigned 64-bit MinHash values


def signature_of(made: Sketch) -> Signature:
    """The MinHash of a sketch's shingle hashes: datasketch's MinHash of the text's shingles."""
    from datasketch import MinHash

    hashes = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=int)  # already hashed
    hashes.update_batch(np.frombuffer(made.hashes, dtype="<u4").tolist())
    return hashes.hashvalues.astype("<u8")  # the stored width, whatever the scheme keeps in memory


def signed(made: Sketch) -> Sketch:
    """The sketch with its signature made and its hashes dropped: what a worker sends back, so the
    process that places articles does no hashing per article."""
    return Sketch(b"", made.shingles, to_bytes(signature_of(made)))


def to_bytes(sig: Signature) -> bytes:
    """The signature's hash values as little-endian uint64: a compact BLOB for a database row."""
    return sig.astype("<u8").tobytes()


def from_bytes(blob: bytes) -> Signature:
    """The signature stored by `to_bytes`."""
    return np.frombuffer(blob, dtype="<u8")


def jaccard(a: Signature, b: Signature) -> float:
    """The two sets' Jaccard similarity as their signatures estimate it (datasketch's estimate)."""
    return float(np.count_nonzero(a == b)) / len(a)
