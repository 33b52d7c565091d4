"""Fit the two-feature stacker and band that mix a detector's score with its fine-tuned encoder.

Shared by ``fit_refusal_stacker`` and ``fit_toxicity_stacker``. Features: the logit of the
detector's own probability (everything before the encoder) and the encoder's logit. Neither may be
judged on rows it was trained on, so each detector fits on rows no model of its saw. The band
(where the detector's probability must fall for the encoder to run) is the narrowest of ``BANDS``
whose 5-fold cross-validated score is within ``MIN_GAIN`` of the best among the bands that send
at most a given share of a cost set's ordinary texts to the encoder: on hard rows the widest band
always "wins" (the cascade is confidently wrong on many of them), and each widening costs an
encoder pass on more traffic. Classes weigh equally: the fitting rows' label mix is their
writers' choice, not the traffic's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from safeship.detectors._encoder_opinion import HEAD_FILE
from safeship.detectors.textmodel import logit
from safeship.features.cache import FeatureCache
from safeship.features.embedding import OnnxEmbedder
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from safeship.text.normalise import normalise

BANDS = ((0.2, 0.8), (0.1, 0.9), (0.05, 0.95), (0.02, 0.98), (0.0, 1.0))
MIN_GAIN = 0.005
FOLDS = 5
Metric = Callable[[np.ndarray, np.ndarray], float]
WindowScorer = Callable[[tuple[str, ...], FeatureCache], tuple[float, str, int]]


def window_scores(
    cascade_window: WindowScorer, texts: Sequence[str]
) -> tuple[np.ndarray, list[str]]:
    """An input detector's score without its encoder, and the window that decided it, per text.

    ``cascade_window`` is the detector's method of that name (what its encoder second-guesses).
    """
    embedder = LazyEmbedder()
    p, windows = [], []
    for text in texts:
        views = tuple(v for v in normalise(text).views if v.strip()) or (text,)
        score, window, _ = cascade_window(views, FeatureCache(NgramHasher(), embedder))
        p.append(score)
        windows.append(window)
    return np.asarray(p), windows


def encoder_present(encoder_dir: Path) -> bool:
    """Whether an encoder is there to fit a stacker for (``train_all`` runs on builds without)."""
    if (encoder_dir / HEAD_FILE).is_file():
        return True
    print(f"no fine-tuned encoder in {encoder_dir}: nothing to fit")
    return False


def accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean(pred == y))


def balanced_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    return float((np.mean(pred[y == 1] == 1) + np.mean(pred[y == 0] == 0)) / 2)


def encoder_logits(encoder_dir: Path, views: Sequence[str]) -> np.ndarray:
    """What ``EncoderOpinion.logit`` computes, for texts already in the encoder's view."""
    head = json.loads((encoder_dir / HEAD_FILE).read_text(encoding="utf-8"))
    encoder = OnnxEmbedder(encoder_dir, max_tokens=int(head["max_tokens"]))
    coef = np.asarray(head["coef"], dtype=np.float32)
    return np.asarray([float(encoder.embed([v])[0] @ coef + head["intercept"]) for v in views])


def _stacker() -> LogisticRegression:
    return LogisticRegression(C=1.0, max_iter=1000, class_weight="balanced")


def _x(p: np.ndarray, z: np.ndarray) -> np.ndarray:
    return np.c_[[logit(float(v)) for v in p], z]


def cv_score(
    p: np.ndarray, z: np.ndarray, y: np.ndarray, band: tuple[float, float], metric: Metric
) -> float:
    """Out-of-fold ``metric`` with the encoder consulted only inside ``band``."""
    inside = (p >= band[0]) & (p <= band[1])
    pred = (p >= 0.5).astype(int)
    x = _x(p, z)
    for tr, te in StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(x, y):
        tr_in, te_in = tr[inside[tr]], te[inside[te]]
        if te_in.size == 0 or len(set(y[tr_in].tolist())) < 2:
            continue
        pred[te_in] = _stacker().fit(x[tr_in], y[tr_in]).predict(x[te_in])
    return metric(y, pred)


def fit_and_write(
    encoder_dir: Path,
    fitted: tuple[np.ndarray, np.ndarray, np.ndarray],
    cost_p: np.ndarray,
    max_cost_share: float,
    metric: Metric,
    fitted_on: Sequence[str],
) -> dict[str, object]:
    """Choose the band, fit the stacker inside it, write ``stack`` into ``head.json``."""
    p, z, y = fitted
    costs = {band: float(np.mean((cost_p >= band[0]) & (cost_p <= band[1]))) for band in BANDS}
    scores = [(cv_score(p, z, y, band, metric), band) for band in BANDS]
    for score, band in scores:
        share = float(np.mean((p >= band[0]) & (p <= band[1])))
        print(
            f"band {band}: CV {metric.__name__} {score:.4f} (encoder on {share:.1%} of these "
            f"rows, {costs[band]:.1%} of the cost set)"
        )
    allowed = [(a, b) for a, b in scores if costs[b] <= max_cost_share]
    best = max(a for a, _ in allowed)
    band = next(b for a, b in allowed if a >= best - MIN_GAIN)
    inside = (p >= band[0]) & (p <= band[1])
    lr = _stacker().fit(_x(p, z)[inside], y[inside])
    head_path = encoder_dir / HEAD_FILE
    head = json.loads(head_path.read_text(encoding="utf-8"))
    head["stack"] = {
        "coef": [float(v) for v in lr.coef_[0]],
        "intercept": float(lr.intercept_[0]),
        "band": list(band),
        "fitted_on": list(fitted_on),
    }
    head_path.write_text(json.dumps(head), encoding="utf-8")
    report: dict[str, object] = {
        "rows": int(y.size),
        f"detector_{metric.__name__}": metric(y, (p >= 0.5).astype(int)),
        f"encoder_alone_{metric.__name__}": metric(y, (z > 0).astype(int)),
        "band": list(band),
        "cv": {f"{b[0]}-{b[1]}": a for a, b in scores},
        "cost_share": {f"{b[0]}-{b[1]}": c for b, c in costs.items()},
        "stack": head["stack"],
    }
    print(json.dumps(report, indent=2))
    return report


def encoder_dir_arg(default: Path, argv: list[str] | None) -> Path | None:
    """The ``fit_<detector>_stacker`` command line; ``None`` when there is no encoder to fit."""
    import argparse

    ap = argparse.ArgumentParser(description="Fit a detector's encoder stacker.")
    ap.add_argument("--encoder-dir", type=Path, default=default)
    ap.add_argument("--data-dir", type=Path, help="unused (own data only); accepted for train_all")
    encoder_dir: Path = ap.parse_args(argv).encoder_dir
    return encoder_dir if encoder_present(encoder_dir) else None


def fit_input_stacker(
    cascade_window: WindowScorer,
    encoder_dir: Path,
    rows: Sequence[tuple[str, int]],
    cost_texts: Sequence[str],
    max_cost_share: float,
    fitted_on: Sequence[str],
) -> dict[str, object]:
    """Fit an input detector's stacker on ``rows``, scored by balanced accuracy."""
    p, windows = window_scores(cascade_window, [text for text, _ in rows])
    z = encoder_logits(encoder_dir, windows)
    y = np.asarray([label for _, label in rows])
    cost_p, _ = window_scores(cascade_window, cost_texts)
    return fit_and_write(
        encoder_dir, (p, z, y), cost_p, max_cost_share, balanced_accuracy, fitted_on
    )
