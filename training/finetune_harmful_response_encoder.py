"""Build step: the harmful_response detector's fine-tuned encoder (``harmful_response_encoder``).

Why: ``harmful_response``'s embedding stage is a linear head on the *frozen*, shared MiniLM
vector, where "here is how to do <harmful thing>" and "I won't explain how to do <harmful thing>"
sit close together: the topic dominates. Jailbroken answers add a persona's refusal next to the
content, so stance decides the label, and the card shows the detector losing recall on long
jailbreak answers to questions it never saw (gptfuzz ``evaluate.csv`` 0.899, floor 0.94).
Fine-tuning the encoder itself on comply-vs-not (:mod:`training.finetune_encoder`) lets it read
the stance, not just the subject.

Data: exactly the cascade's training rows and weights (``train_harmful_response.assemble``: 64
gptfuzz training questions, the own refusal corpus, own short answers, ToxiGen seeds, own and
public helpful answers), each in the view the run time gives the encoder: the bounded opening +
ending (:func:`~safeship.detectors._stance.embed_view`) of the window that decided the cascade's
score (the first for most answers). Weights are class-balanced and rescaled to mean 1. The
validation rows (16 gptfuzz questions and the own validation splits) are where the stacker is
fitted (``training.fit_harmful_response_stacker``); per-epoch validation accuracy is printed,
nothing is chosen on it.

Run with the build environment::

    /work/buildenv/bin/python -m training.finetune_harmful_response_encoder [--from-checkpoint]

Writes ``src/safeship/models/harmful_response_encoder/``; then fit the stacker.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from safeship.detectors._stance import embed_view
from safeship.detectors.textmodel import chunk_text
from training.finetune_encoder import ROOT, Recipe, Row, cli

OUT_DIR = ROOT / "src" / "safeship" / "models" / "harmful_response_encoder"
RECIPE = Recipe(
    name="harmful_response",
    max_tokens=160,
    checkpoint=Path.home() / ".cache" / "safeship" / "harmful_response_encoder_ft",
)


def view(text: str) -> str:
    """What the encoder reads of a training answer: the bounded view of its first window."""
    return embed_view(chunk_text(text)[0]) if text else text


def balanced(y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weights whose two classes carry equal mass, rescaled to mean 1."""
    out = weights.astype(float).copy()
    total = out.sum()
    for label in (0, 1):
        mask = y == label
        out[mask] *= total / (2 * weights[mask].sum())
    return out / out.mean()


def rows(data_dir: Path) -> tuple[list[Row], list[Row]]:
    """Training rows with the cascade's weights (class-balanced), and validation rows."""
    from training.train_harmful_response import assemble

    data = assemble(data_dir)
    weights = balanced(data.train_y, data.weights)
    train = [
        (view(t), int(y), float(w))
        for t, y, w in zip(data.train_x, data.train_y, weights, strict=True)
        if t.strip()
    ]
    val = [(view(t), int(y), 1.0) for t, y in zip(data.val_x, data.val_y, strict=True) if t.strip()]
    return train, val


def main(argv: list[str] | None = None) -> int:
    source = "training/finetune_harmful_response_encoder.py on the cascade's training rows (card)"
    return cli(RECIPE, rows, OUT_DIR, source, argv)


if __name__ == "__main__":
    raise SystemExit(main())
