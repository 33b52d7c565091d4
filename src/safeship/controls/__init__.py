"""Runtime controls on the request path: rate limits and quotas, escalation, feature flags.

Each control is in-memory by default and Redis-backed when several replicas must agree; each
turns a storage failure into an explicit, counted fallback instead of an exception.
"""

from safeship.controls.escalation import (
    EscalationPolicy,
    EscalationState,
    Escalator,
    Level,
    MemoryViolationStore,
    RedisViolationStore,
    ViolationStore,
)
from safeship.controls.flags import (
    GLOBAL,
    Assignment,
    FeatureFlag,
    FeatureFlags,
    FlagStore,
    MemoryFlagStore,
    RedisFlagStore,
    assign,
    bucket_of,
)
from safeship.controls.limits import (
    LimitDecision,
    LimiterStats,
    LimitRule,
    RateLimiter,
    Subject,
)

__all__ = [
    "Assignment",
    "EscalationPolicy",
    "EscalationState",
    "Escalator",
    "FeatureFlag",
    "FeatureFlags",
    "FlagStore",
    "GLOBAL",
    "Level",
    "LimitDecision",
    "LimitRule",
    "LimiterStats",
    "MemoryFlagStore",
    "MemoryViolationStore",
    "RateLimiter",
    "RedisFlagStore",
    "RedisViolationStore",
    "Subject",
    "ViolationStore",
    "assign",
    "bucket_of",
]
