"""The n-gram hasher: exact hashes (shipped models depend on them) and its light CSR rows."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from safeship.features.hashing import (
    CHAR_BITS,
    CHAR_NGRAMS,
    WORD_FEATURES,
    HashedRows,
    NgramHasher,
    _char_indices,
)

MASK = (1 << 64) - 1
BASE = 1000003
MULT = 0x9E3779B97F4A7C15


def reference_char_indices(text: str) -> list[int]:
    """Each n-gram hashed from scratch in plain integers: seed n, then h = h * B + code."""
    out = []
    for n in CHAR_NGRAMS:
        for i in range(len(text) - n + 1):
            h = n
            for ch in text[i : i + n]:
                h = (h * BASE + ord(ch)) & MASK
            out.append((((h * MULT) & MASK) >> (64 - CHAR_BITS)) + WORD_FEATURES)
    return out


@pytest.mark.parametrize("text", ["", "a", "ab", "hello world", "naïve café 😀 ok", "x" * 40])
def test_rolling_char_hashes_equal_hashing_each_ngram_from_scratch(text: str) -> None:
    assert _char_indices(text).tolist() == reference_char_indices(text)


def test_word_hashes_are_crc32_based_and_stable() -> None:
    # a pinned value: changing the hash silently would break every shipped model
    rows = NgramHasher().rows(["Hello"])
    assert rows.indices.size > 0
    assert zlib.crc32(b"hello") == 907060870
    assert rows.shape == (1, NgramHasher().transform(["Hello"]).shape[1])


def test_rows_and_csr_hold_the_same_counts() -> None:
    texts = ["the cat sat on the mat", "", "the the the", "Ünïcödé text 123"]
    rows = NgramHasher().rows(texts)
    dense_rows = rows.tocsr().toarray()
    dense_csr = NgramHasher().transform(texts).toarray()
    assert np.array_equal(dense_rows, dense_csr)
    assert dense_rows[2].sum() > dense_rows[0].sum() / 3  # repeated words are counted


def test_stack_and_row_round_trip() -> None:
    texts = ["first text", "second, longer text here", "x"]
    whole = NgramHasher().rows(texts)
    parts = [whole.row(i) for i in range(len(texts))]
    again = HashedRows.stack(parts)
    for a, b in zip(
        (again.indptr, again.indices, again.data),
        (whole.indptr, whole.indices, whole.data),
        strict=True,
    ):
        assert np.array_equal(a, b)
    assert HashedRows.stack(parts[:1]) is parts[0]
