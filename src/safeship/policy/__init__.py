"""Policy: the YAML schema, its loader with located errors, and the pure decision engine."""

from safeship.policy.load import LoadedPolicy, load_policy, parse_policy
from safeship.policy.schema import DetectorSpec, FeaturePolicy, Policy, Rule

__all__ = [
    "DetectorSpec",
    "FeaturePolicy",
    "LoadedPolicy",
    "Policy",
    "Rule",
    "load_policy",
    "parse_policy",
]
