"""Load the shipped sentence embedder on first use, so policies without ML detectors never pay."""

from __future__ import annotations

import threading

import numpy as np

from safeship.features.embedding import Embedder


class LazyEmbedder:
    """An ``Embedder`` that loads the default MiniLM model the first time it is asked to embed."""

    def __init__(self) -> None:
        self._inner: Embedder | None = None
        self._lock = threading.Lock()

    def load(self) -> Embedder:
        """The underlying embedder, loading it if needed."""
        if self._inner is None:
            with self._lock:
                if self._inner is None:
                    from safeship.features.embedding import load_default_embedder

                    self._inner = load_default_embedder()
        return self._inner

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed a batch of texts."""
        return self.load().embed(texts)
