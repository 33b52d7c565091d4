"""A hazard head on multilingual (USE) embeddings: which hazard a routed harmful request is.

``harmful_request`` splits its score over the hazard taxonomy (:mod:`safeship.detectors.hazards`)
so a policy can answer a self-harm request with crisis resources and a weapons request with
what it can help with instead. Its hazard head reads MiniLM embeddings, which are English only:
on text the detector routes to its USE heads it named the right hazard about one time in six.
This head reads the USE embedding the routed text already has (memoised per check), so the
category costs a matrix product.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from safeship.errors import ArtefactError
from safeship.features.multilingual import DIM


@dataclass(frozen=True)
class UseHazardHead:
    """Softmax over ``classes`` of ``x @ coef.T + intercept``; ``meta`` holds training figures."""

    classes: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray
    meta: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> UseHazardHead:
        """Read a head written by :meth:`save`; a broken file names itself."""
        try:
            with np.load(path, allow_pickle=False) as data:
                coef = np.asarray(data["coef"], dtype=np.float32)
                intercept = np.asarray(data["intercept"], dtype=np.float32).reshape(-1)
                meta = json.loads(str(data["meta"]))
            classes = tuple(str(c) for c in meta["classes"])
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ArtefactError(f"{path}: not a USE hazard head ({exc})") from exc
        if coef.shape != (len(classes), DIM) or intercept.shape != (len(classes),):
            raise ArtefactError(
                f"{path}: coef {coef.shape} / intercept {intercept.shape} do not fit "
                f"{len(classes)} classes of {DIM} dimensions"
            )
        return cls(classes, coef, intercept, meta)

    def save(self, path: Path) -> None:
        """Write the head (numpy only, no pickle); the classes travel in ``meta``."""
        meta = {**self.meta, "classes": list(self.classes)}
        np.savez_compressed(
            path, coef=self.coef, intercept=self.intercept, meta=np.array(json.dumps(meta))
        )

    def categories(self, embedding: np.ndarray) -> dict[str, float]:
        """``P(hazard | harmful)`` for one embedding row."""
        logits = embedding.reshape(-1) @ self.coef.T + self.intercept
        logits = logits - logits.max()
        probs = np.exp(logits)
        probs /= probs.sum()
        return {c: float(p) for c, p in zip(self.classes, probs, strict=True)}
