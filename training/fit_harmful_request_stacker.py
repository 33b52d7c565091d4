"""Fit the stacker and band that mix ``harmful_request``'s score with its fine-tuned encoder.

Fitted on rows no harmful_request model was trained on: ``harmful_request_v8.jsonl`` (261 harmful
requests in everyday words, 208 benign twins) and ``harmful_request_v10.jsonl`` (220 calm
red-team-style requests, 220 benign twins); both were tried as training data and rejected by
their rules, and kept. Features: the logit of the detector's score without the encoder (the
deciding window's) and the encoder's logit on that window; band and weighting as in
:mod:`training.stacker_fit`, scored by balanced accuracy, with at most ``MAX_COST_SHARE`` of
``COST_ROWS`` (526 plain service and everyday questions, never trained on; the rule's cost check
uses their separately written dev sibling) sent to the encoder.

Writes the ``stack`` block into ``ENCODER_DIR/head.json``.

Run: ``PYTHONPATH=. .venv/bin/python -m training.fit_harmful_request_stacker [--encoder-dir DIR]``
(also a step of ``training.train_all``, after ``train_harmful_request``).
"""

from __future__ import annotations

from safeship.detectors.harmful_request import (
    DEFAULT_ENCODER,
    HarmfulRequestDetector,
    HarmfulRequestParams,
)
from training.stacker_fit import encoder_dir_arg, fit_input_stacker
from training.train_refusal import load

STACK_ROWS = ("harmful_request_v8.jsonl", "harmful_request_v10.jsonl")
COST_ROWS = "ordinary_questions_v9.jsonl"
MAX_COST_SHARE = 0.15


def _load(name: str) -> list[tuple[str, int]]:
    return [(str(r["text"]), int(r["label"])) for r in load(name)]


def main(argv: list[str] | None = None) -> dict[str, object]:
    encoder_dir = encoder_dir_arg(DEFAULT_ENCODER, argv)
    if encoder_dir is None:
        return {}
    rows = [r for name in STACK_ROWS for r in _load(name)]
    cost = [text for text, _ in _load(COST_ROWS)]
    det = HarmfulRequestDetector(HarmfulRequestParams(encoder=False))
    return fit_input_stacker(
        det.cascade_window, encoder_dir, rows, cost, MAX_COST_SHARE, STACK_ROWS
    )


if __name__ == "__main__":
    main()
