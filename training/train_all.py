"""Rebuild every shipped model artefact with one command: ``make train``.

Order matters for the encoders: the MiniLM ONNX export and the fine-tuned encoders are build steps
with torch, run in a separate environment (``python training/export_minilm.py`` and
``python -m training.finetune_<detector>_encoder`` with ``safeship[build]``); their output is
committed, so this script only reuses it. Each encoder's stacker is refitted right after its
detector's cascade, because it reads the scores that cascade gives (a missing encoder is skipped).
Every other detector trains on TRAIN-ALLOWED data
read by path from ``../shared/datasets`` (or ``--data-dir`` / ``$SAFESHIP_DATA``).
"""

from __future__ import annotations

import importlib
import sys
import time

STEPS = (
    "train_injection",
    "train_harmful_request",
    "fit_harmful_request_stacker",
    "train_toxicity",
    "fit_toxicity_stacker",
    "train_refusal",
    "fit_refusal_stacker",
    "train_harmful_response",
    "fit_harmful_response_stacker",
)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    for step in STEPS:
        start = time.perf_counter()
        print(f"== {step}", flush=True)
        importlib.import_module(f"training.{step}").main(args)
        print(f"== {step} done in {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
