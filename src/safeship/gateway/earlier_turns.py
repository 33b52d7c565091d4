"""Earlier user turns of a forwarded request, through the feature's privacy layers.

Why: the input check redacts the newest user turn, but a chat client re-sends its own copy of
every earlier turn on each call, so private data redacted once went upstream on every call after
(``safeship.privacy``). The rule is the library's (``forwarding.user_turns_as_sent``), with the
gateway's memo, so a conversation's turns are screened once each, not on every call.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from safeship.forwarding import user_turns_as_sent
from safeship.gateway.state import Call, GatewayState


async def earlier_turns_as_sent(
    gw: GatewayState,
    call: Call,
    turns: Sequence[tuple[str | None, str]],
    drop: Collection[int] = (),
    newest: str | None = None,
) -> dict[int, str]:
    """Positions of user turns whose text must change, with the text to send instead.

    ``turns`` are ``(role, text)`` as the guard read them; the newest user turn is the one the
    input check screened, sent as ``newest`` when given (its redaction); ``drop`` are positions
    that do not go at all.
    """
    return await user_turns_as_sent(
        call.guard, turns, call.ctx, drop=drop, newest=newest, memo=gw.sent_texts
    )
