"""Adapters from the real runtime controls and telemetry store to the gateway's ports.

``ControlsLimiter`` puts escalation in front of the rate limits: a suspended caller is refused
before any counter moves, a throttled one meets an extra tight per-user rule. ``FlagRouter`` maps
a flag assignment to a ``Route``. ``StoreSink`` hands a port event to the batching
``TelemetrySink`` as a deferred conversion: the stored, redacted ``store.DecisionEvent`` is built
in the sink's writer thread (redaction runs PII patterns: not on the request path).
"""

from __future__ import annotations

import logging
import math

from safeship.controls import Escalator, FeatureFlags, Level, RateLimiter, Subject
from safeship.gateway.ports import DecisionEvent, LimitResult, RequestScope, Route
from safeship.store import DecisionEvent as StoredDecision
from safeship.store import Redactor, TelemetrySink, UserReport

log = logging.getLogger("safeship.gateway")


def caller_of(scope: RequestScope) -> str | None:
    """Whom escalation counts against: the end user, else the API key, else the IP."""
    if scope.user_id:
        return f"user:{scope.tenant}:{scope.user_id}"
    if scope.key_id:
        return f"key:{scope.key_id}"
    return f"ip:{scope.ip}" if scope.ip else None


def subject_of(scope: RequestScope) -> Subject:
    """The rate-limit subject of a request."""
    user = f"{scope.tenant}:{scope.user_id}" if scope.user_id else None
    return Subject(key_id=scope.key_id, user=user, ip=scope.ip, feature=scope.feature)


class ControlsLimiter:
    """The ``Limiter`` port over ``RateLimiter`` (limits and quotas) and ``Escalator``."""

    def __init__(self, limiter: RateLimiter, escalator: Escalator, throttle: RateLimiter) -> None:
        self.limiter = limiter
        self.escalator = escalator
        self.throttle = throttle

    async def hit(self, scope: RequestScope, cost: int = 1) -> LimitResult:
        """Escalation first, then every rule; ``cost`` is the prompt's estimated tokens."""
        who = caller_of(scope)
        level = Level.NONE
        if who is not None:
            state = await self.escalator.status(who)
            level = state.level
            policy = self.escalator.policy
            if level is Level.SUSPEND:
                held = max(policy.held(state.score), 1e-9)
                wait = policy.half_life_s * math.log2(held / policy.suspend_at)
                return LimitResult(
                    allowed=False,
                    limit="escalation:suspend",
                    retry_after_s=max(1.0, wait),
                    escalation=level.value,
                )
            if level is Level.THROTTLE:
                slow = await self.throttle.check(Subject(user=who))
                if not slow.allowed:
                    return LimitResult(
                        allowed=False,
                        limit="escalation:throttle",
                        retry_after_s=float(slow.retry_after_s),
                        escalation=level.value,
                    )
        decision = await self.limiter.check(subject_of(scope), tokens=cost)
        return LimitResult(
            allowed=decision.allowed,
            limit=decision.rule,
            retry_after_s=None if decision.allowed else float(decision.retry_after_s),
            escalation=level.value,
        )

    async def record_violation(self, scope: RequestScope) -> str | None:
        """One more blocked attempt for this caller; the level it leaves them at."""
        who = caller_of(scope)
        if who is None:
            return None
        return (await self.escalator.record(who)).level.value

    async def charge(self, scope: RequestScope, tokens: int) -> None:
        """The completion's tokens, against the token quotas."""
        await self.limiter.charge(subject_of(scope), tokens)


class FlagRouter:
    """The ``Flags`` port over ``FeatureFlags`` (kill switch, buckets, arms)."""

    def __init__(self, flags: FeatureFlags) -> None:
        self.flags = flags

    async def route(self, feature: str, scope: RequestScope) -> Route:
        """The caller's assignment for ``feature``; anonymous callers bucket by nothing."""
        user = f"{scope.tenant}:{scope.user_id}" if scope.user_id else None
        a = await self.flags.assign(feature, user)
        return Route(
            enabled=a.enabled,
            killed=a.killed,
            bucket=a.bucket,
            arm=a.arm,
            policy=a.policy_version,
            shadow=a.shadow_policy_version,
        )


class StoreSink:
    """The ``DecisionSink`` port over a ``TelemetrySink``, redacting off the request path.

    Events are queued deferred: the sink's writer thread builds the stored, redacted event for a
    whole batch at once, so the request path pays neither the redaction nor a thread hand-off.
    """

    def __init__(
        self,
        sink: TelemetrySink,
        *,
        raw_text: bool = False,
        redactor: Redactor | None = None,
    ) -> None:
        self.sink = sink
        self.raw_text = raw_text
        self.redactor = redactor

    def emit(self, event: DecisionEvent) -> None:
        """Queue the event's conversion and return at once (the sink counts overflow)."""
        self.sink.emit(lambda: self._decision(event))

    def report(self, report: UserReport) -> None:
        """Store a user report, its free text redacted (users paste personal data)."""
        self.sink.emit(lambda: self._report(report))

    def _decision(self, event: DecisionEvent) -> StoredDecision:
        latencies = {"guard": event.guard_ms}
        if event.decision is None:
            return StoredDecision(
                request_id=event.request_id,
                tenant=event.tenant,
                feature=event.feature,
                tier=event.tier,
                stage=event.stage,
                action=event.action,
                categories=event.categories,
                scores=event.scores,
                errored=event.errored,
                latencies_ms=latencies,
                bucket=event.bucket,
                arm=event.arm,
                policy_version=event.policy_version,
            )
        return StoredDecision.from_decision(
            event.decision,
            request_id=event.request_id,
            tenant=event.tenant,
            text=event.text,
            store_raw=self.raw_text,
            redactor=self.redactor,
            bucket=event.bucket,
            arm=event.arm,
            latencies_ms=latencies,
        )

    def _report(self, report: UserReport) -> UserReport:
        return report if self.raw_text else report.redacted(self.redactor)
