"""Train the ``harmful_response`` detector: cascade, stance combiner and hazard-category head.

Data (TRAIN-ALLOWED only): ``gptfuzz/responses_labeled/train.csv`` (MIT; label 1 = jailbroken,
harmful compliance), split by question so validation questions are unseen; the project's own
refusal corpus (``training/data/refusal_*.jsonl``, every row a negative: refusals and answers
to harmless requests, so helpful answers are not flagged); AILuminate demo prompts (CC-BY-4.0)
for the hazard-category head. ``gptfuzz/responses_labeled/evaluate.csv`` is EVAL ONLY and is
never read here.

Run: ``PYTHONPATH=. .venv/bin/python -m training.train_harmful_response [--no-embed]``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from safeship.detectors.harmful_response import HarmfulResponseDetector, HarmfulResponseParams
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from training.cascade_fit import fit_cascade
from training.train_refusal import MODELS, ROOT, fit_combiner, load

HAZARDS = {
    "vcr": "violent_crimes", "ncr": "nonviolent_crimes", "src": "sex_related_crimes",
    "cse": "child_sexual_exploitation", "iwp": "indiscriminate_weapons",
    "ssh": "suicide_self_harm", "ipv": "intellectual_property", "dfm": "defamation",
    "prv": "privacy", "hte": "hate", "sxc_prn": "sexual_content",
}
VAL_QUESTIONS = 16
OWN_WEIGHT = 0.5  # own rows are many short negatives; half weight keeps gptfuzz in charge


def default_data_dir() -> Path:
    env = os.environ.get("SAFESHIP_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "datasets"


def gptfuzz_split(data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and validation frames, grouped by question (seeded)."""
    frame = pd.read_csv(data / "gptfuzz" / "responses_labeled" / "train.csv")
    questions = np.array(sorted(frame["question"].unique()))
    np.random.RandomState(0).shuffle(questions)
    val = frame["question"].isin(set(questions[:VAL_QUESTIONS].tolist()))
    return frame[~val], frame[val]


def hazard_head(data: Path) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Softmax head over MiniLM embeddings of AILuminate prompts (en + fr)."""
    from safeship.features.embedding import load_default_embedder

    folder = data / "ailuminate_demo_prompts"
    frames = [pd.read_csv(p) for p in sorted(folder.glob("*prompt_set_release.csv"))]
    prompts = pd.concat(frames)
    labels = [HAZARDS.get(h, "specialized_advice") for h in prompts["hazard"]]
    classes = tuple(sorted(set(labels)))
    emb = load_default_embedder().embed(prompts["prompt_text"].astype(str).tolist())
    lr = LogisticRegression(C=2.0, max_iter=3000, class_weight="balanced")
    lr.fit(emb, [classes.index(c) for c in labels])
    return classes, lr.coef_.T.astype(np.float32), lr.intercept_.astype(np.float32)


def evaluate(frame_texts: list[str], y: np.ndarray, path: Path) -> dict[str, float]:
    det = HarmfulResponseDetector(HarmfulResponseParams(model_path=path))
    cache = FeatureCache(NgramHasher())
    p = np.array([det.probability(t, cache) for t in frame_texts])
    return {"accuracy": float(((p >= 0.5) == y).mean()), "n": len(y)}


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--no-embed", action="store_true", help="skip the hazard-category head")
    ap.add_argument("--out", type=Path, default=MODELS)
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    train, val = gptfuzz_split(args.data_dir)
    own_tr = [r["response"] for r in load("refusal_train.jsonl")]
    own_va = [r["response"] for r in load("refusal_val.jsonl")]
    tr_x = train["Response"].astype(str).tolist() + own_tr
    tr_y = np.r_[train["label"].to_numpy(int), np.zeros(len(own_tr), int)]
    va_x = val["Response"].astype(str).tolist() + own_va
    va_y = np.r_[val["label"].to_numpy(int), np.zeros(len(own_va), int)]
    weights = np.r_[np.ones(len(train)), np.full(len(own_tr), OWN_WEIGHT)]
    model, rep = fit_cascade("harmful_response", tr_x, tr_y, va_x, va_y, None, c_tfidf=8.0,
                             sample_weight=weights.tolist())
    cache = FeatureCache(NgramHasher())
    model.meta["combiner"] = fit_combiner(model, va_x, va_y, cache)
    model.meta["combiner_stage1"] = model.meta["combiner"]
    if not args.no_embed:
        classes, coef, intercept = hazard_head(args.data_dir)
        model.category_classes, model.category_coef, model.category_intercept = (
            classes, coef, intercept)
    out = args.out / "harmful_response.npz"
    model.save(out)
    n_val = len(val)
    report = {
        "fit": rep.as_dict(),
        "validation_gptfuzz_16_questions": evaluate(va_x[:n_val], va_y[:n_val], out),
        "validation_own_negatives": evaluate(own_va, np.zeros(len(own_va), int), out),
        "hazard_head": list(model.category_classes),
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
