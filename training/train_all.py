"""Rebuild every shipped model artefact with one command: ``make train``.

Order matters for the encoders: the MiniLM ONNX export and the fine-tuned encoders are build steps
with torch, run in a separate environment (``python training/export_minilm.py`` and
``python -m training.finetune_<detector>_encoder`` with ``safeship[build]``); their output is
committed, so this script only reuses it. Each encoder's stacker is refitted right after its
detector's cascade, because it reads the scores that cascade gives (a missing encoder is skipped).
The USE heads (``prompt_injection``'s, ``harmful_request``'s Latin and non-Latin heads and its
hazard head) train on USE embeddings computed here, about a minute each.
Every other detector trains on TRAIN-ALLOWED data
read by path from ``../shared/datasets`` (or ``--data-dir`` / ``$SAFESHIP_DATA``).
"""

from __future__ import annotations

import importlib
import sys
import time

STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("train_injection", ()),
    ("train_injection_use", ()),
    ("train_harmful_request", ()),
    ("fit_harmful_request_stacker", ()),
    ("train_request_form", ()),
    ("train_harmful_request_use", ()),
    ("train_harmful_request_use", ("--scripts",)),
    ("train_harmful_request_use_hazards", ()),
    ("train_toxicity", ()),
    ("fit_toxicity_stacker", ()),
    ("train_refusal", ()),
    ("fit_refusal_stacker", ()),
    ("train_harmful_response", ()),
    ("fit_harmful_response_stacker", ()),
)
"""Each step's module under ``training`` and the arguments it adds to the caller's."""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    for step, extra in STEPS:
        start = time.perf_counter()
        label = " ".join((step, *extra))
        print(f"== {label}", flush=True)
        importlib.import_module(f"training.{step}").main([*args, *extra])
        print(f"== {label} done in {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
