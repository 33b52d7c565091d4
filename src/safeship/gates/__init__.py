"""Gates: pure verdicts over evaluation reports (launch now; rollout gates later)."""

from __future__ import annotations

from safeship.gates.launch import (
    AsrLimits,
    GateConfig,
    GateResult,
    RegressionRule,
    RuleResult,
    evaluate_gate,
    load_gate_config,
)

__all__ = [
    "AsrLimits",
    "GateConfig",
    "GateResult",
    "RegressionRule",
    "RuleResult",
    "evaluate_gate",
    "load_gate_config",
]
