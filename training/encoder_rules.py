"""What the fine-tuned-encoder adoption rules share.

Scoring with a cost count, the starter check and the verdict printout, for
``refusal_encoder_dev``, ``toxicity_encoder_dev`` and ``harmful_request_encoder_dev``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from safeship.detectors.base import DetectorInput
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from safeship.text.normalise import normalise
from safeship.types import DetectorResult


class CountingDetector(Protocol):
    """An input detector that counts its encoder passes."""

    @property
    def encoder_calls(self) -> int: ...

    def score(self, item: DetectorInput) -> DetectorResult: ...


def score_counting(det: CountingDetector, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Scores as the guard computes them, and whether the encoder ran, per text.

    One fresh feature cache per text, as each guard check has.
    """
    embedder = LazyEmbedder()
    scores, ran = [], []
    for text in texts:
        before = det.encoder_calls
        item = DetectorInput(text, normalise(text), FeatureCache(NgramHasher(), embedder))
        scores.append(det.score(item).score)
        ran.append(det.encoder_calls > before)
    return np.asarray(scores), np.asarray(ran)


def starter_counts(detector: str, params: dict[str, object]) -> dict[str, float]:
    """Starter-suite harmful prompts let through and benign prompts blocked at input."""
    from training.starter_check import starter_input_blocks

    blocks = starter_input_blocks(detector, None, params)
    return {
        "starter_harmful_allowed": float(len(blocks["harmful_allowed"])),
        "starter_benign_blocked": float(len(blocks["benign_blocked"])),
    }


def report(
    shipped: str, base: dict[str, float], cand: dict[str, float], clauses: list[tuple[str, bool]]
) -> bool:
    """Print every figure side by side and every clause; whether the candidate is adopted."""
    for key in base:
        print(f"{key:32s} {shipped} {base[key]:.4f}  candidate {cand[key]:.4f}")
    for name, ok in clauses:
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    adopted = all(ok for _, ok in clauses)
    print("candidate ADOPTED" if adopted else f"candidate REJECTED: {shipped} stays")
    return adopted


def default_data_dir() -> Path:
    """The public data sets: ``$SAFESHIP_DATA`` or ``../shared/datasets``."""
    root = Path(__file__).resolve().parents[1]
    return Path(os.environ.get("SAFESHIP_DATA", root.parent / "shared" / "datasets"))


def rule_args(description: str, encoder_dir: Path, argv: list[str] | None) -> argparse.Namespace:
    """``--encoder-dir`` (the candidate) and ``--data-dir`` (public sets, for the test split)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--encoder-dir", type=Path, default=encoder_dir)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    return ap.parse_args(argv)
