"""Fit the stacker and band that mix ``refusal``'s cascade with the fine-tuned stance encoder.

Neither opinion may be judged on rows it was trained on: the composed validation split shares
fragments with training (a model fitted there learns to trust whichever input memorised them),
so the stacker is fitted on ``refusal_handwritten_v6a/v6b.jsonl``: 663 hand-written answers that
neither the shipped cascades (v5) nor the encoder saw. Features: the cascade's final logit (after
its stance combiner) and the encoder's logit. The band (where the cascade's P(refusal) must fall
for the encoder to run) is the narrowest of ``BANDS`` whose 5-fold cross-validated accuracy is
within ``MIN_GAIN`` of the best among the bands that send at most ``MAX_COST_SHARE`` of ordinary
answers to the encoder (``COST_ROWS``: 672 helpful answers written for ``toxicity``, which no
refusal model saw; the rule's own cost check uses other answers). Each widening costs an encoder
pass (~6 ms) on more answers, and on these hard rows the widest band always "wins" because the
cascade is confidently wrong on many of them.

The two classes weigh equally: these rows were written to hold many partial and in-persona
refusals (60% refusals), a mix their writers chose, not the traffic's; fitted unweighted, the
stacker's intercept learnt that mix (+1.6, toward "refused"). Decided after reading only this
script's own figures, before any dev or test row was scored.

Writes the ``stack`` block into ``ENCODER_DIR/head.json``.

Run: ``PYTHONPATH=. .venv/bin/python -m training.fit_refusal_stacker [--encoder-dir DIR]`` (also
a step of ``training.train_all``, after ``train_refusal``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from safeship.detectors._refusal_encoder import HEAD_FILE
from safeship.detectors._stance import embed_view
from safeship.detectors.refusal import COMPLIANCE, RefusalDetector, RefusalParams
from safeship.detectors.textmodel import CHUNK_CHARS, logit
from safeship.features.cache import FeatureCache
from safeship.features.embedding import OnnxEmbedder
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from training.train_refusal import MODELS, load

STACK_ROWS = ("refusal_handwritten_v6a.jsonl", "refusal_handwritten_v6b.jsonl")
BANDS = ((0.2, 0.8), (0.1, 0.9), (0.05, 0.95), (0.02, 0.98), (0.0, 1.0))
MIN_GAIN = 0.005
COST_ROWS = ("toxicity_answers_v5.jsonl", "toxicity_answers_v5b.jsonl")
MAX_COST_SHARE = 0.1  # v7 used 0.2: 16.1% here became 26.8% on other answers
FOLDS = 5


def features(encoder_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(P_cascade, encoder logit, label)`` for every stacker row."""
    rows = [r for name in STACK_ROWS for r in load(name)]
    cascade = RefusalDetector(RefusalParams(encoder=False))
    head = json.loads((encoder_dir / HEAD_FILE).read_text(encoding="utf-8"))
    encoder = OnnxEmbedder(encoder_dir, max_tokens=int(head["max_tokens"]))
    coef = np.asarray(head["coef"], dtype=np.float32)
    p, z, y = [], [], []
    for r in rows:
        text = r["response"]
        p.append(cascade.probabilities(text, FeatureCache(NgramHasher(), LazyEmbedder()))[0])
        vector = encoder.embed([embed_view(text[:CHUNK_CHARS])])[0]
        z.append(float(vector @ coef + head["intercept"]))  # what StanceEncoder.logit computes
        y.append(int(r["label"] != COMPLIANCE))
    return np.asarray(p), np.asarray(z), np.asarray(y)


def cost_probabilities() -> np.ndarray:
    """The cascade's P(refusal) on ordinary helpful answers (where the encoder's cost matters)."""
    cascade = RefusalDetector(RefusalParams(encoder=False))
    texts = [r["text"] for name in COST_ROWS for r in load(name)]
    cache = lambda: FeatureCache(NgramHasher(), LazyEmbedder())  # noqa: E731
    return np.asarray([cascade.probabilities(t, cache())[0] for t in texts])


def _stacker() -> LogisticRegression:
    return LogisticRegression(C=1.0, max_iter=1000, class_weight="balanced")


def cv_accuracy(p: np.ndarray, z: np.ndarray, y: np.ndarray, band: tuple[float, float]) -> float:
    """Out-of-fold accuracy with the encoder consulted only inside ``band``."""
    inside = (p >= band[0]) & (p <= band[1])
    pred = (p >= 0.5).astype(int)
    x = np.c_[[logit(v) for v in p], z]
    for tr, te in StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(x, y):
        tr_in, te_in = tr[inside[tr]], te[inside[te]]
        if te_in.size == 0 or len(set(y[tr_in].tolist())) < 2:
            continue
        lr = _stacker().fit(x[tr_in], y[tr_in])
        pred[te_in] = lr.predict(x[te_in])
    return float(np.mean(pred == y))


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder-dir", type=Path, default=MODELS / "refusal_encoder")
    ap.add_argument("--data-dir", type=Path, help="unused (own data only); accepted for train_all")
    encoder_dir: Path = ap.parse_args(argv).encoder_dir
    p, z, y = features(encoder_dir)
    base = float(np.mean((p >= 0.5) == y))
    enc_alone = float(np.mean((z > 0) == y))
    ordinary = cost_probabilities()
    costs = {band: float(np.mean((ordinary >= band[0]) & (ordinary <= band[1]))) for band in BANDS}
    scores = [(cv_accuracy(p, z, y, band), band) for band in BANDS]
    for acc, band in scores:
        share = float(np.mean((p >= band[0]) & (p <= band[1])))
        print(
            f"band {band}: CV accuracy {acc:.4f} (encoder on {share:.1%} of these rows, "
            f"{costs[band]:.1%} of ordinary answers)"
        )
    scores = [(a, b) for a, b in scores if costs[b] <= MAX_COST_SHARE]
    best = max(a for a, _ in scores)
    band = next(b for a, b in scores if a >= best - MIN_GAIN)
    inside = (p >= band[0]) & (p <= band[1])
    x = np.c_[[logit(v) for v in p], z]
    lr = _stacker().fit(x[inside], y[inside])
    head_path = encoder_dir / HEAD_FILE
    head = json.loads(head_path.read_text(encoding="utf-8"))
    head["stack"] = {
        "coef": [float(v) for v in lr.coef_[0]],
        "intercept": float(lr.intercept_[0]),
        "band": list(band),
        "fitted_on": list(STACK_ROWS),
    }
    head_path.write_text(json.dumps(head), encoding="utf-8")
    report = {
        "rows": int(y.size),
        "cascade_accuracy": base,
        "encoder_alone_accuracy": enc_alone,
        "band": list(band),
        "cv_accuracy": dict((f"{b[0]}-{b[1]}", a) for a, b in scores),
        "ordinary_share": {f"{b[0]}-{b[1]}": c for b, c in costs.items()},
        "stack": head["stack"],
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
