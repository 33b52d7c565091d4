"""A window-scorer double: its logits are written in the windows themselves.

Why: how a detector picks, weighs and ranks windows (``best_window``, stage-2 budgets, weights)
is easiest to test when each window says what it scores: ``"w3 ..."`` has logit 3. The double
also records which windows paid for scoring, so a test can check a stage-2 budget.
"""

from __future__ import annotations

import numpy as np

from safeship.detectors.textmodel import sigmoid
from safeship.features.cache import FeatureCache
from safeship.features.hashing import CountRows


class FirstWordScorer:
    """Scores a window by its first word (``"w3 ..."`` -> logit 3); records what it scored.

    Args:
        ranked: The windows ``stage1_logits`` is asked about, in order (its hashed counts do not
            say which); ``None`` if a test must never rank (then ranking raises).
    """

    def __init__(self, ranked: list[str] | None = None) -> None:
        self.ranked = ranked
        self.scored: list[str] = []

    @staticmethod
    def _z(texts: list[str]) -> np.ndarray:
        return np.array([float(t.split()[0][1:]) for t in texts])

    def stage1_logits(self, counts: CountRows) -> np.ndarray:
        """The logits of ``ranked`` (the windows being ranked for stage 2)."""
        if self.ranked is None:
            raise AssertionError("this test expects no stage-2 ranking")
        return self._z(self.ranked)

    def score_texts(self, texts: list[str], features: FeatureCache) -> tuple[np.ndarray, int]:
        """Each window's probability; no stage 2."""
        self.scored += texts
        return sigmoid(self._z(texts)), 0

    def score(self, text: str, features: FeatureCache) -> float:
        """One text's probability."""
        return float(self.score_texts([text], features)[0][0])
