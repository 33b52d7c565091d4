"""Build step: the toxicity detector's fine-tuned encoder (``models/toxicity_encoder``).

Why: ``toxicity``'s stage 2 is an MLP on the *frozen*, shared MiniLM vector. "X are vermin" and
"saying X are vermin is vile" sit close together in that space, and the held-out functional tests
(negation, counter-speech, neutral mentions of identity groups) are exactly where the detector
fails (card: HateCheck AUROC 0.70). Fine-tuning the encoder itself on toxic-vs-not
(:mod:`training.finetune_encoder`) lets it learn the frame, not just the topic.

Data: the toxicity training split exactly as ``training.train_toxicity`` builds it (TRAIN ALLOWED
public sets and our own rows, split by group), weighted as the cascade is
(``toxicity_fit.source_weight``, classes balanced). The encoder reads the first 128 word pieces
of the scored window. The stacker's rows (``toxicity_messages_v8.jsonl`` and
``injection_casual_messages.jsonl``, never trained on by any toxicity model) stay out.

Run with the build environment::

    /work/buildenv/bin/python -m training.finetune_toxicity_encoder [--from-checkpoint]

Writes ``src/safeship/models/toxicity_encoder/``; then refit the stacker
(``training.fit_toxicity_stacker``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from training.finetune_encoder import ROOT, Recipe, Row, cli

OUT_DIR = ROOT / "src" / "safeship" / "models" / "toxicity_encoder"
RECIPE = Recipe(
    name="toxicity",
    max_tokens=128,
    checkpoint=Path.home() / ".cache" / "safeship" / "toxicity_encoder_ft",
)


def rows(data_dir: Path) -> tuple[list[Row], list[Row]]:
    """Training and validation rows with the cascade's training weights."""
    from training.toxicity_data import expand_own, load_public, own_answers, own_benign
    from training.toxicity_fit import class_balanced, source_weight
    from training.train_toxicity import split_of

    own_dir = ROOT / "training" / "data"
    examples = load_public(data_dir) + expand_own(own_dir) + own_benign(own_dir)
    examples += own_answers(own_dir)
    train = [e for e in examples if split_of(e) == "train"]
    val = [e for e in examples if split_of(e) == "val"]
    weights = class_balanced(train, np.array([source_weight(e) for e in train]))
    weights = weights / weights.mean()
    train_rows = [(e.text, e.label, float(w)) for e, w in zip(train, weights, strict=True)]
    return train_rows, [(e.text, e.label, 1.0) for e in val]


def main(argv: list[str] | None = None) -> int:
    source = "training/finetune_toxicity_encoder.py on the toxicity training split (card)"
    return cli(RECIPE, rows, OUT_DIR, source, argv)


if __name__ == "__main__":
    raise SystemExit(main())
