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

import argparse
import json
from pathlib import Path

import numpy as np

from safeship.detectors.harmful_request import (
    DEFAULT_ENCODER,
    HarmfulRequestDetector,
    HarmfulRequestParams,
)
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from safeship.text.normalise import normalise
from training.stacker_fit import balanced_accuracy, encoder_logits, encoder_present, fit_and_write

DATA = Path(__file__).resolve().parent / "data"
STACK_ROWS = ("harmful_request_v8.jsonl", "harmful_request_v10.jsonl")
COST_ROWS = "ordinary_questions_v9.jsonl"
MAX_COST_SHARE = 0.15


def _load(name: str) -> list[tuple[str, int]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [(str(r["text"]), int(r["label"])) for r in map(json.loads, fh)]


def scores_and_windows(texts: list[str]) -> tuple[np.ndarray, list[str]]:
    """The detector's score without the encoder, and the window that decided it."""
    det = HarmfulRequestDetector(HarmfulRequestParams(encoder=False))
    embedder = LazyEmbedder()
    p, windows = [], []
    for text in texts:
        views = tuple(v for v in normalise(text).views if v.strip()) or (text,)
        score, window, _ = det.cascade_window(views, FeatureCache(NgramHasher(), embedder))
        p.append(score)
        windows.append(window)
    return np.asarray(p), windows


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder-dir", type=Path, default=DEFAULT_ENCODER)
    ap.add_argument("--data-dir", type=Path, help="unused (own data only); accepted for train_all")
    encoder_dir: Path = ap.parse_args(argv).encoder_dir
    if not encoder_present(encoder_dir):
        return {}
    rows = [r for name in STACK_ROWS for r in _load(name)]
    p, windows = scores_and_windows([t for t, _ in rows])
    z = encoder_logits(encoder_dir, windows)
    y = np.asarray([label for _, label in rows])
    cost_p, _ = scores_and_windows([t for t, _ in _load(COST_ROWS)])
    return fit_and_write(
        encoder_dir, (p, z, y), cost_p, MAX_COST_SHARE, balanced_accuracy, STACK_ROWS
    )


if __name__ == "__main__":
    main()
