"""A cancellable view of a check's features: shared memo, its own stop flag."""

from __future__ import annotations

import numpy as np
import pytest

from safeship.features.cache import EMBED_SLICE, CheckAbandoned, FeatureCache
from safeship.features.hashing import NgramHasher


class RowEmbedder:
    """Embeds each text as [len(text), 0, ...], recording every batch it is given."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.batches.append(len(texts))
        out = np.zeros((len(texts), 4), dtype=np.float32)
        out[:, 0] = [len(t) for t in texts]
        return out


def test_view_shares_features_with_the_check_both_ways() -> None:
    embedder = RowEmbedder()
    cache = FeatureCache(NgramHasher(), embedder)  # type: ignore[arg-type]
    cache.embeddings(["alpha"])
    view = cache.cancellable()
    view.embeddings(["alpha", "beta"])  # alpha is not embedded again
    assert embedder.batches == [1, 1]
    assert cache.embeddings(["beta"])[0, 0] == 4.0 and embedder.batches == [1, 1]


def test_view_embeds_in_slices_with_the_same_vectors() -> None:
    texts = [f"text number {i}" for i in range(3 * EMBED_SLICE + 1)]
    whole = FeatureCache(NgramHasher(), RowEmbedder()).embeddings(texts)  # type: ignore[arg-type]
    embedder = RowEmbedder()
    sliced = FeatureCache(NgramHasher(), embedder).cancellable().embeddings(texts)  # type: ignore[arg-type]
    assert np.array_equal(whole, sliced)
    assert embedder.batches == [EMBED_SLICE] * 3 + [1]


def test_abandoned_view_stops_at_its_next_embedding_and_the_check_goes_on() -> None:
    cache = FeatureCache(NgramHasher(), RowEmbedder())  # type: ignore[arg-type]
    view = cache.cancellable()
    view.abandon()
    with pytest.raises(CheckAbandoned):
        view.embeddings(["gamma"])
    with pytest.raises(CheckAbandoned):
        view.use_embeddings(["gamma"])
    with pytest.raises(CheckAbandoned):
        view.hashed(["gamma"])  # stage 1 of a long scan is a checkpoint too
    assert cache.embeddings(["gamma"])[0, 0] == 5.0  # other detectors of the check are unaffected
