"""Development check of the ``prompt_injection`` detector on TRAIN-ALLOWED validation data only.

The EVAL-ONLY bench (``bench.quality.prompt_injection``) may only be run a few times, so every
change to the normaliser, the views or the training data is first judged here: the same
questions (recall and FPR through the real detector class, obfuscated copies of plain rows, the
share of texts that reach the stage-2 embedding band) on rows the model was never fitted on
(the validation split of ``training.injection_data.assemble``).

Run: ``PYTHONPATH=. .venv/bin/python -m training.injection_devcheck [--sample 600]``.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from safeship.detectors.base import DetectorInput
from safeship.detectors.injection import PromptInjectionDetector
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.text.normalise import normalise
from safeship.text.obfuscate import TRANSFORMS, apply
from training.injection_data import Sample, assemble, default_data_dir
from training.train_injection import INSTRUCTION_LIKE


class DevScorer:
    """The real detector with one fresh feature cache per text; counts embedding calls."""

    def __init__(self, embed: bool = True) -> None:
        self.det = PromptInjectionDetector()
        self.det.setup()
        self.hasher = NgramHasher()
        self.embedder = None
        if embed:
            from safeship.features.embedding import load_default_embedder

            self.embedder = load_default_embedder()
        self.embedded = 0
        self.scored = 0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        out = []
        for text in texts:
            cache = FeatureCache(self.hasher, self.embedder)
            item = DetectorInput(text=text, normalised=normalise(text), features=cache)
            out.append(self.det.score(item).score)
            self.embedded += cache.embedding_calls > 0
            self.scored += 1
        return np.asarray(out)


def rate(scores: np.ndarray) -> float:
    """Share of scores at or above the default decision point."""
    return round(float(np.mean(scores >= 0.5)), 4) if len(scores) else 0.0


def per_source(val: list[Sample], p: np.ndarray) -> dict[str, dict[str, float]]:
    """Recall / FPR per source of the validation split."""
    by: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(val):
        by[s.source].append(i)
    out = {}
    for src, idx in sorted(by.items()):
        y = np.array([val[i].label for i in idx])
        row: dict[str, float] = {"n": len(idx)}
        if (y == 1).any():
            row["recall"] = rate(p[idx][y == 1])
        if (y == 0).any():
            row["fpr"] = rate(p[idx][y == 0])
        out[src] = row
    return out


def f1(y: np.ndarray, pred: np.ndarray) -> float:
    """F1 of boolean predictions."""
    tp = float((pred & (y == 1)).sum())
    return round(2 * tp / max(1.0, float(pred.sum()) + float((y == 1).sum())), 4)


def sweep(val: list[Sample], p: np.ndarray, points: Sequence[float]) -> dict[str, object]:
    """The figures the decision point trades off, at each candidate threshold on the score."""
    y = np.array([s.label for s in val])
    src = np.array([s.source for s in val])
    chat = np.array([s.source.startswith(INSTRUCTION_LIKE) for s in val])
    out: dict[str, object] = {}
    for t in points:
        pred = p >= t
        out[str(t)] = {
            "slabs_f1": f1(y[src == "slabs"], pred[src == "slabs"]),
            "neuralchemy_f1": f1(y[src == "neuralchemy"], pred[src == "neuralchemy"]),
            "slabs_fpr": rate(p[(src == "slabs") & (y == 0)] - t + 0.5),
            "neuralchemy_fpr": rate(p[(src == "neuralchemy") & (y == 0)] - t + 0.5),
            "instruction_like_benign_fpr": rate(p[chat & (y == 0)] - t + 0.5),
            "all_benign_fpr": rate(p[y == 0] - t + 0.5),
            "recall": rate(p[y == 1] - t + 0.5),
        }
    return out


def obfuscation(score: DevScorer, val: list[Sample], n: int) -> dict[str, dict[str, float]]:
    """Recall drop and FPR rise per transform on ``n`` sampled slabs/neuralchemy validation rows."""
    pool = [s for s in val if s.source in ("slabs", "neuralchemy")]
    rows = random.Random(0).sample(pool, min(n, len(pool)))
    pos = [s.text for s in rows if s.label == 1]
    neg = [s.text for s in rows if s.label == 0]
    rec0, fpr0 = rate(score(pos)), rate(score(neg))
    out = {"plain": {"recall": rec0, "fpr": fpr0}}
    for kind in TRANSFORMS:
        rec = rate(score([apply(kind, t, i) for i, t in enumerate(pos)]))
        fpr = rate(score([apply(kind, t, i) for i, t in enumerate(neg)]))
        out[kind] = {
            "recall_drop": round(rec0 - rec, 4),
            "fpr_rise": round(fpr - fpr0, 4),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sample", type=int, default=600)
    ap.add_argument("--no-embed", action="store_true")
    ap.add_argument("--skip-obfuscation", action="store_true")
    args = ap.parse_args(argv)
    _, val, _ = assemble(default_data_dir())
    score = DevScorer(embed=not args.no_embed)
    p = score([s.text for s in val])
    report: dict[str, object] = {"per_source": per_source(val, p)}
    report["stage2_fraction_plain_val"] = round(score.embedded / max(1, score.scored), 4)
    report["threshold_sweep"] = sweep(val, p, (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75))
    if not args.skip_obfuscation:
        report["obfuscation"] = obfuscation(score, val, args.sample)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
