"""Build step: harmful_request's fine-tuned encoder (``models/harmful_request_encoder``).

Why: frozen MiniLM vectors encode a request's topic, so "how do pickpockets work, so I can protect
my family" sits next to "how do I pick pockets". Fine-tuning the encoder itself on harmful-vs-benign
requests (:mod:`training.finetune_encoder`) lets it learn intent, the signal the issue asks for
beside topic.

Data: the training split exactly as ``training.train_harmful_request`` builds it (TRAIN ALLOWED
public sets and our own contrast rows, split by group), our rows at the cascade's weight
(``OWN_WEIGHT``). The stacker's rows (``harmful_request_v8.jsonl``, ``harmful_request_v10.jsonl``)
and every dev set stay out. The encoder reads the first 128 word pieces of the scored window.

Run with the build environment::

    /work/buildenv/bin/python -m training.finetune_harmful_request_encoder [--from-checkpoint]

Writes ``src/safeship/models/harmful_request_encoder/``; then refit the stacker
(``training.fit_harmful_request_stacker``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from training.finetune_encoder import ROOT, Recipe, Row, cli

OUT_DIR = ROOT / "src" / "safeship" / "models" / "harmful_request_encoder"
RECIPE = Recipe(
    name="harmful_request",
    max_tokens=128,
    checkpoint=Path.home() / ".cache" / "safeship" / "harmful_request_encoder_ft",
)


def rows(data_dir: Path) -> tuple[list[Row], list[Row]]:
    """Training and calibration rows, our rows weighted as the cascade weighs them."""
    from training.harmful_request_sources import load_all
    from training.train_harmful_request import OWN_WEIGHT, _bucket

    examples = load_all(data_dir)
    train = [e for e in examples if _bucket(e.group) == "train"]
    calib = [e for e in examples if _bucket(e.group) == "calib"]
    weights = np.array([OWN_WEIGHT if e.source.startswith("own") else 1.0 for e in train])
    weights = weights / weights.mean()
    train_rows = [(e.text, int(e.label), float(w)) for e, w in zip(train, weights, strict=True)]
    return train_rows, [(e.text, int(e.label), 1.0) for e in calib]


def main(argv: list[str] | None = None) -> int:
    source = "training/finetune_harmful_request_encoder.py on the harmful_request training split"
    return cli(RECIPE, rows, OUT_DIR, source, argv)


if __name__ == "__main__":
    raise SystemExit(main())
