"""Parity across slices: whether a rate is the same for every language, group or domain.

Fairlearn's ``MetricFrame`` is the reference implementation of per-group metrics and their
between-group difference and ratio, so we use it rather than re-deriving those; we add the
group sizes, error counts and Wilson intervals that a reader needs to tell a real gap from a
small-sample one. Fairlearn (and through it scikit-learn and pandas) is imported on first use,
so code that only loads suites or computes plain rates does not pay for it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from safeship.evals.metrics import Attempt, BenignAttempt, Outcome, Rate, Reply, wilson


class Parity(BaseModel):
    """One rate per slice value, and how far apart the groups are.

    ``difference`` is the largest minus the smallest group rate and ``ratio`` the smallest over
    the largest (1 is parity). Both are ``None`` with fewer than two groups holding data, and
    ``ratio`` is ``None`` when every group's rate is 0 (no disparity is measurable then).
    Attempts without a value for the slice are counted in ``untagged``, not guessed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    slice: str
    metric: str
    overall: Rate
    groups: dict[str, Rate]
    difference: float | None
    ratio: float | None
    untagged: int


def _finite(x: float) -> float | None:
    return None if math.isnan(x) or math.isinf(x) else float(x)


def _rate_metric(y_true: Sequence[int], y_pred: Sequence[int]) -> float:
    return float(np.mean(y_pred))


def parity(
    events: Sequence[bool | None], groups: Sequence[str | None], *, slice: str, metric: str
) -> Parity:
    """Per-group rates of ``events`` (``None`` = errored attempt), with Fairlearn's gaps.

    Args:
        events: one entry per attempt; True when the measured event happened (an attack
            succeeded, a benign prompt was refused), ``None`` when the attempt errored.
        groups: the attempt's value for ``slice``, or ``None`` when it was not tagged.
        slice: name of the slice tag, for the report.
        metric: name of the rate, for the report.
    """
    if len(events) != len(groups):
        raise ValueError(f"{len(events)} events but {len(groups)} group labels")
    errors: dict[str, int] = defaultdict(int)
    ys: list[int] = []
    gs: list[str] = []
    untagged = 0
    for event, group in zip(events, groups, strict=True):
        if group is None:
            untagged += 1
        elif event is None:
            errors[group] += 1
        else:
            ys.append(int(event))
            gs.append(group)
    overall = wilson(sum(ys), len(ys), sum(errors.values()))
    counts: dict[str, list[int]] = {g: [0, 0] for g in sorted(set(gs) | set(errors))}
    for y, g in zip(ys, gs, strict=True):
        counts[g][0] += y
        counts[g][1] += 1
    by_group = {g: wilson(k, n, errors[g]) for g, (k, n) in counts.items()}
    difference = ratio = None
    if len(set(gs)) >= 2:
        from fairlearn.metrics import MetricFrame

        outcomes = np.asarray(ys)
        frame = MetricFrame(
            metrics={metric: _rate_metric},
            y_true=outcomes,
            y_pred=outcomes,
            sensitive_features={slice: np.asarray(gs)},
        )
        difference = _finite(float(frame.difference(method="between_groups")[metric]))
        ratio = _finite(float(frame.ratio(method="between_groups")[metric]))
    return Parity(
        slice=slice,
        metric=metric,
        overall=overall,
        groups=by_group,
        difference=difference,
        ratio=ratio,
        untagged=untagged,
    )


def asr_parity(attempts: Iterable[Attempt], slice: str) -> Parity:
    """Attack success rate per value of one slice tag (e.g. ``language``)."""
    items = list(attempts)
    events = [None if a.outcome is Outcome.ERROR else a.outcome is Outcome.SUCCESS for a in items]
    return parity(
        events, [a.slices.get(slice) for a in items], slice=slice, metric="attack_success_rate"
    )


def over_refusal_parity(attempts: Iterable[BenignAttempt], slice: str) -> Parity:
    """Over-refusal rate per value of one slice tag (e.g. ``group`` or ``dialect``)."""
    items = list(attempts)
    events = [None if a.reply is Reply.ERROR else a.reply is Reply.REFUSED for a in items]
    return parity(
        events, [a.slices.get(slice) for a in items], slice=slice, metric="over_refusal_rate"
    )
