"""The toxicity model: the shared stage-1 cascade plus a small non-linear embedding head.

A linear head on MiniLM embeddings cannot separate "X are vermin" from "saying X are vermin is
vile": both sit in the same region of embedding space and differ along directions that only
interact (a denunciation frame *and* a slur target). One hidden layer (384 -> H -> 1, ReLU) is
enough to learn such interactions, costs ~50k multiply-adds per text (negligible next to the
embedding itself) and runs on numpy alone, so the runtime never needs scikit-learn or torch.

The head lives in the same ``.npz`` as the :class:`CascadeModel` (extra ``mlp_*`` arrays and an
``mlp`` block in the JSON meta). The cascade inside is stored with no linear stage 2, so a reader
that only knows :class:`CascadeModel` still gets a valid stage-1 model from the same file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from safeship.detectors._stance import WHOLE_VIEW_CHARS
from safeship.detectors.textmodel import CascadeModel, sigmoid
from safeship.errors import ArtefactError
from safeship.features.cache import FeatureCache
from safeship.features.embedding import token_prefix
from safeship.features.hashing import CountRows

MLP_KEYS = ("mlp_w1", "mlp_b1", "mlp_w2")
EMBED_TOKENS = 64
"""How much of a *long* text stage 2 embeds: its first 64 tokens (about 250 characters of prose).

Texts up to ``WHOLE_VIEW_CHARS`` (725 characters) are embedded whole, as before, so the vector is
shared with the other detectors that embed the same text (``refusal`` and ``harmful_response``
on outputs, the input detectors on chat turns). Longer ones used to cost toxicity an embedding of
up to 256 tokens (~30 ms on one core) of its own; toxicity data is mostly short comments, and on
the validation split embedding 64 tokens left accuracy (0.9309), AUROC (0.9735 -> 0.9733) and
toxic recall on texts over 200 characters (0.9613) where they were. Stage 1 still reads the whole
window, and a text stage 1 is sure about never reaches stage 2."""


def stage2_view(text: str) -> str:
    """What stage 2 embeds of ``text``: all of it if short, else its start (``EMBED_TOKENS``)."""
    return text if len(text) <= WHOLE_VIEW_CHARS else token_prefix(text, EMBED_TOKENS)


@dataclass(frozen=True)
class MLPHead:
    """One-hidden-layer ReLU network giving one logit per embedding row."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Raw logits for rows of ``x`` (shape ``(n, d)``)."""
        hidden = np.maximum(x @ self.w1 + self.b1, 0.0)
        return np.asarray(hidden @ self.w2 + self.b2, dtype=np.float64)


@dataclass
class ToxicityModel:
    """Stage 1 from a :class:`CascadeModel`; in the band, a stacker over it and the MLP head.

    Attributes:
        cascade: Stage-1 scorer (calibrated) and the softmax category head.
        head: The embedding MLP, or ``None`` for a stage-1-only model.
        stack: ``(w1, w2, b)``: the stage-2 score is ``sigmoid(w1 * z1 + w2 * z_mlp + b)``.
        band: Stage-1 probabilities in ``[low, high]`` go to stage 2.
    """

    cascade: CascadeModel
    head: MLPHead | None = None
    stack: tuple[float, float, float] = (1.0, 1.0, 0.0)
    band: tuple[float, float] = (0.0, 0.0)

    def stage1_logits(self, counts: CountRows) -> np.ndarray:
        """Calibrated stage-1 logits for rows of raw hashed counts."""
        return self.cascade.stage1_logits(counts)

    def combine(self, z1: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
        """Stage-2 probabilities from stage-1 logits and embeddings of the same texts."""
        if self.head is None:
            return sigmoid(z1)
        w1, w2, b = self.stack
        return sigmoid(w1 * z1 + w2 * self.head.logits(embeddings) + b)

    def score_texts(self, texts: list[str], features: FeatureCache) -> tuple[np.ndarray, int]:
        """Scores in [0, 1] for ``texts``; also returns how many needed stage 2."""
        z1 = self.stage1_logits(features.hashed(texts))
        p = sigmoid(z1)
        if self.head is None or not features.has_embedder:
            return p, 0
        lo, hi = self.band
        uncertain = np.flatnonzero((p >= lo) & (p <= hi))
        if uncertain.size:
            emb = features.embeddings([stage2_view(texts[i]) for i in uncertain])
            p[uncertain] = self.combine(z1[uncertain], emb)
        return p, int(uncertain.size)

    def categories(self, text: str, features: FeatureCache) -> dict[str, float]:
        """Category probabilities from the cascade's softmax head, on the same embedded view."""
        return self.cascade.categories(stage2_view(text), features)

    def save(self, path: Path) -> None:
        """Write the cascade, then add the head's arrays and meta to the same ``.npz``."""
        self.cascade.save(path)
        if self.head is None:
            return
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(str(arrays["meta"]))
        meta["mlp"] = {"stack": list(self.stack), "band": list(self.band), "b2": self.head.b2}
        arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
        arrays["mlp_w1"] = self.head.w1.astype(np.float32)
        arrays["mlp_b1"] = self.head.b1.astype(np.float32)
        arrays["mlp_w2"] = self.head.w2.astype(np.float32)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> ToxicityModel:
        """Read a model written by :meth:`save`; raises ``ArtefactError`` naming the file."""
        cascade = CascadeModel.load(path)
        block = cascade.meta.get("mlp")
        if block is None:
            return cls(cascade)
        try:
            with np.load(path, allow_pickle=False) as data:
                w1, b1, w2 = (np.asarray(data[k], dtype=np.float32) for k in MLP_KEYS)
            stack = tuple(float(v) for v in block["stack"])
            band = (float(block["band"][0]), float(block["band"][1]))
            b2 = float(block["b2"])
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise ArtefactError(f"cannot read toxicity MLP head in {path}: {exc}") from exc
        if w1.ndim != 2 or b1.shape != (w1.shape[1],) or w2.shape != (w1.shape[1],):
            raise ArtefactError(f"{path}: toxicity MLP head has inconsistent shapes")
        if len(stack) != 3:
            raise ArtefactError(f"{path}: toxicity stacker needs three weights")
        return cls(cascade, MLPHead(w1, b1, w2, b2), (stack[0], stack[1], stack[2]), band)
