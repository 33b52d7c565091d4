"""Sentence embeddings from the MiniLM ONNX model shipped in ``safeship/models``.

Placeholder interface; the real implementation (onnxruntime + tokenizers, int8) replaces it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

EMBEDDING_DIM = 384


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors of shape ``(n, EMBEDDING_DIM)``."""

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed a batch of texts."""
        ...
