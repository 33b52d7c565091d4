"""Rebuild every shipped model artefact with one command: ``make train``.

Order matters only for the embedder: the MiniLM ONNX export is a build step with torch, run in a
separate environment (``python training/export_minilm.py`` with ``safeship[build]``); its output
is committed, so this script only reuses it. Every other detector trains on TRAIN-ALLOWED data
read by path from ``../shared/datasets`` (or ``--data-dir`` / ``$SAFESHIP_DATA``).
"""

from __future__ import annotations

import importlib
import sys
import time

STEPS = (
    "train_injection",
    "train_harmful_request",
    "train_toxicity",
    "train_refusal",
    "train_harmful_response",
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
