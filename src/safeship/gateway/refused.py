"""Which earlier turns of a request the gateway leaves out of what it forwards.

The rule is the library's (``safeship.forwarding``), so the gateway and an application that
calls the guard itself drop the same turns: a user turn the guard refused, its refusal and
whatever lies between. This adapter only supplies the request's guard and context.
"""

from __future__ import annotations

from collections.abc import Sequence

from safeship import forwarding
from safeship.gateway.state import Call


async def refused_positions(
    call: Call, turns: Sequence[tuple[str | None, str]], system: str | None
) -> set[int]:
    """Positions in ``turns`` (``(role, text)`` of the request, in order) to leave out.

    ``system`` must be the system prompt the input check read (the first system message of
    the guard's messages), or the guard and this could disagree on which turns it refused.
    """
    return await forwarding.refused_positions(call.guard, turns, ctx=call.ctx, system=system)
