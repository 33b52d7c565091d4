"""Fit a :class:`safeship.detectors.textmodel.CascadeModel` from labelled texts.

Shared by every detector's training script. Only TRAIN-ALLOWED data may reach this module
(see ``../shared/datasets/README.md``); held-out figures come from the validation split passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from safeship.detectors.textmodel import CascadeModel, logit, sigmoid
from safeship.features.hashing import NgramHasher

EmbedFn = Callable[[list[str]], np.ndarray]


@dataclass
class FitReport:
    """Held-out figures of a fitted cascade (on the validation split)."""

    n_train: int
    n_val: int
    stage1_acc: float
    cascade_acc: float
    band_fraction: float

    def as_dict(self) -> dict[str, float | int]:
        """Plain dict for data cards."""
        return self.__dict__.copy()


CANDIDATE_BANDS = ((0.02, 0.98), (0.05, 0.95), (0.1, 0.9), (0.15, 0.85), (0.2, 0.8), (0.25, 0.75))
MIN_AGREEMENT = 0.995
STAGE2_BUDGET = tuple(b for b in CANDIDATE_BANDS if b[0] >= 0.15)
"""Bands no wider than 0.15-0.85, the widest the guard's latency figures were measured with.

The band is the price of the embedding on every chat turn, so retraining may narrow it but
never widen it past what the latency budget was set on."""


def narrowest_agreeing_band(
    p1: np.ndarray,
    p_full: np.ndarray,
    candidates: Sequence[tuple[float, float]] = CANDIDATE_BANDS,
    min_agreement: float = MIN_AGREEMENT,
) -> tuple[float, float]:
    """The narrowest band whose cascade decisions agree with always-running stage 2.

    ``p1`` are stage-1 probabilities and ``p_full`` the stage-2 (stacked) probabilities for the
    same held-out rows. Outside the band stage 1 decides alone; the band is the price of the
    embedding, so take the narrowest one whose decisions at 0.5 still match the full cascade on
    at least ``min_agreement`` of the rows. Candidates are listed widest first.
    """
    chosen = candidates[0]
    for lo, hi in candidates:
        mask = (p1 >= lo) & (p1 <= hi)
        mixed = np.where(mask, p_full, p1)
        if float(((mixed >= 0.5) == (p_full >= 0.5)).mean()) >= min_agreement:
            chosen = (lo, hi)
    return chosen


def _idf(counts: sparse.csr_matrix) -> np.ndarray:
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
    return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)


def _tfidf(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    x = counts.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ x


def fit_cascade(
    name: str,
    train_texts: Sequence[str],
    train_y: Sequence[int],
    val_texts: Sequence[str],
    val_y: Sequence[int],
    embed: EmbedFn | None = None,
    *,
    c_tfidf: float = 4.0,
    c_embed: float = 2.0,
    band: tuple[float, float] = (0.1, 0.9),
    decision_point: float | None = None,
    sample_weight: Sequence[float] | None = None,
    categories: tuple[Sequence[str], Sequence[str]] | None = None,
) -> tuple[CascadeModel, FitReport]:
    """Train stage 1, calibrate it, train stage 2 and the stacker, and pick the band.

    ``decision_point``: if given, the calibrated probability at which the model should flag is
    shifted to 0.5 (used to trade recall for a lower false-positive rate on validation data).
    ``categories``: ``(texts, labels)`` for an embedding softmax head naming the category.
    """
    hasher = NgramHasher()
    y_tr = np.asarray(train_y, dtype=int)
    y_va = np.asarray(val_y, dtype=int)
    counts = hasher.transform(list(train_texts))
    idf = _idf(counts)
    lr = LogisticRegression(C=c_tfidf, max_iter=2000, class_weight="balanced", solver="liblinear")
    lr.fit(_tfidf(counts, idf), y_tr, sample_weight=sample_weight)
    coef = lr.coef_.ravel().astype(np.float32)
    intercept = float(lr.intercept_[0])

    model = CascadeModel(name=name, idf=idf, coef=coef, intercept=intercept)
    z1_raw = model.stage1_logits(hasher.transform(list(val_texts)))
    platt = LogisticRegression(C=1e4, max_iter=1000).fit(z1_raw.reshape(-1, 1), y_va)
    a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    if decision_point is not None:
        b -= logit(decision_point)
    model.calib = (a, b)
    z1 = a * z1_raw + b
    p1 = sigmoid(z1)
    stage1_acc = float(((p1 >= 0.5) == y_va).mean())
    cascade_p = p1.copy()
    band_fraction = 0.0

    if embed is not None:
        e_tr = embed(list(train_texts))
        head = LogisticRegression(C=c_embed, max_iter=3000, class_weight="balanced")
        head.fit(e_tr, y_tr, sample_weight=sample_weight)
        model.emb_coef = head.coef_.ravel().astype(np.float32)
        model.emb_intercept = float(head.intercept_[0])
        z2 = model.stage2_logits(embed(list(val_texts)))
        stacker = LogisticRegression(C=1e3, max_iter=1000).fit(np.c_[z1, z2], y_va)
        w1, w2 = (float(v) for v in stacker.coef_[0])
        sb = float(stacker.intercept_[0])
        if decision_point is not None:
            sb -= logit(decision_point)
        model.stack = (w1, w2, sb)
        model.band = band
        mask = (p1 >= band[0]) & (p1 <= band[1])
        cascade_p[mask] = sigmoid(w1 * z1[mask] + w2 * z2[mask] + sb)
        band_fraction = float(mask.mean())
        if categories is not None:
            cat_texts, cat_labels = categories
            classes = sorted(set(cat_labels))
            cat = LogisticRegression(C=c_embed, max_iter=3000, class_weight="balanced")
            cat.fit(embed(list(cat_texts)), np.array([classes.index(c) for c in cat_labels]))
            model.category_classes = tuple(classes)
            if len(classes) == 2:  # sklearn stores one row for binary problems
                model.category_coef = np.c_[-cat.coef_[0], cat.coef_[0]].astype(np.float32) / 2
                model.category_intercept = np.array(
                    [-cat.intercept_[0] / 2, cat.intercept_[0] / 2], dtype=np.float32
                )
            else:
                model.category_coef = cat.coef_.T.astype(np.float32)
                model.category_intercept = cat.intercept_.astype(np.float32)

    report = FitReport(
        n_train=len(y_tr),
        n_val=len(y_va),
        stage1_acc=stage1_acc,
        cascade_acc=float(((cascade_p >= 0.5) == y_va).mean()),
        band_fraction=band_fraction,
    )
    model.meta["fit_report"] = report.as_dict()
    return model, report
