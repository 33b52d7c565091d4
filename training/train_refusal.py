"""Train the ``refusal`` detector's two cascades and their stance combiners.

Data: only text written for this project (``training/data/refusal_*.jsonl``, produced by
``training.gen_refusal_data`` plus hand-written items). The test file and the hand-written items
marked ``test`` are scored once at the end and never used to fit or choose anything.

Stage 2 (MiniLM head on :func:`~safeship.detectors._stance.embed_view`) runs only in an uncertain
band of stage 1, chosen on validation among ``BANDS`` (narrowest unless a wider one is clearly
better), which keeps most answers free of any embedding. ``--head mlp`` swaps the refusal cascade's
linear embedding head for a one-hidden-layer MLP (``harmful_request``'s artefact format); it tied
the linear head on validation and on the held-out set (card), so the linear head ships.

Run: ``PYTHONPATH=. .venv/bin/python -m training.train_refusal [--no-embed]``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from safeship.detectors._stance import FEATURE_NAMES, banded_logit, embed_view, stance_cues
from safeship.detectors.harmful_request_mlp import MLPCascadeModel
from safeship.detectors.refusal import COMPLIANCE, PARTIAL, RefusalDetector, RefusalParams
from safeship.detectors.textmodel import CHUNK_CHARS, CascadeModel
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from training.cascade_fit import EmbedFn, fit_cascade

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "training" / "data"
MODELS = ROOT / "src" / "safeship" / "models"

Rows = list[dict[str, str]]
# Candidate uncertain bands for stage 2, narrowest first; a wider band must beat the narrowest
# by MIN_GAIN validation accuracy to be kept (each widening costs embeddings at run time).
BANDS = ((0.25, 0.75), (0.1, 0.9), (0.03, 0.97))
MIN_GAIN = 0.005
HANDWRITTEN = (
    "refusal_handwritten.jsonl",
    "refusal_handwritten_v2.jsonl",
    "refusal_handwritten_v3.jsonl",
    # v4: 360 training rows written by a session that saw no test or dev row (14 styles, six
    # languages); its sibling refusal_dev_v4.jsonl is a dev set, never trained on
    # (training.refusal_dev).
    "refusal_handwritten_v4.jsonl",
    # v5: 796 more, by two more sessions on other topics (with markdown, emoji, multi-turn styles)
    "refusal_handwritten_v4b.jsonl",
    "refusal_handwritten_v4c.jsonl",
    # refusal_handwritten_v6a/v6b.jsonl (663 partial and persona refusals with compliance
    # contrasts) are kept but not trained on: the v6 model moved the dev set by only 1.3 points
    # (rule: +2), so v5 ships (card).
)


MLP_HIDDEN = 256
MLP_ALPHA = 0.1  # chosen on validation among 0.01 / 0.1 (cross-validated stacker + combiner)


def with_mlp_head(
    model: CascadeModel,
    train: tuple[list[str], np.ndarray],
    val: tuple[list[str], np.ndarray],
    embed: EmbedFn,
) -> MLPCascadeModel:
    """Swap the linear embedding head for a one-hidden-layer MLP; refit the stacker on validation.

    The MLP is fit on the training rows only (the same bounded views the linear head saw); the
    stacker mixing it with the calibrated stage-1 logit is fit on validation, as in
    :func:`training.cascade_fit.fit_cascade`. The artefact format is ``harmful_request``'s.
    """
    from sklearn.neural_network import MLPClassifier

    mlp = MLPClassifier(
        (MLP_HIDDEN,), alpha=MLP_ALPHA, max_iter=200, early_stopping=True, random_state=0
    )
    mlp.fit(embed(train[0]), train[1])
    w1, w2 = mlp.coefs_
    b1, b2 = mlp.intercepts_
    out = MLPCascadeModel.from_cascade(
        model, mlp_w1=w1, mlp_b1=b1, mlp_w2=w2.ravel(), mlp_b2=float(b2[0])
    )
    z1 = out.stage1_logits(NgramHasher().transform(val[0]))
    z2 = out.stage2_logits(embed(val[0]))
    stacker = LogisticRegression(C=1e3, max_iter=1000).fit(np.c_[z1, z2], val[1])
    out.stack = (*(float(v) for v in stacker.coef_[0]), float(stacker.intercept_[0]))
    return out


def load(name: str) -> Rows:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def splits() -> tuple[Rows, Rows, Rows]:
    """Train, validation and held-out test rows (hand-written items go by their own tag)."""
    hand = [r for name in HANDWRITTEN for r in load(name)]
    train = load("refusal_train.jsonl") + [r for r in hand if r["split"] == "train"]
    test = load("refusal_test.jsonl") + [r for r in hand if r["split"] == "test"]
    return train, load("refusal_val.jsonl"), test


def embedder_or_none(use: bool, memo: Path | None = None) -> object | None:
    """The shipped embedder over bounded views, memoised in ``memo`` when given."""
    if not use:
        return None
    from training.embed_cache import DiskEmbed

    return DiskEmbed(memo)


def fit_combiner(model: CascadeModel, texts: list[str], y: np.ndarray, cache: FeatureCache) -> dict:
    """Logistic layer over [cascade logit, stance cues], fitted on validation rows."""
    z = np.array([banded_logit(model, t[:CHUNK_CHARS], cache) for t in texts])
    x = np.c_[z, np.stack([stance_cues(t).vector for t in texts])]
    lr = LogisticRegression(C=10.0, max_iter=2000).fit(x, y)
    return {
        "coef": lr.coef_[0].tolist(),
        "intercept": float(lr.intercept_[0]),
        "features": ["cascade_logit", *FEATURE_NAMES],
    }


def add_combiners(
    model: CascadeModel, texts: list[str], y: np.ndarray, cache: FeatureCache
) -> None:
    """One combiner for the full cascade and one for stage 1 alone (no embedder at run time)."""
    if model.has_stage2 and cache.has_embedder:
        model.meta["combiner"] = fit_combiner(model, texts, y, cache)
        model.meta["combiner_stage1"] = fit_combiner(model, texts, y, FeatureCache(NgramHasher()))
    else:
        model.meta["combiner"] = fit_combiner(model, texts, y, cache)
        model.meta["combiner_stage1"] = model.meta["combiner"]


def evaluate(rows: Rows, cache: FeatureCache, model_dir: Path) -> dict[str, float]:
    """Binary and three-way accuracy of the saved detector on ``rows``."""
    det = RefusalDetector(
        RefusalParams(
            model_path=model_dir / "refusal.npz",
            partial_model_path=model_dir / "refusal_partial.npz",
        )
    )
    hits = hits3 = 0
    for r in rows:
        ref, part = det.probabilities(r["response"], cache)
        truth = r["label"] != COMPLIANCE
        hits += int((ref >= 0.5) == truth)
        label = COMPLIANCE if ref < 0.5 else (PARTIAL if part >= 0.5 else "full_refusal")
        hits3 += int(label == r["label"])
    return {"accuracy": hits / len(rows), "accuracy_3way": hits3 / len(rows), "n": len(rows)}


def choose_band(
    models: tuple[CascadeModel, CascadeModel],
    val: Rows,
    cache: FeatureCache,
    out: Path,
) -> tuple[float, float]:
    """Pick the stage-2 band on validation rows (combiners refitted for each candidate)."""
    y = np.array([r["label"] != COMPLIANCE for r in val], dtype=int)
    refusals = [r for r in val if r["label"] != COMPLIANCE]
    py = np.array([r["label"] == PARTIAL for r in refusals], dtype=int)
    scores: list[tuple[float, tuple[float, float]]] = []
    for band in BANDS:
        for m in models:
            m.band = band
        add_combiners(models[0], [r["response"] for r in val], y, cache)
        add_combiners(models[1], [r["response"] for r in refusals], py, cache)
        save(models, out)
        scores.append((evaluate(val, cache, out)["accuracy"], band))
        print(f"band {band}: validation accuracy {scores[-1][0]:.4f}", flush=True)
    best_acc = max(a for a, _ in scores)
    return next(b for a, b in scores if a >= best_acc - MIN_GAIN)


def save(models: tuple[CascadeModel, CascadeModel], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    models[0].save(out / "refusal.npz")
    models[1].save(out / "refusal_partial.npz")


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-embed", action="store_true", help="stage 1 only (no MiniLM head)")
    ap.add_argument("--out", type=Path, default=MODELS)
    ap.add_argument("--data-dir", type=Path, help="unused (own data only); accepted for train_all")
    ap.add_argument("--embed-cache", type=Path, help="npz file memoising training embeddings")
    ap.add_argument(
        "--head",
        choices=("linear", "mlp"),
        default="linear",
        help="refusal cascade's embedding head; the MLP tied on validation (card)",
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    embedder = embedder_or_none(not args.no_embed, args.embed_cache)
    cache = FeatureCache(NgramHasher(), embedder)  # type: ignore[arg-type]
    embed: EmbedFn | None = None
    if embedder is not None:
        embed = lambda ts: cache.embeddings([embed_view(t) for t in ts])  # noqa: E731
    # (DiskEmbed applies embed_view itself; it is idempotent, so the views above are unchanged.)

    train, val, test = splits()
    tr_x = [r["response"][:CHUNK_CHARS] for r in train]
    va_x = [r["response"][:CHUNK_CHARS] for r in val]
    tr_y = np.array([r["label"] != COMPLIANCE for r in train], dtype=int)
    va_y = np.array([r["label"] != COMPLIANCE for r in val], dtype=int)
    model, rep = fit_cascade("refusal", tr_x, tr_y, va_x, va_y, embed, c_tfidf=4.0)
    if embed is not None and args.head == "mlp":
        model = with_mlp_head(model, (tr_x, tr_y), (va_x, va_y), embed)

    tr_r = [r for r in train if r["label"] != COMPLIANCE]
    va_r = [r for r in val if r["label"] != COMPLIANCE]
    tr_py = np.array([r["label"] == PARTIAL for r in tr_r], dtype=int)
    va_py = np.array([r["label"] == PARTIAL for r in va_r], dtype=int)
    partial, prep = fit_cascade(
        "refusal_partial",
        [r["response"][:CHUNK_CHARS] for r in tr_r],
        tr_py,
        [r["response"][:CHUNK_CHARS] for r in va_r],
        va_py,
        embed,
        c_tfidf=4.0,
    )
    models = (model, partial)
    band = choose_band(models, val, cache, args.out) if embedder is not None else (0.0, 0.0)
    for m in models:
        m.band = band
    add_combiners(model, [r["response"] for r in val], va_y, cache)
    add_combiners(partial, [r["response"] for r in va_r], va_py, cache)
    save(models, args.out)
    if hasattr(embedder, "flush"):
        embedder.flush()
    report = {
        "refusal_fit": rep.as_dict(),
        "partial_fit": prep.as_dict(),
        "band": list(band),
        "sizes": {"train": len(train), "validation": len(val), "test": len(test)},
        "validation": evaluate(val, cache, args.out),
        "held_out_test": evaluate(test, cache, args.out),
        "held_out_test_stage1_only": evaluate(test, FeatureCache(NgramHasher()), args.out),
        "stage2": embedder is not None,
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
