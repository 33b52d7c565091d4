"""Evaluation harness: suites -> targets -> scored attempts -> honest metrics -> report -> gate.

Foundations: suite models and loaders, rates with confidence intervals, parity, BBQ bias
scores, regression tests and the run summary the gate reads. Second slice: targets (spec
strings -> async ``Target``), seeded attack transforms and detector-backed scorers.
Parity (Fairlearn) is re-exported lazily, so importing this package stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Attack": "safeship.evals.attacks",
    "Attempt": "safeship.evals.metrics",
    "BBQAnswer": "safeship.evals.bias",
    "BBQBias": "safeship.evals.bias",
    "BBQInfo": "safeship.evals.suite",
    "BenignAttempt": "safeship.evals.metrics",
    "CanaryLeakScorer": "safeship.evals.scorers",
    "Case": "safeship.evals.suite",
    "Expected": "safeship.evals.suite",
    "LLMJudgeScorer": "safeship.evals.judge",
    "Outcome": "safeship.evals.metrics",
    "Parity": "safeship.evals.fairness",
    "Rate": "safeship.evals.metrics",
    "RateSet": "safeship.evals.summary",
    "RefusalScorer": "safeship.evals.scorers",
    "RegressionTest": "safeship.evals.significance",
    "Reply": "safeship.evals.metrics",
    "RunSummary": "safeship.evals.summary",
    "Score": "safeship.evals.scorers",
    "Suite": "safeship.evals.suite",
    "SuiteFormat": "safeship.evals.loading",
    "SuiteRef": "safeship.evals.summary",
    "Target": "safeship.evals.targets",
    "TargetReply": "safeship.evals.targets",
    "asr_by_attack": "safeship.evals.metrics",
    "asr_by_category": "safeship.evals.metrics",
    "asr_parity": "safeship.evals.fairness",
    "attack_success_rate": "safeship.evals.metrics",
    "bbq_bias": "safeship.evals.bias",
    "bbq_bias_by_category": "safeship.evals.bias",
    "bootstrap": "safeship.evals.metrics",
    "builtin_suites": "safeship.evals.loading",
    "compose": "safeship.evals.attacks",
    "load_suite": "safeship.evals.loading",
    "over_refusal_parity": "safeship.evals.fairness",
    "over_refusal_rate": "safeship.evals.metrics",
    "parity": "safeship.evals.fairness",
    "parse_target": "safeship.evals.targets",
    "rate": "safeship.evals.metrics",
    "register_format": "safeship.evals.loading",
    "regression_test": "safeship.evals.significance",
    "summarise": "safeship.evals.summary",
    "to_attempt": "safeship.evals.scorers",
    "to_benign_attempt": "safeship.evals.scorers",
    "wilson": "safeship.evals.metrics",
}

__all__ = [
    "Attack",
    "Attempt",
    "BBQAnswer",
    "BBQBias",
    "BBQInfo",
    "BenignAttempt",
    "CanaryLeakScorer",
    "Case",
    "Expected",
    "LLMJudgeScorer",
    "Outcome",
    "Parity",
    "Rate",
    "RateSet",
    "RefusalScorer",
    "RegressionTest",
    "Reply",
    "RunSummary",
    "Score",
    "Suite",
    "SuiteFormat",
    "SuiteRef",
    "Target",
    "TargetReply",
    "asr_by_attack",
    "asr_by_category",
    "asr_parity",
    "attack_success_rate",
    "bbq_bias",
    "bbq_bias_by_category",
    "bootstrap",
    "builtin_suites",
    "compose",
    "load_suite",
    "over_refusal_parity",
    "over_refusal_rate",
    "parity",
    "parse_target",
    "rate",
    "register_format",
    "regression_test",
    "summarise",
    "to_attempt",
    "to_benign_attempt",
    "wilson",
]

if TYPE_CHECKING:
    from safeship.evals.attacks import Attack, compose
    from safeship.evals.bias import BBQAnswer, BBQBias, bbq_bias, bbq_bias_by_category
    from safeship.evals.fairness import Parity, asr_parity, over_refusal_parity, parity
    from safeship.evals.judge import LLMJudgeScorer
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
    from safeship.evals.scorers import (
        CanaryLeakScorer,
        RefusalScorer,
        Score,
        to_attempt,
        to_benign_attempt,
    )
    from safeship.evals.significance import RegressionTest, regression_test
    from safeship.evals.suite import BBQInfo, Case, Expected, Suite
    from safeship.evals.summary import RateSet, RunSummary, SuiteRef, summarise
    from safeship.evals.targets import Target, TargetReply, parse_target


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (keeps ``import safeship.evals`` cheap)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'safeship.evals' has no attribute {name!r}")
    return getattr(import_module(module), name)
