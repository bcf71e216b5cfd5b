"""An LSH index of MinHash signatures that says which earlier article a new text copies.

A copy is the same text republished: wire stories on several sites, print and AMP versions,
syndication. Sites often run a trimmed copy (the first paragraphs of a wire story), so a copy is
recognised by containment (how much of the shorter text lies in the longer one), not Jaccard alone.

Threshold, measured on the dev set's text track (`shared/fixtures/stories/text`, 208 articles,
21,528 pairs; 5-word shingles, exact sets):
- wire copies (AP/Reuters text on washingtonpost, nytimes, dailymail, sfgate, abcnews, ...):
  17 pairs, containment 0.77-1.00, Jaccard 0.31-0.96 (trimmed NYT copies sit at 0.31-0.45);
- same event, separately written: containment <= 0.63 (a summary quoting its source, Jaccard 0.09),
  and <= 0.54 where Jaccard >= 0.2 (stories sharing a few wire paragraphs); Jaccard <= 0.27;
- different events: containment <= 0.18, Jaccard <= 0.10, except two CNN video pages whose whole
  "text" is the same 16-word chat prompt: texts that short are not indexed (MIN_SHINGLES).
So: Jaccard >= 0.2 (the LSH threshold, below every copy) and containment >= 0.7 (in the gap between
0.63 and 0.77). MinHash with 128 permutations estimates either within about +-0.04 at these values.
Fed in order of publication (bench/stories.py), 10 of the 12 later copies are marked, all correctly;
missed: a Daily Mail copy of the Erie AP story (exact containment 0.77) and a trimmed NYT copy
(Jaccard 0.31), both near the limits; not yet investigated whether LSH banding or the estimate.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from ingest.dedupe.fingerprint import NUM_PERM, Signature, from_bytes, jaccard, signature_of, to_bytes
from ingest.dedupe.shingles import Sketch
from ingest.dedupe.shingles import sketch as make_sketch

MIN_JACCARD = 0.2
MIN_CONTAINMENT = 0.7
MIN_SHINGLES = 30  # about 35 words: shorter "texts" are page furniture or teasers, not an article


@dataclass(frozen=True, slots=True)
class FingerprintRow:
    """One indexed article as a database row: what the index needs to be rebuilt after a restart."""

    article_id: str
    signature: bytes  # NUM_PERM little-endian uint64 MinHash values
    shingles: int  # size of the shingle set, for containment
    duplicate_of: str | None


class NearDuplicateIndex:
    """Finds the first earlier article whose text the new one copies."""

    def __init__(self, min_jaccard: float = MIN_JACCARD, min_containment: float = MIN_CONTAINMENT) -> None:
        self.min_jaccard = min_jaccard
        self.min_containment = min_containment
        self._lsh = _Bands(*bands_for(min_jaccard))
        self._rows: dict[str, FingerprintRow] = {}  # insertion order = order of arrival
        self._order: dict[str, int] = {}
        self._sigs: dict[str, Signature] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, article_id: str, text: str, sketch: Sketch | None = None) -> str | None:
        """Index the text; return the id of the original it copies, or None if it is new. `sketch`, if
        given, is the text's, made elsewhere (in a worker) so that the caller's thread does not pay."""
        return self.match(article_id, text, sketch)[0]

    def match(
        self,
        article_id: str,
        text: str,
        sketch: Sketch | None = None,
        *,
        mark: bool = True,
        not_copies_of: Collection[str] = (),
    ) -> tuple[str | None, float | None]:
        """`add`, also giving the Jaccard estimate with the indexed text that matched (None if none
        did, or if the article was indexed before). With `mark` False the article is indexed as an
        original whatever it copies (its feed opted out of the collapse), yet the match is returned.
        Originals in `not_copies_of` are never matched (a person cleared that mark)."""
        if article_id in self._rows:
            return self._rows[article_id].duplicate_of, None
        sketch = sketch or make_sketch(text)
        if sketch is None or sketch.shingles < MIN_SHINGLES:
            return None, None
        sig = from_bytes(sketch.signature) if sketch.signature else signature_of(sketch)
        original, score = self._original(sig, sketch.shingles, not_copies_of)
        row = FingerprintRow(article_id, to_bytes(sig), sketch.shingles, original if mark else None)
        self._insert(row, sig)
        return original, score

    def unmark(self, article_id: str) -> FingerprintRow | None:
        """Index the article as an original from now on (a person said it copies nothing); its new row,
        for the store to write, or None if it is not indexed."""
        row = self._rows.get(article_id)
        if row is not None and row.duplicate_of is not None:
            row = self._rows[article_id] = replace(row, duplicate_of=None)
        return row

    def row(self, article_id: str) -> FingerprintRow | None:
        """The indexed article's row (None if its text was too short to index): what the store keeps."""
        return self._rows.get(article_id)

    @classmethod
    def from_rows(cls, rows: Iterable[FingerprintRow], **settings: float) -> NearDuplicateIndex:
        """An index holding the given rows (as `row` gave them), in order of arrival."""
        index = cls(**settings)
        for row in rows:
            index._insert(row, from_bytes(row.signature))
        return index

    def _original(
        self, sig: Signature, size: int, excluded: Collection[str]
    ) -> tuple[str | None, float | None]:
        best: tuple[int, str, float] | None = None
        for other in self._lsh.query(sig):
            jac = jaccard(sig, self._sigs[other])
            if jac < self.min_jaccard:
                continue
            # |A n B| from the Jaccard estimate and the two set sizes.
            other_size = self._rows[other].shingles
            common = jac * (size + other_size) / (1 + jac)
            if common / min(size, other_size) < self.min_containment:
                continue
            root = self._rows[other].duplicate_of or other
            if root in excluded:
                continue
            rank = self._order.get(root, self._order[other])
            if best is None or (rank, -jac) < (best[0], -best[2]):
                best = (rank, root, jac)
        return (best[1], best[2]) if best else (None, None)

    def _insert(self, row: FingerprintRow, sig: Signature) -> None:
        self._order[row.article_id] = len(self._order)
        self._rows[row.article_id] = row
        self._sigs[row.article_id] = sig
        self._lsh.insert(row.article_id, sig)


# The LSH banding datasketch's MinHashLSH chooses for a threshold over NUM_PERM permutations (its
# _optimal_param, false positives and negatives weighed equally): `bands` bands of `rows` values each.
# Written down so that placing needs no scipy; tests/test_dedupe.py checks it against datasketch.
BANDS = {0.2: (28, 2)}


def bands_for(threshold: float) -> tuple[int, int]:
    """(bands, rows per band) for a Jaccard threshold, as datasketch chooses them."""
    if threshold in BANDS:
        return BANDS[threshold]
    from datasketch import MinHashLSH  # another threshold (a test's): ask datasketch itself

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return lsh.b, lsh.r


class _Bands:
    """MinHash LSH by banding, as datasketch's MinHashLSH does it: two signatures are candidates when
    all the values of one of their bands agree. Candidates are then checked by their estimates."""

    def __init__(self, bands: int, rows: int) -> None:
        self._ranges = [(i * rows, (i + 1) * rows) for i in range(bands)]
        self._tables: list[dict[bytes, list[str]]] = [{} for _ in range(bands)]

    def insert(self, key: str, sig: Signature) -> None:
        for (start, end), table in zip(self._ranges, self._tables, strict=True):
            table.setdefault(sig[start:end].tobytes(), []).append(key)

    def query(self, sig: Signature) -> set[str]:
        return {
            key
            for (start, end), table in zip(self._ranges, self._tables, strict=True)
            for key in table.get(sig[start:end].tobytes(), ())
        }
