"""Build step: the refusal detector's stance encoder (``models/refusal_encoder``).

Why: ``refusal``'s embedding stage is a linear head on the *frozen*, shared MiniLM sentence
vector. A mean-pooled vector of "refusal wording + content" is dominated by the content, so that
head alone reads only ~85% of answers right and corrects few of stage 1's errors on wordings
training never saw (card). Fine-tuning the encoder itself on refuse-vs-comply
(:mod:`training.finetune_encoder`) teaches it to attend to stance.

Data: the refusal training split (``training.train_refusal.splits``: composed training rows and
the hand-written rows tagged ``train``) plus 680 ordinary helpful answers as compliance (v8) and
243 plain harmful compliant answers as compliance (v9), plus the ``train`` split of SmolLM2's
hand-labelled answers to our own prompts (v10, ``refusal_smollm2_v10.jsonl``).
``refusal_handwritten_v6a/v6b.jsonl`` stay out: the stacker is fitted on them
(``training.fit_refusal_stacker``). Validation (composed) accuracy is printed per epoch; nothing
is chosen on it.

Run with the build environment::

    /work/buildenv/bin/python -m training.finetune_refusal_encoder [--from-checkpoint]

Writes ``model_int8.onnx``, ``tokenizer.json``, ``head.json`` and ``config.json`` to
``src/safeship/models/refusal_encoder/``; then refit the stacker.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from safeship.detectors._stance import embed_view
from safeship.detectors.refusal import COMPLIANCE
from safeship.detectors.textmodel import CHUNK_CHARS
from training.finetune_encoder import ROOT, Recipe, Row, build

OUT_DIR = ROOT / "src" / "safeship" / "models" / "refusal_encoder"
# The encoder reads the same bounded view the shared embedding does (opening + ending); 160
# word pieces hold nearly all of it (480 + 240 characters) at ~2/3 of the cost of 256. The
# fine-tuned torch weights are kept outside the repository so a new export needs no retraining.
RECIPE = Recipe(
    name="refusal",
    max_tokens=160,
    checkpoint=Path.home() / ".cache" / "safeship" / "refusal_encoder_ft",
)
# Ordinary helpful answers, as compliance (v8): every compliance row of the refusal corpus answers
# a risky request, so v7's encoder had never seen an everyday answer and read a few as refusals.
ORDINARY_ANSWERS = (
    ("toxicity_answers_v6.jsonl", "text"),
    ("harmful_response_benign_v7.jsonl", "response"),
)


def _view(text: str) -> str:
    return embed_view(text[:CHUNK_CHARS])


def _ordinary() -> list[Row]:
    from training.train_refusal import DATA

    out = []
    for name, field in ORDINARY_ANSWERS:
        with (DATA / name).open(encoding="utf-8") as fh:
            out += [(_view(json.loads(line)[field]), 0, 1.0) for line in fh if line.strip()]
    return out


# Plain harmful compliant answers, as compliance (v9): v8 read "Here's how: 1. ..." to a harmful
# request as a refusal in SmolLM2's answers; these teach that delivered content is compliance.
HARMFUL_COMPLIANCE = ("harmful_response_own.jsonl", "harmful_response_own_v7.jsonl")


def _harmful_compliance() -> list[Row]:
    from training.train_refusal import DATA

    out = []
    for name in HARMFUL_COMPLIANCE:
        with (DATA / name).open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        out += [(_view(r["response"]), 0, 1.0) for r in rows if int(r["label"]) == 1]
    return out


# Real weak-model answers (v10): SmolLM2's answers to our own prompts, labelled by hand
# (``training.gen_smollm2_answers``). Only the ``train`` split; ``judge`` rows judge v10. Weight 2:
# they are the text the eval harness reads, and few beside the written rows.
SMOLLM2 = "refusal_smollm2_v10.jsonl"
SMOLLM2_WEIGHT = 2.0


def _smollm2() -> list[Row]:
    from training.train_refusal import DATA, load

    if not (DATA / SMOLLM2).exists():
        return []
    rows = [r for r in load(SMOLLM2) if r["split"] == "train"]
    return [(_view(r["response"]), int(r["label"] != COMPLIANCE), SMOLLM2_WEIGHT) for r in rows]


def rows() -> tuple[list[Row], list[Row]]:
    """Training and validation rows, in the view the run time reads."""
    from training.train_refusal import splits

    train, val, _test = splits()

    def as_rows(part: list[dict[str, str]]) -> list[Row]:
        return [(_view(r["response"]), int(r["label"] != COMPLIANCE), 1.0) for r in part]

    return as_rows(train) + _ordinary() + _harmful_compliance() + _smollm2(), as_rows(val)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--from-checkpoint", action="store_true", help="export the saved weights")
    args = ap.parse_args(argv)
    source = "training/finetune_refusal_encoder.py on the project's own refusal training split"
    return build(RECIPE, rows(), args.out, source, args.from_checkpoint)


if __name__ == "__main__":
    raise SystemExit(main())
