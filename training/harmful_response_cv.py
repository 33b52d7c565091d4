"""Cross-validate harmful_response data choices over gptfuzz *training* questions (stage 1 only).

The 16 validation questions of ``train_harmful_response`` are too few to see how a change in the
negatives (e.g. ordinary helpful answers) moves recall on long jailbreak answers. Here the 80
training questions of ``gptfuzz/responses_labeled/train.csv`` are split in 5 folds by question;
each fold's responses are scored by a stage-1 model trained on the other folds plus the rest of
the training data of the configuration under test, and calibrated on our own validation rows.
Only TRAIN-ALLOWED data is read (``evaluate.csv`` is EVAL ONLY and never opened).

Run: ``PYTHONPATH=. .venv/bin/python -m training.harmful_response_cv``.

Result on 2026-11-27 (6,160 responses of 80 questions): without helpful answers acc 0.951,
recall 0.895, AUROC 0.988; v5 data acc 0.951, recall 0.940, AUROC 0.987; v5 without role-play
responses acc 0.951, recall 0.945, AUROC 0.988.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from safeship.features.hashing import NgramHasher
from training.cascade_fit import fit_cascade
from training.train_harmful_response import (
    OWN_WEIGHT,
    SHORT_WEIGHT,
    benign_answers,
    default_data_dir,
    own_benign_answers,
    own_short,
    refusal_corpus,
    toxigen,
)

FOLDS = 5


def configs() -> dict[str, dict[str, bool]]:
    """Which optional negatives each configuration trains on."""
    return {
        "v3 data (no helpful answers)": {"public": False, "roleplay": False, "own": False},
        "v5 data": {"public": True, "roleplay": True, "own": True},
        "v5 without role-play responses": {"public": True, "roleplay": False, "own": True},
    }


def main() -> None:
    data = default_data_dir()
    frame = pd.read_csv(data / "gptfuzz" / "responses_labeled" / "train.csv")
    questions = np.array(sorted(frame["question"].unique()))
    np.random.RandomState(1).shuffle(questions)
    folds = np.array_split(questions, FOLDS)
    rc_tr, rc_tr_y = refusal_corpus("refusal_train.jsonl")
    rc_va, rc_va_y = refusal_corpus("refusal_val.jsonl")
    own_tr, own_tr_y = own_short("train")
    own_va, own_va_y = own_short("val")
    tg_tr, tg_tr_y = toxigen(data, "train")
    roleplay_all = set(benign_answers(data, "train", roleplay_only=True))
    for name, cfg in configs().items():
        extra = own_benign_answers("train") if cfg["own"] else []
        public = [
            t for t in benign_answers(data, "train")
            if cfg["public"] and (cfg["roleplay"] or t not in roleplay_all)
        ]
        scores, labels = [], []
        for k in range(FOLDS):
            held = frame["question"].isin(set(folds[k].tolist()))
            tr, te = frame[~held], frame[held]
            x = tr["Response"].astype(str).tolist() + rc_tr + own_tr + tg_tr + extra + public
            y = np.r_[tr["label"].to_numpy(int), rc_tr_y, own_tr_y, tg_tr_y,
                      np.zeros(len(extra) + len(public), int)]
            w = np.r_[np.ones(len(tr)), np.full(len(rc_tr), OWN_WEIGHT),
                      np.full(len(own_tr) + len(tg_tr), SHORT_WEIGHT),
                      np.full(len(extra), 3.0), np.ones(len(public))]
            model, _ = fit_cascade("cv", x, y, rc_va + own_va, rc_va_y + own_va_y, None,
                                   c_tfidf=8.0, sample_weight=w.tolist())
            z = model.stage1_logits(NgramHasher().transform(te["Response"].astype(str).tolist()))
            scores.append(1 / (1 + np.exp(-z)))
            labels.append(te["label"].to_numpy(int))
        s, yv = np.concatenate(scores), np.concatenate(labels)
        print(f"{name:34s} n={len(yv)} acc={np.mean((s >= 0.5) == yv):.3f} "
              f"recall={np.mean(s[yv == 1] >= 0.5):.3f} fpr={np.mean(s[yv == 0] >= 0.5):.3f} "
              f"auroc={roc_auc_score(yv, s):.3f}", flush=True)


if __name__ == "__main__":
    main()
