"""Fit the stacker and band that mix ``refusal``'s cascade with the fine-tuned stance encoder.

The composed validation split shares fragments with training (a model fitted there learns to
trust whichever input memorised them), so the stacker is fitted on
``refusal_handwritten_v6a/v6b.jsonl``: 663 hand-written answers that neither the shipped
cascades (v5) nor the encoder saw. Features: the cascade's final logit (after its stance
combiner) and the encoder's logit (reading each answer with its request when the encoder
does); band and weighting as in :mod:`training.stacker_fit`, with
accuracy as the score and at most ``MAX_COST_SHARE`` of ``COST_ROWS`` (672 helpful answers written
for ``toxicity``, which no refusal model saw; the rule's own cost check uses other answers) sent
to the encoder. (v7's procedure fitted classes unweighted first: its intercept learnt these rows'
60% refusals, +1.6 toward "refused"; balanced weights were chosen on this script's own figures,
before any dev or test row was scored.)

Writes the ``stack`` block into ``ENCODER_DIR/head.json``.

Run: ``PYTHONPATH=. .venv/bin/python -m training.fit_refusal_stacker [--encoder-dir DIR]`` (also
a step of ``training.train_all``, after ``train_refusal``).
"""

from __future__ import annotations

import json

import numpy as np

from safeship.detectors._encoder_opinion import HEAD_FILE, request_view
from safeship.detectors._stance import embed_view
from safeship.detectors.refusal import COMPLIANCE, RefusalDetector, RefusalParams
from safeship.detectors.textmodel import CHUNK_CHARS
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from training.stacker_fit import accuracy, encoder_dir_arg, encoder_logits, fit_and_write
from training.train_refusal import MODELS, load

STACK_ROWS = ("refusal_handwritten_v6a.jsonl", "refusal_handwritten_v6b.jsonl")
COST_ROWS = ("toxicity_answers_v5.jsonl", "toxicity_answers_v5b.jsonl")
# v7 used 0.2 (16.1% here became 26.8% on other answers), v8-v10 0.1. v12-v14 lift the cap: the
# answers a request-reading encoder exists for (implicit refusals) are the ones the cascade is
# *sure* are compliance, outside any band a gateway could afford; and the guard's ``refusal``
# layer runs without embeddings by default, so only the eval scorer pays (its rule bounds that).
MAX_COST_SHARE = 1.0


def _cascade_p(texts: list[str]) -> np.ndarray:
    cascade = RefusalDetector(RefusalParams(encoder=False))
    cache = lambda: FeatureCache(NgramHasher(), LazyEmbedder())  # noqa: E731
    return np.asarray([cascade.probabilities(t, cache())[0] for t in texts])


def main(argv: list[str] | None = None) -> dict[str, object]:
    encoder_dir = encoder_dir_arg(MODELS / "refusal_encoder", argv)
    if encoder_dir is None:
        return {}
    rows = [r for name in STACK_ROWS for r in load(name)]
    texts = [r["response"] for r in rows]
    p = _cascade_p(texts)
    head = json.loads((encoder_dir / HEAD_FILE).read_text(encoding="utf-8"))
    prompts = [r.get("prompt") if head.get("reads_prompt") else None for r in rows]
    views = [
        request_view(q, embed_view(t[:CHUNK_CHARS])) for q, t in zip(prompts, texts, strict=True)
    ]
    z = encoder_logits(encoder_dir, views)
    y = np.asarray([int(r["label"] != COMPLIANCE) for r in rows])
    cost_p = _cascade_p([r["text"] for name in COST_ROWS for r in load(name)])
    return fit_and_write(encoder_dir, (p, z, y), cost_p, MAX_COST_SHARE, accuracy, STACK_ROWS)


if __name__ == "__main__":
    main()
