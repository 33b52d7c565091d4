"""Fit the stacker and band that mix ``harmful_response``'s score with its fine-tuned encoder.

Rows: the trainer's validation rows (``train_harmful_response.assemble``: 16 gptfuzz questions
and the own validation splits), which neither the cascade nor the encoder was trained on. The
cascade's stance combiner was fitted on the same rows, so its probability there is slightly
optimistic and the stacker, if anything, under-trusts the encoder. Features: the logit of the
detector's probability without the encoder, and the encoder's logit on the bounded view of the
window that decided that probability. Band and weighting as in :mod:`training.stacker_fit`, with
balanced accuracy as the score (the rows' label mix is their writers' choice) and at most
``MAX_COST_SHARE`` of ``COST_ROWS`` (672 helpful answers written for ``toxicity``, which no
harmful_response model saw; the rule's own cost check uses their separate dev set) sent to the
encoder.

Writes the ``stack`` block into ``ENCODER_DIR/head.json``.

Run: ``PYTHONPATH=. .venv/bin/python -m training.fit_harmful_response_stacker [--encoder-dir DIR]``
(also a step of ``training.train_all``, after ``train_harmful_response``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from safeship.detectors._stance import embed_view
from safeship.detectors.harmful_response import HarmfulResponseDetector, HarmfulResponseParams
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from training.encoder_rules import default_data_dir
from training.stacker_fit import balanced_accuracy, encoder_dir_arg, encoder_logits, fit_and_write
from training.train_refusal import MODELS, load

COST_ROWS = ("toxicity_answers_v5.jsonl", "toxicity_answers_v5b.jsonl")
MAX_COST_SHARE = 0.1


def cascade_scores(texts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """The detector's probability without its encoder, and the view the encoder would read."""
    det = HarmfulResponseDetector(HarmfulResponseParams(encoder=False))
    embedder = LazyEmbedder()
    p, views = [], []
    for text in texts:
        cache = FeatureCache(NgramHasher(), embedder)
        p.append(det.probability(text, cache))
        views.append(embed_view(det.deciding_window(text, cache)[1]) if text.strip() else text)
    return np.asarray(p), views


def main(argv: list[str] | None = None) -> dict[str, object]:
    from training.train_harmful_response import assemble

    encoder_dir = encoder_dir_arg(MODELS / "harmful_response_encoder", argv)
    if encoder_dir is None:
        return {}
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--data-dir", type=Path, default=default_data_dir())
    data = assemble(extra.parse_known_args(argv)[0].data_dir)
    keep = [i for i, t in enumerate(data.val_x) if t.strip()]
    p, views = cascade_scores([data.val_x[i] for i in keep])
    z = encoder_logits(encoder_dir, views)
    y = data.val_y[keep]
    cost_p, _ = cascade_scores([str(r["text"]) for name in COST_ROWS for r in load(name)])
    fitted_on = ("train_harmful_response.assemble validation rows",)
    return fit_and_write(
        encoder_dir, (p, z, y), cost_p, MAX_COST_SHARE, balanced_accuracy, fitted_on
    )


if __name__ == "__main__":
    main()
