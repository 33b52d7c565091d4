"""The caller's escalation standing, carried through one request so the client can see it.

The limiter reads the level before the request runs (``none``, ``warn``, ``throttle``; a
suspended caller never gets this far) and a blocked attempt may raise it. The response reports
the level the caller is left at, in the ``safeship`` extension (``escalation``), so an
application can tell its user at the *warn* stage, before throttling or a suspension starts.
A stream cut by its output check is recorded after its last byte, so that stream reports the
level from before it; the caller's next response shows the new one.
"""

from __future__ import annotations

from dataclasses import dataclass

from safeship.controls import Level

_ORDER = {level.value: rank for rank, level in enumerate(Level)}


@dataclass
class Standing:
    """The caller's level as this request leaves it; only ever raised, never lowered here."""

    level: str = Level.NONE.value

    def note(self, level: str | None) -> None:
        """Raise the level to ``level`` if that is more severe (unknown names are ignored)."""
        if level in _ORDER and _ORDER[level] > _ORDER.get(self.level, 0):
            self.level = level
