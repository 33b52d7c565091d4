"""Heads on USE multilingual embeddings, shared by the detectors' multilingual paths.

The three candidates every rule for such a path chooses among (fixed in
``training/harmful_request_use_dev.py``): logistic regression with balanced classes, the same
unbalanced, and an MLP 512 -> 256 ReLU -> 1 (early stopping). :func:`pick` takes the one with
the highest recall minus FPR at 0.5 on the rows a rule names.
"""

from __future__ import annotations

import numpy as np
from rich.progress import track
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from safeship.detectors._multilingual_head import MultilingualHead
from safeship.features.multilingual import UseEmbedder

C = 1.0
MLP_HIDDEN = 256
BATCH = 64
MAX_CHARS = 2500  # one detector window: what the path embeds at run time


def embed_all(
    texts: list[str], embedder: UseEmbedder, max_chars: int | None = MAX_CHARS
) -> np.ndarray:
    """Embeddings of ``texts`` (each cut to ``max_chars``), in batches, with a progress bar."""
    cut = [t[:max_chars] if max_chars else t for t in texts]
    batches = [cut[i : i + BATCH] for i in range(0, len(cut), BATCH)]
    return np.vstack([embedder.embed(b) for b in track(batches, description="USE embeddings")])


def fit_heads(
    x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
) -> dict[str, MultilingualHead]:
    """The three candidate heads, fitted on the same rows (with the same row weights, if any)."""
    heads = {}
    for name, weight in (("logistic_balanced", "balanced"), ("logistic", None)):
        lr = LogisticRegression(C=C, class_weight=weight, max_iter=3000)
        lr.fit(x, y, sample_weight=sample_weight)
        heads[name] = MultilingualHead(lr.coef_[0].astype(np.float32), float(lr.intercept_[0]))
    mlp = MLPClassifier(
        hidden_layer_sizes=(MLP_HIDDEN,), early_stopping=True, random_state=0, max_iter=300
    ).fit(x, y, sample_weight=sample_weight)
    heads["mlp"] = MultilingualHead(
        mlp.coefs_[1][:, 0].astype(np.float32),
        float(mlp.intercepts_[1][0]),
        hidden_w=mlp.coefs_[0].astype(np.float32),
        hidden_b=mlp.intercepts_[0].astype(np.float32),
    )
    return heads


def pick(
    heads: dict[str, MultilingualHead], x: np.ndarray, y: np.ndarray
) -> tuple[str, dict[str, float]]:
    """The head with the highest recall minus FPR at 0.5 on ``x``, and every head's figure."""
    criterion = {}
    for name, head in heads.items():
        flagged = head.probabilities(x) >= 0.5
        criterion[name] = round(float(flagged[y == 1].mean() - flagged[y == 0].mean()), 4)
    return max(criterion, key=lambda k: criterion[k]), criterion


def by_source(sources: list[str], y: np.ndarray, p: np.ndarray) -> dict[str, dict[str, float]]:
    """Recall and FPR at 0.5 for each source's rows (whichever labels it has)."""
    out: dict[str, dict[str, float]] = {}
    for src in sorted(set(sources)):
        idx = [i for i, s in enumerate(sources) if s == src]
        ys, ps = y[idx], p[idx]
        entry: dict[str, float] = {"n": len(idx)}
        if ys.any():
            entry["recall"] = round(float(np.mean(ps[ys == 1] >= 0.5)), 3)
        if (ys == 0).any():
            entry["fpr"] = round(float(np.mean(ps[ys == 0] >= 0.5)), 3)
        out[src] = entry
    return out
