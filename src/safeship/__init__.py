"""safeship: safety engineering for AI features.

The public API is re-exported here and resolved lazily, so ``import safeship`` stays fast and a
program pays for numpy, scipy and onnxruntime only when it builds a guard.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Action": "safeship.types",
    "BaseDetector": "safeship.detectors.base",
    "Decision": "safeship.types",
    "DetectorInput": "safeship.detectors.base",
    "DetectorParams": "safeship.detectors.base",
    "DetectorResult": "safeship.types",
    "Finding": "safeship.types",
    "Guard": "safeship.guard",
    "GuardContext": "safeship.guard",
    "Message": "safeship.types",
    "Policy": "safeship.policy.schema",
    "PolicyError": "safeship.errors",
    "Refusal": "safeship.types",
    "SafeshipError": "safeship.errors",
    "Scanner": "safeship.scan",
    "Stage": "safeship.types",
    "TrustTier": "safeship.types",
    "detectors": "safeship.detectors.base",
    "forwardable": "safeship.forwarding",
    "load_policy": "safeship.policy.load",
}

__all__ = [
    "Action",
    "BaseDetector",
    "Decision",
    "DetectorInput",
    "DetectorParams",
    "DetectorResult",
    "Finding",
    "Guard",
    "GuardContext",
    "Message",
    "Policy",
    "PolicyError",
    "Refusal",
    "SafeshipError",
    "Scanner",
    "Stage",
    "TrustTier",
    "detectors",
    "forwardable",
    "load_policy",
]

if TYPE_CHECKING:
    from safeship.detectors.base import BaseDetector, DetectorInput, DetectorParams, detectors
    from safeship.errors import PolicyError, SafeshipError
    from safeship.forwarding import forwardable
    from safeship.guard import Guard, GuardContext
    from safeship.policy.load import load_policy
    from safeship.policy.schema import Policy
    from safeship.scan import Scanner
    from safeship.types import (
        Action,
        Decision,
        DetectorResult,
        Finding,
        Message,
        Refusal,
        Stage,
        TrustTier,
    )


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'safeship' has no attribute {name!r}")
