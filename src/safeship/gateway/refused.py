"""Which earlier turns of a request the gateway leaves out of what it forwards.

A user turn answered by one of the guard's refusal texts, and that the input check would stop
on its own, was refused by the guard: the guard's window leaves it out (``Guard.stops_alone``,
``safeship.history``), so the model must not read it either. The stretch from that turn to its
refusal goes, whatever lies between (a reasoning item, the model's own tool items).
"""

from __future__ import annotations

from collections.abc import Sequence

from safeship.gateway.state import Call
from safeship.history import dropped, refused_exchanges


async def refused_positions(
    call: Call, turns: Sequence[tuple[str | None, str]], system: str | None
) -> set[int]:
    """Positions in ``turns`` (``(role, text)`` of the request, in order) to leave out.

    ``system`` must be the system prompt the input check read (the first system message of
    the guard's messages), or the guard and this could disagree on which turns it refused.
    """
    found = refused_exchanges(turns, call.guard.refusal_texts(call.scope.feature))
    if not found:
        return set()
    # Only the window's turns: the guard reads no others (refused or not), and a body full of
    # made-up refusal exchanges must not cost one input check each.
    _, feature = call.guard.policy.feature(call.scope.feature)
    users = [i for i, (role, _) in enumerate(turns) if role == "user"]
    start = users[-feature.history_turns] if len(users) >= feature.history_turns else 0
    found = [(user, reply) for user, reply in found if user >= start]
    ctx = call.ctx
    if not ctx.system_prompt and system is not None:
        ctx = ctx.model_copy(update={"system_prompt": system})  # as the input check read it
    confirmed = [
        (user, reply) for user, reply in found if await call.guard.stops_alone(turns[user][1], ctx)
    ]
    return dropped(confirmed)
