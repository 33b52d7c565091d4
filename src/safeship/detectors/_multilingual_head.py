"""A logistic head on multilingual (USE) embeddings: how a detector reads non-English text.

The shipped cascades were trained and calibrated on English; their embedding stage (MiniLM)
reads English only. For a text its language gate (:mod:`safeship.text.language_gate`) sends
away from English (``prompt_injection``: eight Latin-script languages, on by default;
``harmful_request``: anything not English, opt-in), a detector with a head here scores it on a
USE multilingual v3 embedding instead (:mod:`safeship.features.multilingual`). The head is a
logistic regression, optionally on one ReLU hidden layer (an MLP, as ``harmful_request``'s
MiniLM stage, when a linear head reads topic rather than intent); its probability is the score
and 0.5 its decision point.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from safeship.errors import ArtefactError
from safeship.features.multilingual import DIM


@dataclass(frozen=True)
class MultilingualHead:
    """``P(positive | USE embedding)``; ``meta`` holds what the training script measured.

    With ``hidden_w`` / ``hidden_b`` the logistic layer reads ``relu(x @ hidden_w + hidden_b)``.
    """

    coef: np.ndarray
    intercept: float
    meta: dict[str, object] = field(default_factory=dict)
    hidden_w: np.ndarray | None = None
    hidden_b: np.ndarray | None = None

    @classmethod
    def load(cls, path: Path) -> MultilingualHead:
        """Read a head written by :meth:`save`; a broken file names itself."""
        try:
            with np.load(path, allow_pickle=False) as data:
                coef = np.asarray(data["coef"], dtype=np.float32).reshape(-1)
                intercept = float(data["intercept"])
                meta = json.loads(str(data["meta"]))
                hidden_w = np.asarray(data["hidden_w"], np.float32) if "hidden_w" in data else None
                hidden_b = np.asarray(data["hidden_b"], np.float32) if "hidden_b" in data else None
        except (OSError, KeyError, ValueError) as exc:
            raise ArtefactError(f"{path}: not a multilingual head ({exc})") from exc
        width = DIM if hidden_w is None else hidden_w.shape[1]
        if hidden_w is not None and (
            hidden_w.shape[0] != DIM or hidden_b is None or hidden_b.shape != (width,)
        ):
            raise ArtefactError(f"{path}: hidden layer of shape {hidden_w.shape} does not fit")
        if coef.shape != (width,):
            raise ArtefactError(f"{path}: coef has shape {coef.shape}, expected ({width},)")
        return cls(coef, intercept, meta, hidden_w, hidden_b)

    def save(self, path: Path) -> None:
        """Write the head (numpy only, no pickle)."""
        arrays: dict[str, object] = {
            "coef": self.coef,
            "intercept": self.intercept,
            "meta": json.dumps(self.meta),
        }
        if self.hidden_w is not None and self.hidden_b is not None:
            arrays.update(hidden_w=self.hidden_w, hidden_b=self.hidden_b)
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """One probability per embedding row."""
        x = embeddings
        if self.hidden_w is not None and self.hidden_b is not None:
            x = np.maximum(x @ self.hidden_w + self.hidden_b, 0.0)
        z = x @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def score(self, embeddings: np.ndarray) -> float:
        """The highest probability over the embedded windows or views of one input."""
        if not len(embeddings):
            return 0.0
        return float(self.probabilities(embeddings).max())
