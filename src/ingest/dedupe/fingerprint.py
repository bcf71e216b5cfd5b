"""MinHash signatures of article text, for near-duplicate detection."""

from __future__ import annotations

import numpy as np
from datasketch import LeanMinHash, MinHash

from ingest.dedupe.shingles import Sketch

NUM_PERM = 128
# Seed and hashing scheme are part of the stored format: signatures made otherwise are not comparable.
SEED = 1
SCHEME = "affine32"


def signature_of(made: Sketch) -> LeanMinHash:
    """The MinHash of a sketch's shingle hashes: datasketch's MinHash of the text's shingles."""
    hashes = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=int)  # already hashed
    hashes.update_batch(np.frombuffer(made.hashes, dtype="<u4").tolist())
    return LeanMinHash(hashes)


def signed(made: Sketch) -> Sketch:
    """The sketch with its signature made and its hashes dropped: what a worker sends back, so the
    process that places articles does no numpy work per article."""
    return Sketch(b"", made.shingles, to_bytes(signature_of(made)))


def to_bytes(sig: LeanMinHash) -> bytes:
    """The signature's hash values as little-endian uint64: a compact BLOB for a database row."""
    return sig.hashvalues.astype("<u8").tobytes()


def from_bytes(blob: bytes) -> LeanMinHash:
    """The signature stored by `to_bytes`."""
    return LeanMinHash(seed=SEED, hashvalues=np.frombuffer(blob, dtype="<u8"), scheme=SCHEME)
