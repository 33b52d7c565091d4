"""What the gateway changes in a request before forwarding it: the library's rule, one call.

The rule is ``safeship.forwarding.edits_for``, so the gateway, ``/v1/guard/check`` and an
application that calls the guard itself make the same edits: the turns the guard refused (with
their refusals and what lies between) are left out, and user turns are sent redacted (the
newest by the input check, earlier ones through the privacy layers, with the gateway's memo so
a conversation's turns are screened once each, not on every call).
"""

from __future__ import annotations

from collections.abc import Sequence

from safeship.forwarding import Edits, edits_for
from safeship.gateway.state import Call, GatewayState


async def forward_edits(
    gw: GatewayState,
    call: Call,
    turns: Sequence[tuple[str | None, str]],
    system: str | None,
    newest: str | None = None,
) -> Edits:
    """The edits for ``turns`` (``(role, text)`` as the guard read them).

    ``system`` must be the system prompt the input check read (its first system message), or
    the guard and this could disagree on which turns it refused.
    """
    return await edits_for(
        call.guard, turns, call.ctx, system=system, newest=newest, memo=gw.sent_texts
    )
