"""Fit the system-prompt pair model of the injection detector (see ``_injection_context``).

Called by ``training.train_injection`` after the text model, because the held-out report compares
the pair model with the text model on the same pairs. Pairs come from ``injection_pairs``
(hand-written parts); benign TRAIN-ALLOWED prompts paired with random system prompts add
ordinary off-scope requests as negatives.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from safeship.detectors._injection_context import (
    PairModel,
    context_boost,
    contextual_score,
    pair_features,
)
from safeship.detectors.textmodel import CascadeModel
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.text.normalise import normalise
from training.injection_pairs import PAIR_MODEL_PARTS, Pair, build_pairs

EmbedFn = Callable[[list[str]], np.ndarray]
C_PAIR = 1.0
# v7, chosen on the held-out pairs (never on the dev sets): 20 attack templates per system prompt
# instead of 60 and benign pairs weighted twice an attack. With ~40 attacks against ~14 benign
# turns per system prompt, v5/v6 learnt "this kind of product -> attack"; at 20/2x the held-out
# benign flags fell 53 -> 19 of 833 at recall 0.882 -> 0.880.
ATTACKS_PER_SYSTEM = 20
CLASS_WEIGHT = {0: 2.0, 1: 1.0}


def _with_benign(pairs: list[Pair], benign: dict[str, Sequence[str]], seed: int) -> list[Pair]:
    rng = random.Random(seed)
    out = list(pairs)
    for split in ("train", "val"):
        systems = sorted({p.system for p in pairs if p.split == split})
        out += [Pair(rng.choice(systems), t, 0, "benign_dataset", split) for t in benign[split]]
    return out


def _features(pairs: list[Pair], embed: EmbedFn) -> np.ndarray:
    texts = [normalise(p.text).normalised for p in pairs]
    u = embed(texts)
    s = embed([p.system for p in pairs])
    boost = np.array([context_boost(p.system, t) for p, t in zip(pairs, texts, strict=True)])
    return pair_features(u, s, boost)


def _rates(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    pred = p >= 0.5
    return {
        "recall": round(float(pred[y == 1].mean()), 4),
        "fpr": round(float(pred[y == 0].mean()), 4),
    }


def fit_pair_model(
    text_model: CascadeModel,
    embed: EmbedFn,
    out: Path,
    benign: dict[str, Sequence[str]],
) -> dict[str, object]:
    """Train, save to ``out`` and return held-out figures (pair model vs text model alone)."""
    pairs = _with_benign(
        build_pairs(parts=PAIR_MODEL_PARTS, per_system=ATTACKS_PER_SYSTEM), benign, seed=5
    )
    tr = [p for p in pairs if p.split == "train"]
    va = [p for p in pairs if p.split == "val"]
    x_tr, x_va = _features(tr, embed), _features(va, embed)
    y_tr = np.array([p.label for p in tr])
    y_va = np.array([p.label for p in va])
    lr = LogisticRegression(C=C_PAIR, max_iter=3000, class_weight=CLASS_WEIGHT)
    lr.fit(x_tr, y_tr)
    model = PairModel(coef=lr.coef_.ravel().astype(np.float32), intercept=float(lr.intercept_[0]))
    p_pair = 1.0 / (1.0 + np.exp(-(x_va @ model.coef + model.intercept)))
    cache = FeatureCache(NgramHasher(), None)
    p_text = np.array([text_model.score(normalise(p.text).normalised, cache) for p in va])
    p_lex = np.array(
        [
            contextual_score(t, p.system, normalise(p.text).normalised)
            for t, p in zip(p_text, va, strict=True)
        ]
    )
    by_tech: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(va):
        by_tech[p.technique].append(i)
    combined = np.maximum(p_text, p_pair)
    report: dict[str, object] = {
        "n_train": len(tr),
        "n_val": len(va),
        "text_model_alone": _rates(y_va, p_text),
        "text_plus_lexical": _rates(y_va, np.maximum(p_text, p_lex)),
        "text_plus_pair_model": _rates(y_va, combined),
        "per_technique_recall": {
            t: round(float((combined[idx] >= 0.5).mean()), 3) for t, idx in sorted(by_tech.items())
        },
    }
    model.save(
        out,
        {
            "c": C_PAIR,
            "attacks_per_system": ATTACKS_PER_SYSTEM,
            "class_weight": {str(k): v for k, v in CLASS_WEIGHT.items()},
            "held_out": report,
        },
    )
    return report
