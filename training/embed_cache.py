"""Training-time sentence embeddings, memoised on disk.

Embedding thousands of responses takes minutes on a shared 2-core box; the optional ``.npz`` memo
(keyed by the exact view text, so it can never serve a stale vector) makes re-runs cheap.
"""

from __future__ import annotations

import hashlib
import sys
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


class FingerprintedMemo:
    """Embeds raw texts through the shipped embedder, memoised on disk per MiniLM export.

    Harmful-request and toxicity training embed ~15-30k texts each; on a shared 2-core box that
    is the bulk of a run, so vectors are kept in an optional ``.npz`` keyed by the SHA-1 of the
    text. The memo records a fingerprint of the ONNX file and is ignored when the export changed:
    a head trained on another export's vectors silently loses accuracy (toxicity v1 did).
    """

    def __init__(self, path: Path | None) -> None:
        from safeship.features.embedding import DEFAULT_MODEL_DIR, MODEL_FILE, load_default_embedder

        self.embedder = load_default_embedder()
        onnx = (DEFAULT_MODEL_DIR / MODEL_FILE).read_bytes()
        self.fingerprint = hashlib.sha1(onnx).hexdigest()[:16]
        self.path = path
        self.memo: dict[str, np.ndarray] = {}
        if path is not None and path.is_file():
            with np.load(path, allow_pickle=False) as data:
                if "fingerprint" in data.files and str(data["fingerprint"]) == self.fingerprint:
                    self.memo = dict(zip(data["keys"].tolist(), data["vecs"], strict=True))
                else:
                    print(f"{path}: memo from another MiniLM export; ignoring it", file=sys.stderr)

    def __call__(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        by_key = dict(zip(keys, texts, strict=True))
        missing = [k for k in dict.fromkeys(keys) if k not in self.memo]
        for start in range(0, len(missing), 2000):  # flush every 2,000 so a killed run resumes
            part = missing[start : start + 2000]
            self.memo.update(zip(part, self.embedder.embed([by_key[k] for k in part]), strict=True))
            self._flush()
        return np.stack([self.memo[k] for k in keys])

    def embed(self, texts: list[str]) -> np.ndarray:
        """``Embedder`` protocol, so a ``FeatureCache`` can use the memo."""
        return self(texts)

    def _flush(self) -> None:
        if self.path is not None and self.memo:
            np.savez(
                self.path,
                keys=np.array(list(self.memo)),
                vecs=np.stack(list(self.memo.values())),
                fingerprint=np.array(self.fingerprint),
            )
