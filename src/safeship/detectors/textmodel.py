"""A two-stage text classifier (the cascade every ML detector uses) and its artefact format.

Stage 1: hashed word + char n-grams, per-model IDF, logistic regression: sub-millisecond.
Stage 2: a logistic-regression head on MiniLM sentence embeddings, which generalises better to
paraphrases but costs an embedding. Stage 2 runs only when stage 1 lands in the uncertain band
``[band_low, band_high]``; then a small stacker combines both logits. Outside the band stage 1
decides alone. An optional category head (softmax over embeddings) names the category.

Scores are calibrated on held-out data so that 0.5 is the model's own decision point.

Artefacts are ``.npz`` files holding plain arrays plus a JSON ``meta`` string: no pickles, so a
model loads under any scikit-learn version and cannot execute code.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar

import numpy as np

from safeship.errors import ArtefactError
from safeship.features.cache import FeatureCache
from safeship.features.hashing import N_FEATURES, CountRows

FORMAT_VERSION = 1
CHUNK_CHARS = 2500
CHUNK_OVERLAP = 250
MAX_CHUNKS = 64
"""Windows a costly reader with no cheap stage to rank by reads of a long text (:func:`spread`)."""
T = TypeVar("T")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)))


def chunk_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every overlapping window of ``text`` (one window when it is short).

    Every window, however long the text: the windows were once sampled evenly (64 at most), so
    in a long paste most of the text was never read and an instruction placed between two
    sampled windows went through. Readers bound their cost by what they do per window instead:
    stage 1 reads them all (about 0.3 s a megabyte), the costly stages only the most suspicious
    (:func:`best_window`'s ``max_stage2``).
    """
    if len(text) <= CHUNK_CHARS:
        return [(0, len(text))]
    step = CHUNK_CHARS - CHUNK_OVERLAP
    starts = range(0, max(1, len(text) - CHUNK_OVERLAP), step)
    return [(s, min(s + CHUNK_CHARS, len(text))) for s in starts]


def chunk_text(text: str) -> list[str]:
    """Overlapping windows covering ``text``, so an attack anywhere in it is seen."""
    return [text[a:b] for a, b in chunk_spans(text)]


def spread(items: Sequence[T], k: int) -> list[T]:
    """At most ``k`` of ``items``, evenly spaced, the first and the last kept.

    For a costly reader with no cheap stage to rank by (the USE heads): it bounds the cost of a
    huge text, and reads only part of it (the models' cards say so).
    """
    if len(items) <= k:
        return list(items)
    idx = np.linspace(0, len(items) - 1, k).round().astype(int)
    return [items[i] for i in sorted(set(idx.tolist()))]


def shifted_probability(p: float, delta: float) -> float:
    """``p`` with its logit lowered by ``delta`` (0 and 1 stay where they are).

    One place for "hold a score to a higher bar": a window read out of its text
    (:func:`with_held_windows`) and a model's moved operating point
    (:meth:`CascadeModel.with_logit_shift`).
    """
    if p <= 0.0 or p >= 1.0:
        return p
    return 1.0 / (1.0 + math.exp(delta - logit(p)))


