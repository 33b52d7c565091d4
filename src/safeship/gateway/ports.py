"""What the gateway needs from runtime controls and telemetry, as small Protocols.

Rate limits, flags and the telemetry store live in ``safeship.controls`` and ``safeship.store``;
the gateway depends only on these ports so either side can change without touching the other,
and so a plain install runs with the in-process defaults below (no limits, everything on, no
sink). Each port takes one typed value rather than loose arguments, so adding a field never
breaks an implementation.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from safeship.types import Action, Stage, TrustTier


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RequestScope(_Frozen):
    """Who is calling and for what: the keys a limiter or a flag can be scoped by."""

    request_id: str
    tenant: str
    feature: str
    tier: TrustTier
    key_id: str | None = None
    user_id: str | None = None
    ip: str | None = None
    endpoint: str = ""


class LimitResult(_Frozen):
    """Outcome of counting one request against the limits."""

    allowed: bool = True
    limit: str | None = Field(default=None, description="name of the limit that was hit")
    retry_after_s: float | None = None


class DecisionEvent(_Frozen):
    """One guard decision as the telemetry sink receives it; it carries no raw text."""

    request_id: str
    tenant: str
    feature: str
    tier: TrustTier
    key_id: str | None
    user_id: str | None
    endpoint: str
    stage: Stage
    action: Action
    categories: tuple[str, ...] = ()
    reason_code: str | None = None
    scores: dict[str, float] = Field(default_factory=dict)
    errored: tuple[str, ...] = ()
    policy_version: str = ""
    guard_ms: float = 0.0
    streamed: bool = False


@runtime_checkable
class Limiter(Protocol):
    """Rate limits, quotas and violation escalation."""

    async def hit(self, scope: RequestScope, cost: int = 1) -> LimitResult:
        """Count a request (``cost`` units) and say whether it may proceed."""

    async def record_violation(self, scope: RequestScope) -> None:
        """Note a blocked attempt, so repeated ones can escalate (warn, throttle, suspend)."""


@runtime_checkable
class Flags(Protocol):
    """Per-feature on/off switches (the kill switch)."""

    def is_enabled(self, feature: str, scope: RequestScope) -> bool:
        """False when ``feature`` is switched off for this caller."""


@runtime_checkable
class DecisionSink(Protocol):
    """Receives every decision; must not block (enqueue and return)."""

    def emit(self, event: DecisionEvent) -> None:
        """Hand one event to the telemetry pipeline."""


class NoLimits:
    """Default limiter: everything is allowed, nothing is counted."""

    async def hit(self, scope: RequestScope, cost: int = 1) -> LimitResult:
        """Allow."""
        return LimitResult()

    async def record_violation(self, scope: RequestScope) -> None:
        """Forget."""


class AllEnabled:
    """Default flags: every feature is on."""

    def is_enabled(self, feature: str, scope: RequestScope) -> bool:
        """Always on."""
        return True


class NullSink:
    """Default sink: drops events (the metrics still count decisions)."""

    def emit(self, event: DecisionEvent) -> None:
        """Drop."""


class ListSink:
    """Keeps events in memory: for tests and quick inspection, unbounded by design."""

    def __init__(self) -> None:
        self.events: list[DecisionEvent] = []

    def emit(self, event: DecisionEvent) -> None:
        """Append."""
        self.events.append(event)
