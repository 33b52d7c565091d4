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


def _char_indices(text: str) -> np.ndarray:
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts = []
    with np.errstate(over="ignore"):
        for n in CHAR_NGRAMS:
            m = len(codes) - n + 1
            if m <= 0:
                continue
            h = np.full(m, np.uint64(n), dtype=np.uint64)
            for k in range(n):
                h = h * _BASE + codes[k : k + m]
            parts.append(h)
    if not parts:
        return np.empty(0, dtype=np.int64)
    return np.asarray(_index(np.concatenate(parts), CHAR_BITS) + WORD_FEATURES)


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


class NgramHasher:
    """Word 1-2 grams and character 2-5 grams, hashed without sign into one count vector."""

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """Raw counts, shape ``(len(texts), N_FEATURES)``; texts past ``MAX_CHARS`` are cut."""
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        indices: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        for i, text in enumerate(texts):
            prepared = _prepare(text)
            idx = np.concatenate([_word_indices(prepared), _char_indices(prepared)])
            uniq, cnt = np.unique(idx, return_counts=True)
            indices.append(uniq)
            counts.append(cnt.astype(np.float32))
            indptr[i + 1] = indptr[i] + uniq.size
        data = np.concatenate(counts) if counts else np.empty(0, dtype=np.float32)
        cols = np.concatenate(indices) if indices else np.empty(0, dtype=np.int64)
        return sparse.csr_matrix((data, cols, indptr), shape=(len(texts), N_FEATURES))
