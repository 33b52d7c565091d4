"""The caller's escalation standing, carried through one request so the client can see it.

The limiter reads the level before the request runs (``none``, ``warn``, ``throttle``; a
suspended caller never gets this far) and a blocked attempt may raise it, if the guard was sure
enough of the block (``block_certainty`` against the escalation policy's ``min_score``). The
response reports the level the caller is left at, in the ``safeship`` extension
(``escalation``), so an application can tell its user at the *warn* stage, before throttling or
a suspension starts.
A stream cut by its output check is recorded after its last byte, so that stream reports the
level from before it; the caller's next response shows the new one.
"""

from __future__ import annotations

from dataclasses import dataclass

from safeship.controls import Level
from safeship.types import Decision, DetectorStatus

_ORDER = {level.value: rank for rank, level in enumerate(Level)}


@dataclass
class Standing:
    """The caller's level as this request leaves it; only ever raised, never lowered here."""

    level: str = Level.NONE.value

    def note(self, level: str | None) -> None:
        """Raise the level to ``level`` if that is more severe (unknown names are ignored)."""
        if level in _ORDER and _ORDER[level] > _ORDER.get(self.level, 0):
            self.level = level


def block_certainty(decision: Decision) -> float:
    """How sure the guard was of a block: what escalation weighs before counting it.

    A deny rule is certain (1.0). Otherwise the highest score a working detector gave one of the
    decision's categories; a block that only a failing detector caused (fail mode ``closed``)
    is 0.0: our outage, not the caller's attempt.
    """
    if decision.rule_hits:
        return 1.0
    flagged = set(decision.categories)
    best = 0.0
    for result in decision.results:
        if result.status is not DetectorStatus.OK:
            continue
        scored = {**result.categories, result.category: result.score}
        best = max([best, *(s for category, s in scored.items() if category in flagged)])
    return best
