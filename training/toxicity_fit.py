"""Fit the toxicity model: shared stage 1, then an MLP embedding head and a balanced stacker.

Why not ``fit_cascade``'s linear stage 2: a linear head on mean-pooled MiniLM vectors scores
"X are vermin" and "calling X vermin is vile" alike; one hidden layer learns the interaction of
framing and target. Why balanced calibration: validation is dominated by Davidson tweets, whose
"offensive" class is mostly casual slang; fitting Platt scaling and the stacker with each source
weighted equally keeps the 0.5 decision point from being tuned to that one source.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from safeship.detectors.textmodel import sigmoid
from safeship.detectors.toxicity_model import MLPHead, ToxicityModel
from safeship.features.hashing import NgramHasher
from training.cascade_fit import STAGE2_BUDGET, fit_cascade, narrowest_agreeing_band
from training.toxicity_data import Example

EmbedFn = Callable[[list[str]], np.ndarray]
HIDDEN = 256


def source_weight(ex: Example) -> float:
    """Training weight of one example.

    Our templates and ToxiGen teach the hard contrasts; Davidson's "offensive" tweets (mostly
    casual slang) are down-weighted so that swearing alone does not read as toxic.
    """
    if ex.source == "davidson" and ex.category == "insult":
        return 0.3
    return {"own": 3.0, "own_answers": 2.0, "toxigen": 2.0, "surge": 1.5}.get(ex.source, 1.0)


def balanced_weights(rows: Sequence[Example]) -> np.ndarray:
    """Weights giving each (source, label) cell the same total weight."""
    cells = Counter((e.source, e.label) for e in rows)
    w = np.array([1.0 / cells[(e.source, e.label)] for e in rows])
    return w * len(rows) / w.sum()


def class_balanced(rows: Sequence[Example], base: np.ndarray) -> np.ndarray:
    """Scale ``base`` so positives and negatives carry equal total weight."""
    y = np.array([e.label for e in rows])
    out = base.copy()
    for label in (0, 1):
        mask = y == label
        out[mask] *= base.sum() / (2 * base[mask].sum())
    return out


def _weighted_acc(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    return float((((p >= 0.5) == y) * w).sum() / w.sum())


def fit_toxicity(
    train: list[Example], val: list[Example], embed: EmbedFn | None
) -> tuple[ToxicityModel, dict[str, float]]:
    """Fit every part of the toxicity model; returns it and validation figures."""
    y_tr = np.array([e.label for e in train])
    y_va = np.array([e.label for e in val])
    w_tr = class_balanced(train, np.array([source_weight(e) for e in train]))
    w_va = balanced_weights(val)
    cascade, _ = fit_cascade(
        "toxicity",
        [e.text for e in train],
        y_tr.tolist(),
        [e.text for e in val],
        y_va.tolist(),
        None,
        c_tfidf=2.0,
        sample_weight=w_tr.tolist(),
    )
    cascade.calib = (1.0, 0.0)
    z_raw = cascade.stage1_logits(NgramHasher().transform([e.text for e in val]))
    platt = LogisticRegression(C=1e4, max_iter=1000)
    platt.fit(z_raw.reshape(-1, 1), y_va, sample_weight=w_va)
    cascade.calib = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
    z1 = cascade.calib[0] * z_raw + cascade.calib[1]
    report = {"stage1_balanced_acc": _weighted_acc(sigmoid(z1), y_va, w_va)}
    model = ToxicityModel(cascade)
    if embed is None:
        return model, report

    e_tr, e_va = embed([e.text for e in train]), embed([e.text for e in val])
    mlp = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        alpha=1e-3,
        batch_size=256,
        max_iter=80,
        early_stopping=True,
        n_iter_no_change=6,
        random_state=0,
    )
    mlp.fit(e_tr, y_tr, sample_weight=w_tr)
    head = MLPHead(
        mlp.coefs_[0].astype(np.float32),
        mlp.intercepts_[0].astype(np.float32),
        mlp.coefs_[1][:, 0].astype(np.float32),
        float(mlp.intercepts_[1][0]),
    )
    z2 = head.logits(e_va)
    report["mlp_balanced_acc"] = _weighted_acc(sigmoid(z2), y_va, w_va)
    stacker = LogisticRegression(C=1e3, max_iter=1000)
    stacker.fit(np.c_[z1, z2], y_va, sample_weight=w_va)
    w1, w2 = (float(v) for v in stacker.coef_[0])
    model = ToxicityModel(cascade, head, (w1, w2, float(stacker.intercept_[0])))

    p1, p_full = sigmoid(z1), model.combine(z1, e_va)
    # The narrowest band whose decisions agree with the full cascade on >= 99.5% of the
    # validation rows (never wider than the latency budget): the embedding is the guard's main
    # cost, so it runs only where it matters.
    model.band = narrowest_agreeing_band(p1, p_full, STAGE2_BUDGET)
    mask = (p1 >= model.band[0]) & (p1 <= model.band[1])
    mixed = np.where(mask, p_full, p1)
    report.update(
        cascade_balanced_acc=_weighted_acc(mixed, y_va, w_va), band_fraction=float(mask.mean())
    )
    _fit_categories(model, train, embed)
    return model, report


def _fit_categories(model: ToxicityModel, train: list[Example], embed: EmbedFn) -> None:
    """Softmax category head over positives (same layout ``CascadeModel.categories`` reads)."""
    pos = [e for e in train if e.label == 1]
    classes = sorted({e.category for e in pos})
    cat = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
    cat.fit(embed([e.text for e in pos]), np.array([classes.index(e.category) for e in pos]))
    model.cascade.category_classes = tuple(classes)
    model.cascade.category_coef = cat.coef_.T.astype(np.float32)
    model.cascade.category_intercept = cat.intercept_.astype(np.float32)
