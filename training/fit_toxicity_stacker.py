"""Fit the stacker and band that mix ``toxicity``'s score with its fine-tuned encoder.

Fitted on rows no toxicity model was trained on: ``toxicity_messages_v8.jsonl`` (260 toxic texts
typed as messages and 130 civil twins; rejected as training data for v8, kept) and the 451 benign
messages of ``injection_casual_messages.jsonl`` (rejected for v7, kept). Features: the logit of the
detector's score without the encoder (the best window's) and the encoder's logit on that window;
band and weighting as in :mod:`training.stacker_fit`, scored by balanced accuracy (the rows are
two-thirds benign), with at most ``MAX_COST_SHARE`` of ``COST_ROWS`` (201 benign prompts on
sensitive topics, never trained on by toxicity; the rule's own cost checks use other texts) sent
to the encoder.

Writes the ``stack`` block into ``ENCODER_DIR/head.json``.

Run: ``PYTHONPATH=. .venv/bin/python -m training.fit_toxicity_stacker [--encoder-dir DIR]`` (also
a step of ``training.train_all``, after ``train_toxicity``).
"""

from __future__ import annotations

from safeship.detectors.toxicity import DEFAULT_ENCODER, ToxicityDetector, ToxicityParams
from training.stacker_fit import encoder_dir_arg, fit_input_stacker
from training.train_refusal import load as _load

STACK_ROWS = ("toxicity_messages_v8.jsonl", "injection_casual_messages.jsonl")
COST_ROWS = "benign_sensitive_v7_dev.jsonl"
MAX_COST_SHARE = 0.15


def stack_rows() -> list[tuple[str, int]]:
    """``(text, toxic)``; the casual messages' injection attacks are left out (not our label)."""
    toxic = [(str(r["text"]), int(str(r["label"]))) for r in _load(STACK_ROWS[0])]
    casual = [(str(r["text"]), 0) for r in _load(STACK_ROWS[1]) if int(str(r["label"])) == 0]
    return toxic + casual


def main(argv: list[str] | None = None) -> dict[str, object]:
    encoder_dir = encoder_dir_arg(DEFAULT_ENCODER, argv)
    if encoder_dir is None:
        return {}
    cost = [str(r["text"]) for r in _load(COST_ROWS) if int(str(r["label"])) == 0]
    det = ToxicityDetector(ToxicityParams(encoder=False))
    return fit_input_stacker(
        det.cascade_window, encoder_dir, stack_rows(), cost, MAX_COST_SHARE, STACK_ROWS
    )


if __name__ == "__main__":
    main()
