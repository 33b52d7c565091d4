"""``local:smollm2``: the in-process SmolLM2 model as a target that never raises."""

from __future__ import annotations

import time
from collections.abc import Sequence

from safeship.evals.targets._base import TargetReply, error_text
from safeship.evals.targets_local import LocalTarget
from safeship.types import Message


class LocalModelTarget:
    """Adapts :class:`LocalTarget` (plain text out) to the ``Target`` protocol (typed replies)."""

    def __init__(self, inner: LocalTarget) -> None:
        self.inner = inner
        self.name = inner.name if inner.name.startswith("local:") else f"local:{inner.name}"

    async def generate(self, messages: Sequence[Message]) -> TargetReply:
        """Answer; a missing extra or a model failure becomes an error reply, never a refusal."""
        start = time.perf_counter()
        try:
            text = await self.inner.generate(messages)
        except Exception as exc:  # recorded as an error and counted as one
            return TargetReply(error=error_text(exc))
        return TargetReply(text=text, latency_ms=(time.perf_counter() - start) * 1000)
