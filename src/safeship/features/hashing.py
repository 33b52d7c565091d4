"""Hashed word and character n-gram counts: the cheap first stage of every text classifier.

One fixed configuration for the whole project, so the counts of a text are computed once and
shared by every linear model (each model applies its own IDF weights and coefficients).
Hashing needs no vocabulary, so artefacts stay small and independent of library versions.

Why hand-written: scikit-learn's ``HashingVectorizer`` builds every character n-gram as a Python
string, about 5 ms for a 2,000-character turn; this vectorised numpy version computes rolling
hashes over code points in about 0.2 ms, which is what keeps a full guard check near 1 ms.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import sparse

WORD_BITS = 18
CHAR_BITS = 18
WORD_FEATURES = 2**WORD_BITS
CHAR_FEATURES = 2**CHAR_BITS
N_FEATURES = WORD_FEATURES + CHAR_FEATURES
MAX_CHARS = 8000
CHAR_NGRAMS = (2, 3, 4, 5)

_TOKEN = re.compile(r"\w+|[^\w\s]{1,3}")
_SPACES = re.compile(r"\s+")
_MULT = np.uint64(0x9E3779B97F4A7C15)
_BASE = np.uint64(1000003)


def _index(hashes: np.ndarray, bits: int) -> np.ndarray:
    """Fibonacci hashing: multiply by the golden ratio constant and keep the top bits."""
    with np.errstate(over="ignore"):
        mixed = hashes * _MULT
    return (mixed >> np.uint64(64 - bits)).astype(np.int64)


# n * B**n mod 2**64: what the seed n contributes after n steps of h = h * B + code
_SEEDS = {n: np.uint64(n * int(_BASE) ** n % 2**64) for n in range(1, max(CHAR_NGRAMS) + 1)}


def _char_indices(text: str) -> np.ndarray:
    """Hashes of every character n-gram: ``n * B**n + sum(c[i+k] * B**(n-1-k))`` mod 2**64.

    The polynomial of an n-gram is the (n-1)-gram's times ``B`` plus its last code, so each
    length costs two vector operations on the previous one (wrapping uint64 arithmetic makes
    this bit-identical to hashing each n-gram from scratch).
    """
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts = [hashes for _, hashes in _char_ngram_hashes(codes)]
    if not parts:
        return np.empty(0, dtype=np.int64)
    return np.asarray(_index(np.concatenate(parts), CHAR_BITS) + WORD_FEATURES)


def _char_ngram_hashes(codes: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """``(n, hash of the n-gram starting at each position)`` for each n of ``CHAR_NGRAMS``."""
    out: list[tuple[int, np.ndarray]] = []
    with np.errstate(over="ignore"):
        poly = codes  # 1-grams
        for n in range(2, max(CHAR_NGRAMS) + 1):
            m = len(codes) - n + 1
            if m <= 0:
                break
            poly = poly[:m] * _BASE + codes[n - 1 :]
            if n in CHAR_NGRAMS:
                out.append((n, poly + _SEEDS[n]))
    return out


def _word_indices(text: str) -> np.ndarray:
    tokens = _TOKEN.findall(text)
    if not tokens:
        return np.empty(0, dtype=np.int64)
    ids = np.fromiter((zlib.crc32(t.encode("utf-8")) for t in tokens), np.uint64, len(tokens))
    with np.errstate(over="ignore"):
        bigrams = ids[:-1] * _BASE + ids[1:] + np.uint64(0x5BD1E995)
    return _index(np.concatenate([ids, bigrams]), WORD_BITS)


def _prepare(text: str) -> str:
    return _SPACES.sub(" ", text[:MAX_CHARS].lower()).strip()


class CountRows(Protocol):
    """Rows of hashed counts in CSR layout: what the linear stages read (scipy's CSR fits)."""

    @property
    def indptr(self) -> np.ndarray:
        """Row ``i`` is ``indices[indptr[i]:indptr[i + 1]]``."""

    @property
    def indices(self) -> np.ndarray:
        """Feature columns."""

    @property
    def data(self) -> np.ndarray:
        """Counts."""

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, features)``."""


@dataclass(frozen=True)
class HashedRows:
    """Hashed counts in CSR layout without scipy's construction checks (~30 us a row saved).

    The guard's hot path only reads the three arrays; ``tocsr`` gives a real matrix when
    something (training, scikit-learn) needs one.
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, N_FEATURES)``, as a CSR matrix would report."""
        return (len(self.indptr) - 1, N_FEATURES)

    @classmethod
    def stack(cls, blocks: list[HashedRows]) -> HashedRows:
        """Row blocks (one row each, or many) stacked in order."""
        if len(blocks) == 1:
            return blocks[0]
        sizes = np.array([b.indices.size for b in blocks], dtype=np.int64)
        if all(b.indptr.size == 2 for b in blocks):  # one row each (the cache's rows): vectorised
            indptr = np.zeros(len(blocks) + 1, dtype=np.int64)
            np.cumsum(sizes, out=indptr[1:])
        else:
            offsets = np.concatenate([[0], np.cumsum(sizes[:-1])])
            shifted = [b.indptr[1:] + o for b, o in zip(blocks, offsets, strict=True)]
            indptr = np.concatenate([np.zeros(1, dtype=np.int64), *shifted]).astype(np.int64)
        return cls(
            indptr,
            np.concatenate([b.indices for b in blocks]),
            np.concatenate([b.data for b in blocks]),
        )

    def row(self, i: int) -> HashedRows:
        """Row ``i`` as a one-row block."""
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        return HashedRows(
            np.array([0, hi - lo], dtype=np.int64), self.indices[lo:hi], self.data[lo:hi]
        )

    def tocsr(self) -> sparse.csr_matrix:
        """The same counts as a scipy CSR matrix."""
        return sparse.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


BATCH_FROM = 16
"""From this many texts on, short texts are hashed in one pass (:func:`_batched_rows`)."""
BATCH_MEAN = 1000
"""Texts longer than this on average are hashed one by one: the pass saves per-call overhead,
which long texts (2,500-character windows) do not pay much of, and it was slower there."""
BATCH_CHARS = 131_072
"""Characters hashed in one pass at most: the pass holds about 150 bytes a character."""


def _batched_rows(prepared: list[str]) -> HashedRows:
    """The counts :meth:`NgramHasher.rows` gives, for many texts in a handful of array passes.

    Why: hashing one text costs about 60 us of per-call overhead whatever its length, so the
    13,000 sentences of a 1 MB paste took 0.7 s, most of a layer's default timeout. The
    n-grams are those of the texts joined; one that crosses from one text into the next is
    given to a row past the last and dropped. Bit-identical to hashing each text alone (a test
    holds the two together).
    """
    n_texts = len(prepared)
    sizes = np.fromiter(map(len, prepared), np.int64, n_texts)
    owner = np.repeat(np.arange(n_texts, dtype=np.int64), sizes)
    char_keys = _batched_chars(prepared, owner, n_texts)
    word_keys = _batched_words(prepared, n_texts)
    keys = np.sort(np.concatenate([word_keys, char_keys]), kind="stable")  # nearly sorted
    keys = keys[: np.searchsorted(keys, n_texts * N_FEATURES)]  # crossing n-grams out
    if not keys.size:
        empty = np.empty(0, dtype=np.int64)
        return HashedRows(np.zeros(n_texts + 1, dtype=np.int64), empty, empty.astype(np.float32))
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    counts = np.diff(np.r_[starts, keys.size])
    uniq = keys[starts]
    indptr = np.zeros(n_texts + 1, dtype=np.int64)
    np.cumsum(np.bincount(uniq // N_FEATURES, minlength=n_texts), out=indptr[1:])
    return HashedRows(indptr, uniq % N_FEATURES, counts.astype(np.float32))


def _batched_chars(prepared: list[str], owner: np.ndarray, n_texts: int) -> np.ndarray:
    """``row * N_FEATURES + column`` of every character n-gram (see ``_char_indices``)."""
    codes = np.frombuffer("".join(prepared).encode("utf-32-le"), dtype=np.uint32)
    keys: list[np.ndarray] = []
    for n, hashes in _char_ngram_hashes(codes.astype(np.uint64)):
        rows = owner[: hashes.size].copy()
        rows[np.flatnonzero(rows != owner[n - 1 :])] = n_texts  # crosses a boundary
        keys.append(rows * N_FEATURES + _index(hashes, CHAR_BITS) + WORD_FEATURES)
    return np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)


def _batched_words(prepared: list[str], n_texts: int) -> np.ndarray:
    """``row * N_FEATURES + column`` of every word 1-gram and 2-gram (see ``_word_indices``)."""
    tokens = [_TOKEN.findall(text) for text in prepared]
    counts = np.fromiter(map(len, tokens), np.int64, n_texts)
    owner = np.repeat(np.arange(n_texts, dtype=np.int64), counts)
    flat = [t for words in tokens for t in words]
    ids = np.fromiter((zlib.crc32(t.encode("utf-8")) for t in flat), np.uint64, len(flat))
    with np.errstate(over="ignore"):
        bigrams = ids[:-1] * _BASE + ids[1:] + np.uint64(0x5BD1E995)
    pair_rows = owner[:-1].copy()
    pair_rows[np.flatnonzero(pair_rows != owner[1:])] = n_texts
    rows = np.concatenate([owner, pair_rows])
    return np.asarray(rows * N_FEATURES + _index(np.concatenate([ids, bigrams]), WORD_BITS))


class NgramHasher:
    """Word 1-2 grams and character 2-5 grams, hashed without sign into one count vector."""

    def rows(self, texts: list[str]) -> HashedRows:
        """Raw counts of ``texts`` (texts past ``MAX_CHARS`` are cut), in CSR layout."""
        prepared = [_prepare(t) for t in texts]
        if len(prepared) < BATCH_FROM or sum(map(len, prepared)) > BATCH_MEAN * len(prepared):
            return _one_by_one(prepared)
        return HashedRows.stack([_batched_rows(batch) for batch in _batches(prepared)])

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """Raw counts, shape ``(len(texts), N_FEATURES)``, as a scipy CSR matrix."""
        return self.rows(texts).tocsr()


def _one_by_one(prepared: list[str]) -> HashedRows:
    """Counts of already prepared texts, each hashed alone."""
    indptr = np.zeros(len(prepared) + 1, dtype=np.int64)
    indices: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for i, text in enumerate(prepared):
        idx = np.concatenate([_word_indices(text), _char_indices(text)])
        uniq, cnt = np.unique(idx, return_counts=True)
        indices.append(uniq)
        counts.append(cnt.astype(np.float32))
        indptr[i + 1] = indptr[i] + uniq.size
    data = np.concatenate(counts) if counts else np.empty(0, dtype=np.float32)
    cols = np.concatenate(indices) if indices else np.empty(0, dtype=np.int64)
    return HashedRows(indptr, cols, data)


def _batches(prepared: list[str]) -> list[list[str]]:
    """Consecutive runs of at most ``BATCH_CHARS`` characters (a longer text alone)."""
    out: list[list[str]] = [[]]
    size = 0
    for text in prepared:
        if out[-1] and size + len(text) > BATCH_CHARS:
            out.append([])
            size = 0
        out[-1].append(text)
        size += len(text)
    return out
