"""Red-team attack transforms: seeded, composable, registered by name.

``compose("base64+roleplay").apply(case, seed)`` gives the attacked case. Built-ins register on
import exactly as a plugin module would, with :func:`register_attack`.
"""

from __future__ import annotations

from safeship.evals.attacks import encoding, framing, multiturn  # noqa: F401  (registers)
from safeship.evals.attacks._base import (
    ATTACKS,
    Attack,
    AttackFn,
    compose,
    register_attack,
    request_text,
    with_request,
)

__all__ = [
    "ATTACKS",
    "Attack",
    "AttackFn",
    "compose",
    "register_attack",
    "request_text",
    "with_request",
]
