"""Training-time sentence embeddings of bounded response views, memoised on disk.

Embedding thousands of responses takes minutes on a shared 2-core box; the optional ``.npz`` memo
(keyed by the exact view text, so it can never serve a stale vector) makes re-runs cheap.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from safeship.detectors._stance import embed_view


class DiskEmbed:
    """Embeds bounded views through the shipped embedder, memoised in an optional ``.npz``."""

    def __init__(self, path: Path | None) -> None:
        from safeship.features.embedding import load_default_embedder

        self.embedder = load_default_embedder()
        self.path = path
        self.memo: dict[str, np.ndarray] = {}
        self.pending = 0
        if path is not None and path.is_file():
            with np.load(path) as data:
                self.memo = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def __call__(self, texts: list[str]) -> np.ndarray:
        views = [embed_view(t) for t in texts]
        missing = [v for v in dict.fromkeys(views) if v not in self.memo]
        if missing:
            for v, e in zip(missing, self.embedder.embed(missing), strict=True):
                self.memo[v] = e
            self.pending += len(missing)
            if self.pending >= 500:
                self.flush()
        return np.stack([self.memo[v] for v in views])

    def flush(self) -> None:
        """Write the memo file (if any) with everything embedded so far."""
        if self.path is not None and self.pending:
            keys = list(self.memo)
            np.savez(self.path, keys=np.array(keys), vectors=np.stack(list(self.memo.values())))
        self.pending = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        """``Embedder`` protocol for a ``FeatureCache`` (texts are already bounded views)."""
        return self(texts)
