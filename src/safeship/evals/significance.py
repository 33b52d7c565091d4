"""Whether a rate is worse in a candidate run than in a baseline run, beyond chance.

A gate that fails on any increase would flap on noise; one that never compares would let real
regressions through. We test the one-sided hypothesis "candidate rate > baseline rate" (for a
rate where higher is worse, like ASR or over-refusal) with Fisher's exact test, exact at the
small n of per-category figures, or a pooled two-proportion z-test for large runs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict
from scipy.stats import fisher_exact
from statsmodels.stats.proportion import proportions_ztest

from safeship.evals.metrics import Rate

TestMethod = Literal["fisher", "z"]


class RegressionTest(BaseModel):
    """Outcome of comparing one rate between two runs.

    ``p_value`` is ``None`` when either run has no valid trials: nothing can be concluded, and
    ``significant`` is then ``False``; gates that need evidence check ``p_value`` themselves.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    baseline: Rate
    candidate: Rate
    delta: float | None
    p_value: float | None
    alpha: float
    method: TestMethod
    significant: bool


def _p_fisher(kc: int, nc: int, kb: int, nb: int) -> float:
    table = [[kc, nc - kc], [kb, nb - kb]]
    return float(fisher_exact(table, alternative="greater").pvalue)


def _p_z(kc: int, nc: int, kb: int, nb: int) -> float:
    pooled = (kc + kb) / (nc + nb)
    if pooled in (0.0, 1.0):
        return 1.0  # both runs all-0 or all-1: no difference to detect, and the z is 0/0
    _, p = proportions_ztest([kc, kb], [nc, nb], alternative="larger")
    return float(p)


_TESTS = {"fisher": _p_fisher, "z": _p_z}


def regression_test(
    baseline: Rate, candidate: Rate, *, alpha: float = 0.05, method: TestMethod = "fisher"
) -> RegressionTest:
    """One-sided test that ``candidate`` has a higher rate than ``baseline`` (higher is worse)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if baseline.n == 0 or candidate.n == 0:
        return RegressionTest(
            baseline=baseline,
            candidate=candidate,
            delta=None,
            p_value=None,
            alpha=alpha,
            method=method,
            significant=False,
        )
    p = _TESTS[method](candidate.k, candidate.n, baseline.k, baseline.n)
    delta = candidate.k / candidate.n - baseline.k / baseline.n
    return RegressionTest(
        baseline=baseline,
        candidate=candidate,
        delta=delta,
        p_value=p,
        alpha=alpha,
        method=method,
        significant=p < alpha,
    )
