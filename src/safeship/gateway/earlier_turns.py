"""Earlier user turns of a forwarded request, through the feature's privacy layers.

Why: the input check redacts the newest user turn, but a chat client re-sends its own copy of
every earlier turn on each call, so private data redacted once went upstream on every call after
(``safeship.privacy``). Each earlier user turn is screened by the privacy layers alone and
replaced by what may be sent; a conversation's turns are screened once each (``SentTexts``).
"""

from __future__ import annotations

from collections.abc import Sequence

from safeship.gateway.state import Call, GatewayState


async def earlier_turns_as_sent(
    gw: GatewayState, call: Call, turns: Sequence[tuple[str | None, str]], newest: int | None
) -> dict[int, str]:
    """Positions of earlier user turns whose text must change, with the text to send instead.

    ``turns`` are ``(role, text)`` as the guard read them; ``newest`` is the turn the input
    check itself screened (and redacted), left alone here.
    """
    scope = (call.guard.loaded.version, call.scope.feature, call.ctx.tier.value)
    changed: dict[int, str] = {}
    for i, (role, text) in enumerate(turns):
        if role != "user" or i == newest or not text:
            continue
        sent = await gw.sent_texts.get(
            scope, text, lambda t: call.guard.acheck_privacy(t, call.ctx)
        )
        if sent != text:
            changed[i] = sent
    return changed
