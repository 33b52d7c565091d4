"""Shared pieces of the detector quality benchmark: data location, rows, floors, metrics."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


def data_dir() -> Path:
    """``$SAFESHIP_DATA`` or ``../shared/datasets`` next to the project root."""
    env = os.environ.get("SAFESHIP_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@dataclass
class Floor:
    """A quality floor: ``metric op value`` (op is '>=' or '<=')."""

    metric: str
    op: str
    value: float

    def holds(self, metrics: dict[str, float]) -> bool | None:
        if self.metric not in metrics:
            return None
        got = metrics[self.metric]
        return got >= self.value if self.op == ">=" else got <= self.value


@dataclass
class Row:
    """One detector on one data set."""

    detector: str
    dataset: str
    n: int
    metrics: dict[str, float]
    floors: list[Floor] = field(default_factory=list)
    note: str = ""

    def passed(self) -> bool:
        return all(f.holds(self.metrics) is not False for f in self.floors)


def binary_metrics(
    y_true: Sequence[int], scores: Sequence[float], thr: float = 0.5
) -> dict[str, float]:
    """Precision, recall, F1, FPR, accuracy at ``thr``, plus AUROC when both classes occur."""
    y = np.asarray(y_true, dtype=int)
    s = np.asarray(scores, dtype=float)
    pred = s >= thr
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    fn = int((~pred & (y == 1)).sum())
    tn = int((~pred & (y == 0)).sum())
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    out = {
        "precision": prec,
        "recall": rec,
        "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
        "fpr": fp / (fp + tn) if fp + tn else 0.0,
        "accuracy": (tp + tn) / max(1, len(y)),
    }
    if 0 < y.sum() < len(y):
        from sklearn.metrics import roc_auc_score

        out["auroc"] = float(roc_auc_score(y, s))
    return out


def score_with_detector(detector: Any, texts: list[str]) -> tuple[list[float], float]:
    """Scores through the real detector, one fresh feature cache per text (as the guard does).

    Returns the scores and the mean milliseconds per text.
    """
    results, ms = results_with_detector(detector, texts)
    return [r.score for r in results], ms


def results_with_detector(detector: Any, texts: list[str]) -> tuple[list[Any], float]:
    """Full ``DetectorResult`` per text (score, categories, details), scored as above.

    For benches that also read per-category scores or how often stage 2 ran.
    """
    import asyncio
    import time

    from safeship.detectors.base import DetectorInput
    from safeship.features.cache import FeatureCache
    from safeship.features.embedding import load_default_embedder
    from safeship.features.hashing import NgramHasher
    from safeship.text.normalise import normalise

    detector.setup()
    embedder, hasher = load_default_embedder(), NgramHasher()
    out = []
    start = time.perf_counter()
    for text in texts:
        cache = FeatureCache(hasher, embedder)
        item = DetectorInput(text=text, normalised=normalise(text), features=cache)
        out.append(asyncio.run(detector.detect(item)))
    return out, 1000 * (time.perf_counter() - start) / max(1, len(texts))
