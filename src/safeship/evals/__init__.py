"""Evaluation harness: suites -> targets -> scored attempts -> honest metrics -> report -> gate.

This first slice holds the pure foundations: suite models and loaders, rates with confidence
intervals, parity, BBQ bias scores, regression tests and the run summary the gate reads.
Parity (Fairlearn) is re-exported lazily, so importing this package stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Attempt": "safeship.evals.metrics",
    "BBQAnswer": "safeship.evals.bias",
    "BBQBias": "safeship.evals.bias",
    "BBQInfo": "safeship.evals.suite",
    "BenignAttempt": "safeship.evals.metrics",
    "Case": "safeship.evals.suite",
    "Expected": "safeship.evals.suite",
    "Outcome": "safeship.evals.metrics",
    "Parity": "safeship.evals.fairness",
    "Rate": "safeship.evals.metrics",
    "RateSet": "safeship.evals.summary",
    "RegressionTest": "safeship.evals.significance",
    "Reply": "safeship.evals.metrics",
    "RunSummary": "safeship.evals.summary",
    "Suite": "safeship.evals.suite",
    "SuiteFormat": "safeship.evals.loading",
    "SuiteRef": "safeship.evals.summary",
    "asr_by_attack": "safeship.evals.metrics",
    "asr_by_category": "safeship.evals.metrics",
    "asr_parity": "safeship.evals.fairness",
    "attack_success_rate": "safeship.evals.metrics",
    "bbq_bias": "safeship.evals.bias",
    "bbq_bias_by_category": "safeship.evals.bias",
    "bootstrap": "safeship.evals.metrics",
    "builtin_suites": "safeship.evals.loading",
    "load_suite": "safeship.evals.loading",
    "over_refusal_parity": "safeship.evals.fairness",
    "over_refusal_rate": "safeship.evals.metrics",
    "parity": "safeship.evals.fairness",
    "rate": "safeship.evals.metrics",
    "register_format": "safeship.evals.loading",
    "regression_test": "safeship.evals.significance",
    "summarise": "safeship.evals.summary",
    "wilson": "safeship.evals.metrics",
}

__all__ = [
    "Attempt",
    "BBQAnswer",
    "BBQBias",
    "BBQInfo",
    "BenignAttempt",
    "Case",
    "Expected",
    "Outcome",
    "Parity",
    "Rate",
    "RateSet",
    "RegressionTest",
    "Reply",
    "RunSummary",
    "Suite",
    "SuiteFormat",
    "SuiteRef",
    "asr_by_attack",
    "asr_by_category",
    "asr_parity",
    "attack_success_rate",
    "bbq_bias",
    "bbq_bias_by_category",
    "bootstrap",
    "builtin_suites",
    "load_suite",
    "over_refusal_parity",
    "over_refusal_rate",
    "parity",
    "rate",
    "register_format",
    "regression_test",
    "summarise",
    "wilson",
]

if TYPE_CHECKING:
    from safeship.evals.bias import BBQAnswer, BBQBias, bbq_bias, bbq_bias_by_category
    from safeship.evals.fairness import Parity, asr_parity, over_refusal_parity, parity
    from safeship.evals.loading import SuiteFormat, builtin_suites, load_suite, register_format
    from safeship.evals.metrics import (
        Attempt,
        BenignAttempt,
        Outcome,
        Rate,
        Reply,
        asr_by_attack,
        asr_by_category,
        attack_success_rate,
        bootstrap,
        over_refusal_rate,
        rate,
        wilson,
    )
    from safeship.evals.significance import RegressionTest, regression_test
    from safeship.evals.suite import BBQInfo, Case, Expected, Suite
    from safeship.evals.summary import RateSet, RunSummary, SuiteRef, summarise


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (keeps ``import safeship.evals`` cheap)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'safeship.evals' has no attribute {name!r}")
    return getattr(import_module(module), name)
