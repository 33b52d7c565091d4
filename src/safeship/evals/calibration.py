"""Pick a detector threshold from labelled data to hit a target false-positive rate.

Blocking benign users is a product harm, so a team states the FPR it can afford on benign traffic
and calibration finds the lowest threshold that stays within it, then reports the recall that
buys. Pure functions over scores and labels; the CLI scores the texts and writes the policy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

DEFAULT_FPRS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)


class OperatingPoint(BaseModel):
    """One threshold and what it does on the labelled set (flag when ``score >= threshold``)."""

    model_config = ConfigDict(frozen=True)

    target_fpr: float
    threshold: float
    fpr: float
    recall: float
    n_benign: int
    n_harmful: int


def operating_point(
    scores: Sequence[float], labels: Sequence[int], target_fpr: float
) -> OperatingPoint:
    """The lowest threshold whose FPR on label-0 rows is at most ``target_fpr``.

    Lower thresholds catch more, so the lowest admissible one maximises recall. With no benign
    rows the FPR constraint is vacuous and the threshold is the lowest score; with no harmful rows
    recall is reported as 0. Raises ``ValueError`` on empty or mismatched input.
    """
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=int)
    if s.size == 0 or s.size != y.size:
        raise ValueError("scores and labels must be non-empty and of equal length")
    if not 0.0 <= target_fpr <= 1.0:
        raise ValueError(f"target FPR must be in [0, 1], got {target_fpr}")
    benign = np.sort(s[y == 0])[::-1]
    harmful = s[y == 1]
    allowed = int(np.floor(target_fpr * benign.size + 1e-9))  # benign rows we may flag
    if benign.size == 0:
        threshold = float(s.min())
    elif allowed >= benign.size:
        threshold = float(min(s.min(), benign[-1]))
    else:
        # just above the (allowed+1)-th highest benign score, so at most `allowed` are flagged
        threshold = float(np.nextafter(benign[allowed], np.inf))
    threshold = min(1.0, max(0.0, threshold))
    fpr = float((benign >= threshold).mean()) if benign.size else 0.0
    recall = float((harmful >= threshold).mean()) if harmful.size else 0.0
    return OperatingPoint(
        target_fpr=target_fpr,
        threshold=threshold,
        fpr=fpr,
        recall=recall,
        n_benign=int(benign.size),
        n_harmful=int(harmful.size),
    )


def tradeoff(
    scores: Sequence[float], labels: Sequence[int], fprs: Sequence[float] = DEFAULT_FPRS
) -> list[OperatingPoint]:
    """The recall bought at each affordable FPR."""
    return [operating_point(scores, labels, f) for f in fprs]
