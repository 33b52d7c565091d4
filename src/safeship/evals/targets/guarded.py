"""Any target behind a safeship policy: what a user's guardrails buy, measured end to end.

The guard checks the conversation before the model sees it (a blocked input returns the policy's
refusal and the model is never called) and the answer after (a blocked answer is replaced by the
refusal, a redacted one by its redacted text). Running the same suite through the raw and the
guarded target gives the two sides of the comparison.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from safeship.evals.targets._base import Target, TargetReply, error_text
from safeship.types import Decision, Message, TrustTier

if TYPE_CHECKING:
    from safeship.guard import GuardContext

FALLBACK_REFUSAL = "I can't help with that."


class GuardLike(Protocol):
    """The part of ``safeship.guard.Guard`` a guarded target uses."""

    async def acheck_input(
        self, messages: Sequence[Message], context: GuardContext | None = None
    ) -> Decision:
        """Screen the conversation."""
        ...

    async def acheck_output(
        self, messages: Sequence[Message], response: str, context: GuardContext | None = None
    ) -> Decision:
        """Screen the answer."""
        ...


class GuardedTarget:
    """``inner`` with the guard's input check before it and output check after it.

    ``tier`` is the trust tier the suite's traffic is screened as: a policy's thresholds differ
    per tier (anonymous traffic is held stricter by default), so what the guard buys, and what
    it costs in over-refusal, is measured per tier. ``None`` keeps the guard's default
    (anonymous), the strictest and so the honest default.
    """

    def __init__(
        self,
        inner: Target,
        guard: GuardLike,
        name: str | None = None,
        tier: TrustTier | None = None,
    ) -> None:
        self.inner = inner
        self.guard = guard
        self.tier = tier
        self.name = name or f"guarded:{inner.name}"

    def _context(self) -> GuardContext | None:
        if self.tier is None:
            return None
        from safeship.guard import GuardContext

        return GuardContext(tier=self.tier)

    async def generate(self, messages: Sequence[Message]) -> TargetReply:
        """Guard, call, guard; a guard failure is an error reply, never a silent pass."""
        start = time.perf_counter()
        try:
            before = await self.guard.acheck_input(messages, self._context())
        except Exception as exc:
            return TargetReply(error=f"guard input: {error_text(exc)}", latency_ms=_ms(start))
        if before.blocked:
            return TargetReply(text=_refusal(before), blocked_by="input", latency_ms=_ms(start))
        reply = await self.inner.generate(messages)
        if not reply.ok:
            return reply
        try:
            after = await self.guard.acheck_output(messages, reply.text, self._context())
        except Exception as exc:
            return TargetReply(error=f"guard output: {error_text(exc)}", latency_ms=_ms(start))
        if after.blocked:
            return TargetReply(text=_refusal(after), blocked_by="output", latency_ms=_ms(start))
        text = after.redacted_text if after.redacted_text is not None else reply.text
        return TargetReply(text=text, latency_ms=_ms(start))


def _refusal(decision: Decision) -> str:
    return decision.refusal.message if decision.refusal is not None else FALLBACK_REFUSAL


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000
