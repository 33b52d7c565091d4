"""What the gateway needs from runtime controls and telemetry, as small Protocols.

Rate limits, flags and the telemetry store live in ``safeship.controls`` and ``safeship.store``;
the gateway depends only on these ports (``wiring`` adapts the real ones to them) so either side
can change without touching the other, and so tests can inject doubles. The defaults below (no
limits, everything on, no sink) run with nothing configured. Each port takes one typed value
rather than loose arguments, so adding a field never breaks an implementation.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from safeship.types import Action, Decision, Stage, TrustTier


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
    """Outcome of counting one request against the limits (and the caller's escalation)."""

    allowed: bool = True
    limit: str | None = Field(default=None, description="name of the limit that was hit")
    retry_after_s: float | None = None
    escalation: str = Field(default="none", description="none, warn, throttle or suspend")


class Route(_Frozen):
    """Whether a feature is served to this caller, and which policy enforces or shadows."""

    enabled: bool = True
    killed: bool = False
    bucket: int | None = None
    arm: str = "live"
    policy: str = Field(default="", description="candidate label enforcing ('' = live)")
    shadow: str | None = Field(default=None, description="candidate label run on the side")


class DecisionEvent(_Frozen):
    """One guard decision as the telemetry sink receives it.

    ``text`` is the scanned text, kept out of ``repr`` and logs; the store adapter redacts it
    off the request path unless raw text is opted in. ``decision`` gives it the findings.
    """

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
    arm: str = "live"
    bucket: int | None = None
    decision: Decision | None = Field(default=None, repr=False)
    text: str | None = Field(default=None, repr=False)


@runtime_checkable
class Limiter(Protocol):
    """Rate limits, quotas and violation escalation."""

    async def hit(self, scope: RequestScope, cost: int = 1) -> LimitResult:
        """Count a request (``cost`` units) and say whether it may proceed."""

    async def record_violation(self, scope: RequestScope, certainty: float = 1.0) -> str | None:
        """Note a blocked attempt, so repeated ones escalate; the caller's new level, if known.

        ``certainty`` is how sure the guard was of the block (``block_certainty``); an
        implementation may leave doubtful blocks uncounted.
        """

    async def charge(self, scope: RequestScope, tokens: int) -> None:
        """Add the completion's tokens to token quotas after the response (never denies)."""


@runtime_checkable
class Flags(Protocol):
    """Per-feature switches (the kill switch), rollout buckets and policy arms."""

    async def route(self, feature: str, scope: RequestScope) -> Route:
        """How ``feature`` is served to this caller (``enabled`` False: switched off)."""


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

    async def record_violation(self, scope: RequestScope, certainty: float = 1.0) -> str | None:
        """Forget (no level to report)."""
        return None

    async def charge(self, scope: RequestScope, tokens: int) -> None:
        """Forget."""


class AllEnabled:
    """Default flags: every feature is on, under the live policy."""

    async def route(self, feature: str, scope: RequestScope) -> Route:
        """Always on."""
        return Route()


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
