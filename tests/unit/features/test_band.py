"""The stage-2 band rule used by training: narrowest band that keeps decisions."""

from __future__ import annotations

import numpy as np
from training.cascade_fit import narrowest_agreeing_band


def test_narrowest_band_keeps_decisions() -> None:
    rng = np.random.default_rng(0)
    p1 = rng.uniform(0, 1, 2000)
    # stage 2 only disagrees with stage 1 close to the decision point
    p_full = np.where(np.abs(p1 - 0.5) < 0.12, 1 - p1, p1)
    band = narrowest_agreeing_band(p1, p_full, min_agreement=1.0)
    assert band == (0.25, 0.75)  # narrowest candidate still covering |p1 - 0.5| < 0.12
    mask = (p1 >= band[0]) & (p1 <= band[1])
    assert ((np.where(mask, p_full, p1) >= 0.5) == (p_full >= 0.5)).all()


def test_falls_back_to_widest_when_nothing_agrees() -> None:
    p1 = np.linspace(0, 1, 101)
    p_full = 1 - p1  # stage 2 disagrees everywhere
    assert narrowest_agreeing_band(p1, p_full) == (0.02, 0.98)


def test_budget_never_widens_past_the_latency_band() -> None:
    from training.cascade_fit import STAGE2_BUDGET

    p1 = np.linspace(0, 1, 101)
    p_full = 1 - p1  # nothing agrees: the fallback is the widest band of the budget
    assert narrowest_agreeing_band(p1, p_full, STAGE2_BUDGET) == (0.15, 0.85)
    assert all(lo >= 0.15 and hi <= 0.85 for lo, hi in STAGE2_BUDGET)
