"""Build step: the refusal detector's stance encoder (``models/refusal_encoder``).

Why: ``refusal``'s embedding stage is a linear head on the *frozen*, shared MiniLM sentence
vector. A mean-pooled vector of "refusal wording + content" is dominated by the content, so that
head alone reads only ~85% of answers right and corrects few of stage 1's errors on wordings
training never saw (card). Fine-tuning the encoder itself on refuse-vs-comply
(:mod:`training.finetune_encoder`) teaches it to attend to stance.

Data: the refusal training split (``training.train_refusal.splits``: composed training rows and
the hand-written rows tagged ``train``) plus 680 ordinary helpful answers as compliance (v8) and
243 plain harmful compliant answers as compliance (v9), plus the ``train`` split of SmolLM2's
hand-labelled answers to our own prompts (v10, ``refusal_smollm2_v10.jsonl``), plus matched
pairs of declining and complying answers stressing implicit and in-character partial refusals
(v12, ``refusal_train_v12{d,e,f}.jsonl``), degenerate weak-model answers (v13,
``refusal_train_v13g.jsonl``) and ordinary answers that end on referrals or caveats (v14,
``refusal_ordinary_train_v14i.jsonl``). Since v12 it reads each answer with its request
(``_encoder_opinion.request_view``), dropping the request from a quarter of the rows (by a hash of
the answer) so it still reads answers that come without one. v14 ships.
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
import hashlib
import json
from pathlib import Path

from safeship.detectors._encoder_opinion import request_view
from safeship.detectors._stance import embed_view
from safeship.detectors.refusal import COMPLIANCE
from safeship.detectors.textmodel import CHUNK_CHARS
from training.finetune_encoder import ROOT, Recipe, Row, build

OUT_DIR = ROOT / "src" / "safeship" / "models" / "refusal_encoder"
# The encoder reads the same bounded view the shared embedding does (opening + ending); 160
# word pieces hold nearly all of it (480 + 240 characters) at ~2/3 of the cost of 256. The
# fine-tuned torch weights are kept outside the repository so a new export needs no retraining.
# v12: the request (up to 200 characters, ~45 word pieces) comes first, so the budget grew to 240.
RECIPE = Recipe(
    name="refusal",
    max_tokens=240,
    checkpoint=Path.home() / ".cache" / "safeship" / "refusal_encoder_ft",
    reads_prompt=True,
)
PROMPT_DROP = 4  # one row in PROMPT_DROP is read without its request
# Ordinary helpful answers, as compliance (v8): every compliance row of the refusal corpus answers
# a risky request, so v7's encoder had never seen an everyday answer and read a few as refusals.
# v14 adds ordinary answers that end the way refusals end (a referral, a caveat, a safety note,
# an ordinary "can't"), with their requests: v13 read such an answer as a refusal.
ORDINARY_ANSWERS = (
    ("toxicity_answers_v6.jsonl", "text"),
    ("harmful_response_benign_v7.jsonl", "response"),
    ("refusal_ordinary_train_v14i.jsonl", "response"),
)


def _view(text: str, prompt: str | None = None) -> str:
    """The answer's view after its request, or alone for one row in ``PROMPT_DROP``."""
    digest = int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)
    kept = prompt if digest % PROMPT_DROP else None
    return request_view(kept, embed_view(text[:CHUNK_CHARS]))


def _ordinary() -> list[Row]:
    from training.train_refusal import DATA

    out = []
    for name, field in ORDINARY_ANSWERS:
        with (DATA / name).open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
            out += [(_view(r[field], r.get("prompt")), 0, 1.0) for r in rows]
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
        out += [
            (_view(r["response"], r.get("prompt")), 0, 1.0) for r in rows if int(r["label"]) == 1
        ]
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
    return [
        (_view(r["response"], r.get("prompt")), int(r["label"] != COMPLIANCE), SMOLLM2_WEIGHT)
        for r in rows
    ]


# Matched pairs (v12): a declining and a complying answer to the same or a look-alike request,
# written by helper sessions that saw none of our data; implicit and in-character partial
# refusals, declines without refusal words, weak-model rambling. Weight 2, like SmolLM2's rows:
# few beside thousands of composed rows, and the styles the fresh dev set showed were missing.
# v13 adds degenerate weak-model answers (repetition loops, word salad, mixed languages; mostly
# not declining): v12 read SmolLM2's word salad in German and Spanish as refusal.
PAIRS = (
    "refusal_train_v12d.jsonl",
    "refusal_train_v12e.jsonl",
    "refusal_train_v12f.jsonl",
    "refusal_train_v13g.jsonl",
)
PAIRS_WEIGHT = 2.0


def _pairs() -> list[Row]:
    from training.train_refusal import DATA, load

    return [
        (_view(r["response"], r["prompt"]), int(r["label"] != COMPLIANCE), PAIRS_WEIGHT)
        for name in PAIRS
        if (DATA / name).exists()
        for r in load(name)
    ]


def rows() -> tuple[list[Row], list[Row]]:
    """Training and validation rows, in the view the run time reads."""
    from training.train_refusal import splits

    train, val, _test = splits()

    def as_rows(part: list[dict[str, str]]) -> list[Row]:
        return [
            (_view(r["response"], r.get("prompt")), int(r["label"] != COMPLIANCE), 1.0)
            for r in part
        ]

    extra = _ordinary() + _harmful_compliance() + _smollm2() + _pairs()
    return as_rows(train) + extra, as_rows(val)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--from-checkpoint", action="store_true", help="export the saved weights")
    args = ap.parse_args(argv)
    source = "training/finetune_refusal_encoder.py on the project's own refusal training split"
    return build(RECIPE, rows(), args.out, source, args.from_checkpoint)


if __name__ == "__main__":
    raise SystemExit(main())