@dataclass
class CascadeModel:
    """Binary cascade classifier with an optional embedding category head."""

    name: str
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    calib: tuple[float, float] = (1.0, 0.0)
    emb_coef: np.ndarray | None = None
    emb_intercept: float = 0.0
    stack: tuple[float, float, float] = (1.0, 1.0, 0.0)
    band: tuple[float, float] = (0.0, 0.0)
    category_classes: tuple[str, ...] = ()
    category_coef: np.ndarray | None = None
    category_intercept: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    # ---------------------------------------------------------------- scoring
    def stage1_logits(self, counts: CountRows) -> np.ndarray:
        """Calibrated stage-1 logits for rows of raw hashed counts."""
        z = np.empty(counts.shape[0], dtype=np.float64)
        for i in range(counts.shape[0]):
            lo, hi = counts.indptr[i], counts.indptr[i + 1]
            cols = counts.indices[lo:hi]
            weighted = counts.data[lo:hi] * self.idf[cols]
            norm = float(np.sqrt(weighted @ weighted)) or 1.0
            z[i] = float(weighted @ self.coef[cols]) / norm + self.intercept
        a, b = self.calib
        return np.asarray(a * z + b)

    def stage2_logits(self, embeddings: np.ndarray) -> np.ndarray:
        """Raw embedding-head logits."""
        if self.emb_coef is None:
            raise ArtefactError(f"model {self.name!r} has no embedding head")
        return np.asarray(embeddings @ self.emb_coef + self.emb_intercept)

    def with_logit_shift(self, delta: float) -> Self:
        """A copy with every score's logit lowered by ``delta``, in both stages alike.

        Why: moves a retrained model's operating point (``harmful_request`` v33/v34 matched v13's
        benign flag rate on the calibration split) without refitting. Stage 1's calibration
        intercept drops by ``delta``; the uncertain band's edges move with it, so every text
        takes the same stage as before; and the stacker's intercept drops by
        ``delta * (1 - w1)``, since it reads the shifted stage-1 logit with weight w1.
        """
        a, b = self.calib
        w1, w2, c = self.stack
        lo, hi = self.band
        return replace(
            self,
            calib=(a, b - delta),
            stack=(w1, w2, c - delta * (1.0 - w1)),
            band=(shifted_probability(lo, delta), shifted_probability(hi, delta)),
            meta=dict(self.meta),
        )

    @property
    def has_stage2(self) -> bool:
        """Whether the model has an embedding head and an uncertain band."""
        return self.emb_coef is not None and self.band[1] > self.band[0]

    def score_texts(self, texts: list[str], features: FeatureCache) -> tuple[np.ndarray, int]:
        """Scores in [0, 1] for ``texts``; also returns how many needed stage 2."""
        z1 = self.stage1_logits(features.hashed(texts))
        p = sigmoid(z1)
        if not (self.has_stage2 and features.has_embedder):
            return p, 0
        lo, hi = self.band
        uncertain = np.flatnonzero((p >= lo) & (p <= hi))
        if uncertain.size:
            emb = features.embeddings([texts[i] for i in uncertain])
            z2 = self.stage2_logits(emb)
            w1, w2, b = self.stack
            p[uncertain] = sigmoid(w1 * z1[uncertain] + w2 * z2 + b)
        return p, int(uncertain.size)

    def score(self, text: str, features: FeatureCache) -> float:
        """Score one text of any length: the maximum over its windows."""
        scores, _ = self.score_texts(chunk_text(text), features)
        return float(scores.max()) if scores.size else 0.0

    def categories(self, text: str, features: FeatureCache) -> dict[str, float]:
        """Category probabilities from the embedding head (empty when there is none)."""
        if self.category_coef is None or self.category_intercept is None:
            return {}
        if not features.has_embedder:
            return {}
        emb = features.embeddings([text[:CHUNK_CHARS]])
        logits = emb @ self.category_coef + self.category_intercept
        logits = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        return {c: float(probs[0, i]) for i, c in enumerate(self.category_classes)}

    # ---------------------------------------------------------------- storage
    def save(self, path: Path) -> None:
        """Write the model as a compressed ``.npz`` with a JSON meta block."""
        meta = dict(self.meta)
        meta.update(
            format_version=FORMAT_VERSION,
            name=self.name,
            intercept=self.intercept,
            calib=list(self.calib),
            emb_intercept=self.emb_intercept,
            stack=list(self.stack),
            band=list(self.band),
            category_classes=list(self.category_classes),
        )
        arrays: dict[str, np.ndarray] = {
            "idf": self.idf.astype(np.float16),
            "coef": self.coef.astype(np.float16),
            "meta": np.array(json.dumps(meta, sort_keys=True)),
        }
        if self.emb_coef is not None:
            arrays["emb_coef"] = self.emb_coef.astype(np.float32)
        if self.category_coef is not None and self.category_intercept is not None:
            arrays["category_coef"] = self.category_coef.astype(np.float32)
            arrays["category_intercept"] = self.category_intercept.astype(np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> CascadeModel:
        """Read a model written by :meth:`save`; raises ``ArtefactError`` naming the file."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                arrays = {k: data[k] for k in data.files if k != "meta"}
        except (OSError, ValueError, KeyError) as exc:
            raise ArtefactError(f"cannot read model artefact {path}: {exc}") from exc
        if meta.get("format_version") != FORMAT_VERSION:
            raise ArtefactError(f"{path}: unsupported format version {meta.get('format_version')}")
        idf = arrays["idf"].astype(np.float32)
        coef = arrays["coef"].astype(np.float32)
        if idf.shape != (N_FEATURES,) or coef.shape != (N_FEATURES,):
            raise ArtefactError(f"{path}: feature size does not match this safeship version")
        cat_coef = arrays.get("category_coef")
        cat_int = arrays.get("category_intercept")
        return cls(
            name=str(meta["name"]),
            idf=idf,
            coef=coef,
            intercept=float(meta["intercept"]),
            calib=(float(meta["calib"][0]), float(meta["calib"][1])),
            emb_coef=arrays.get("emb_coef"),
            emb_intercept=float(meta.get("emb_intercept", 0.0)),
            stack=tuple(float(v) for v in meta.get("stack", (1.0, 1.0, 0.0))),  # type: ignore[arg-type]
            band=(float(meta["band"][0]), float(meta["band"][1])),
            category_classes=tuple(meta.get("category_classes", ())),
            category_coef=cat_coef,
            category_intercept=cat_int,
            meta=meta,
        )


class WindowScorer(Protocol):
    """What ``best_window`` needs from a model (the cascade and its MLP variants)."""

    def stage1_logits(self, counts: CountRows) -> np.ndarray:
        """Calibrated stage-1 logits."""
        ...

    def score_texts(self, texts: list[str], features: FeatureCache) -> tuple[np.ndarray, int]:
        """Scores and the number of texts that needed stage 2."""
        ...


def best_window(
    model: WindowScorer,
    views: Sequence[str],
    split: Callable[[str], list[str]],
    features: FeatureCache,
    max_stage2: int | None = None,
    weigh: Callable[[list[str]], np.ndarray] | None = None,
) -> tuple[float, str, int]:
    """Max score over every window of every view; the window that reached it; stage-2 count.

    Detectors scan all normalised views and several windows of each (chunks, sentences), and keep
    the maximum. ``max_stage2`` bounds the cost of huge inputs: only the windows stage 1 finds
    most suspicious go through the cascade, so a 1 MB text costs a few embeddings, not hundreds.
    ``weigh`` gives each window a factor in [0, 1] its score is multiplied by (and that ranks
    the windows for stage 2), such as how likely the window is a request at all.
    """
    best, best_text, n_stage2 = 0.0, "", 0
    for view in views:
        windows = split(view)
        if not windows:
            continue  # a split may find nothing to score in a view (one sentence, say)
        weights = weigh(windows) if weigh is not None else None
        if max_stage2 is not None and len(windows) > max_stage2:
            z1 = model.stage1_logits(features.hashed(windows))
            if weights is not None:
                z1 = z1 + np.log(np.clip(weights, 1e-6, 1.0))
            top = sorted(np.argsort(-z1)[:max_stage2].tolist())
            windows = [windows[i] for i in top]
            weights = weights[top] if weights is not None else None
        scores, used = model.score_texts(windows, features)
        if weights is not None:
            scores = scores * weights
        n_stage2 += used
        if scores.size and float(scores.max()) >= best:
            best = float(scores.max())
            best_text = windows[int(scores.argmax())]
    return best, best_text, n_stage2


def with_held_windows(
    found: tuple[float, str, int],
    model: WindowScorer,
    views: Sequence[str],
    split: Callable[[str], list[str]],
    features: FeatureCache,
    margin: float,
    max_stage2: int | None = None,
) -> tuple[float, str, int]:
    """``found`` (a ``best_window`` result), or the best of ``split``'s windows if it wins.

    The windows are held to a logit ``margin`` over the decision point: a sentence read out of
    its text has lost the context that tells a quote, a homonym or a story from the real thing,
    so it must be surer than the whole text to decide. Stage-2 counts add up.
    """
    best, window, used = best_window(model, views, split, features, max_stage2)
    held = shifted_probability(best, margin) if window else 0.0
    if held > found[0]:
        return held, window, found[2] + used
    return found[0], found[1], found[2] + used


def logit(p: float) -> float:
    """Inverse of the logistic function, clipped away from 0 and 1."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
