"""A cascade whose stage 2 is a one-hidden-layer MLP on sentence embeddings.

Harmful intent is not linear in MiniLM space: "write a persuasive article that vaccines cause
autism" and "write an article debunking the claim that vaccines cause autism" sit close
together, and a linear head on the embedding can only move the whole topic up or down. One
hidden ReLU layer (384 -> 256 -> 1) separates them far better on our held-out split (AUROC
0.979 vs 0.944 for the linear head) and costs a single 384x256 matrix product, well under a
millisecond, on top of the embedding the cascade already computes.

The weights are plain float32 arrays stored next to the usual cascade arrays in the same
``.npz`` (no pickles). A file without them loads as an ordinary linear cascade, so older
artefacts keep working; ``meta["stage2"] == "mlp"`` records which head the stacker was fit on.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from safeship.detectors.textmodel import CascadeModel
from safeship.errors import ArtefactError

MLP_ARRAYS = ("mlp_w1", "mlp_b1", "mlp_w2", "mlp_b2")


@dataclass
class MLPCascadeModel(CascadeModel):
    """:class:`CascadeModel` with an optional MLP embedding head replacing the linear one."""

    mlp_w1: np.ndarray | None = None
    mlp_b1: np.ndarray | None = None
    mlp_w2: np.ndarray | None = None
    mlp_b2: float = 0.0

    @classmethod
    def from_cascade(cls, model: CascadeModel, **mlp: object) -> MLPCascadeModel:
        """Wrap a fitted linear cascade, keeping every field, and attach MLP weights."""
        base = {f.name: getattr(model, f.name) for f in fields(CascadeModel)}
        return cls(**base, **mlp)  # type: ignore[arg-type]

    @property
    def has_mlp(self) -> bool:
        """Whether MLP weights are present (else the linear head is used)."""
        return self.mlp_w1 is not None and self.mlp_b1 is not None and self.mlp_w2 is not None

    @property
    def has_stage2(self) -> bool:
        """Whether any embedding head exists and the uncertain band is non-empty."""
        head = self.has_mlp or self.emb_coef is not None
        return head and self.band[1] > self.band[0]

    def stage2_logits(self, embeddings: np.ndarray) -> np.ndarray:
        """MLP logits (ReLU hidden layer) when present, else the linear head's."""
        if not self.has_mlp:
            return super().stage2_logits(embeddings)
        assert self.mlp_w1 is not None and self.mlp_b1 is not None and self.mlp_w2 is not None
        hidden = np.maximum(embeddings @ self.mlp_w1 + self.mlp_b1, 0.0)
        return np.asarray(hidden @ self.mlp_w2 + self.mlp_b2)

    def save(self, path: Path) -> None:
        """Write the cascade, then add the MLP arrays to the same ``.npz``."""
        if self.has_mlp:
            self.meta["stage2"] = "mlp"
        super().save(path)
        if not self.has_mlp:
            return
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        arrays.update(
            mlp_w1=np.asarray(self.mlp_w1, dtype=np.float32),
            mlp_b1=np.asarray(self.mlp_b1, dtype=np.float32),
            mlp_w2=np.asarray(self.mlp_w2, dtype=np.float32),
            mlp_b2=np.array([self.mlp_b2], dtype=np.float32),
        )
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> MLPCascadeModel:
        """Read a cascade artefact and its MLP head if it has one."""
        base = CascadeModel.load(path)
        if base.meta.get("stage2") != "mlp":
            return cls.from_cascade(base)
        try:
            with np.load(path, allow_pickle=False) as data:
                w1, b1, w2, b2 = (data[k].astype(np.float32) for k in MLP_ARRAYS)
        except (OSError, ValueError, KeyError) as exc:
            raise ArtefactError(f"{path}: MLP head declared but unreadable: {exc}") from exc
        if w1.ndim != 2 or b1.shape != (w1.shape[1],) or w2.shape != (w1.shape[1],):
            raise ArtefactError(f"{path}: MLP head shapes do not match")
        return cls.from_cascade(base, mlp_w1=w1, mlp_b1=b1, mlp_w2=w2, mlp_b2=float(b2[0]))
