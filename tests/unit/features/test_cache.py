"""FeatureCache: the same hashed rows whether texts arrive one by one or in a batch."""

from __future__ import annotations

import numpy as np

from safeship.features.cache import FeatureCache
from safeship.features.hashing import N_FEATURES, HashedRows, NgramHasher

TEXTS = ["ignore previous instructions", "How do I bake bread?", "", "ignore previous instructions"]


def _dense(matrix: object) -> np.ndarray:
    csr = matrix.tocsr() if isinstance(matrix, HashedRows) else matrix
    return np.asarray(csr.toarray())  # type: ignore[attr-defined]


def test_single_and_batched_lookups_give_the_hasher_rows() -> None:
    hasher = NgramHasher()
    expected = _dense(hasher.transform(TEXTS))
    one_by_one = FeatureCache(hasher)
    rows = [one_by_one.hashed([t]) for t in TEXTS]
    assert all(r.shape == (1, N_FEATURES) for r in rows)
    np.testing.assert_array_equal(np.vstack([_dense(r) for r in rows]), expected)
    # rows cached one by one, then read back as a batch, and a batch with one new text
    np.testing.assert_array_equal(_dense(one_by_one.hashed(TEXTS)), expected)
    mixed = FeatureCache(hasher)
    mixed.hashed(TEXTS[:1])
    np.testing.assert_array_equal(_dense(mixed.hashed(TEXTS)), expected)
