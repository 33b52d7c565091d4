"""The target contract: something that answers a conversation, and what it answered.

A target never raises for a failed call: timeouts, HTTP errors and crashes come back as a
``TargetReply`` with ``error`` set, so the runner can persist them and the metrics can count them
as errors (never as a safe refusal).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from safeship.types import Message


class TargetReply(BaseModel):
    """One answer from a target; ``error`` set means there is no answer to score.

    ``blocked_by`` records which guard stage replaced the answer with a refusal, so a report can
    tell a model refusal from a guardrail refusal.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = ""
    latency_ms: float = Field(default=0.0, ge=0.0)
    error: str | None = None
    blocked_by: Literal["input", "output"] | None = None

    @property
    def ok(self) -> bool:
        """True when the target produced an answer (possibly a refusal)."""
        return self.error is None


@runtime_checkable
class Target(Protocol):
    """Anything that answers a conversation asynchronously."""

    name: str

    async def generate(self, messages: Sequence[Message]) -> TargetReply:
        """Answer the conversation; failures come back as ``TargetReply(error=...)``."""
        ...


def error_text(exc: BaseException) -> str:
    """A short, single-line description of a failure for a reply's ``error`` field."""
    return f"{type(exc).__name__}: {exc}"[:300]
