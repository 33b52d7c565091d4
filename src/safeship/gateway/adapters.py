"""Adapters from the real runtime controls and telemetry store to the gateway's ports.

``ControlsLimiter`` puts escalation in front of the rate limits: a suspended caller is refused
before any counter moves, a throttled one meets an extra tight per-user rule. ``FlagRouter`` maps
a flag assignment to a ``Route``. ``StoreSink`` turns a port event into a stored, redacted
``store.DecisionEvent`` after the request's current step (a worker thread for long texts, whose
PII scan would hold the loop) and hands it to the batching ``TelemetrySink``; conversions
beyond a bound are dropped and counted, like the sink's own overflow.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from functools import partial

from safeship.controls import Escalator, FeatureFlags, Level, RateLimiter, Subject
from safeship.gateway.ports import DecisionEvent, LimitResult, RequestScope, Route
from safeship.store import DecisionEvent as StoredDecision
from safeship.store import Redactor, TelemetrySink, UserReport

log = logging.getLogger("safeship.gateway")
# Texts up to this long are redacted and stored on the event loop; longer ones in a thread.
INLINE_TEXT_CHARS = 4000


def _user_key(scope: RequestScope) -> str | None:
    """The end user a request claims, scoped by who makes the claim.

    ``user`` is the caller's own claim: a keyed caller's users live in its tenant; an anonymous
    caller's in its IP too, so nobody can get another anonymous user suspended, or use up that
    user's quota, by sending requests under that user's id. The IP is bracketed: an IPv6
    address holds ``:``, so unbracketed, ``2001:db8::1:a`` + ``x`` and ``2001:db8::1`` + ``a:x``
    would be one key.
    """
    if not scope.user_id:
        return None
    if scope.key_id is None:
        return f"{scope.tenant}@[{scope.ip or '-'}]:{scope.user_id}"
    return f"{scope.tenant}:{scope.user_id}"


def caller_of(scope: RequestScope) -> str | None:
    """Whom escalation counts against: the end user, else the API key, else the IP."""
    user = _user_key(scope)
    if user is not None:
        return f"user:{user}"
    if scope.key_id:
        return f"key:{scope.key_id}"
    return f"ip:{scope.ip}" if scope.ip else None


def subject_of(scope: RequestScope) -> Subject:
    """The rate-limit subject of a request (per-user limits use the scoped user, as above)."""
    return Subject(key_id=scope.key_id, user=_user_key(scope), ip=scope.ip, feature=scope.feature)


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

    async def record_violation(self, scope: RequestScope, certainty: float = 1.0) -> str | None:
        """One more blocked attempt for this caller, if the guard was sure enough of it.

        Returns the level the caller is left at (unchanged when the block was not counted).
        """
        who = caller_of(scope)
        if who is None:
            return None
        return (await self.escalator.record(who, certainty=certainty)).level.value

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
    """The ``DecisionSink`` port over a ``TelemetrySink``, redacting off the request path."""

    def __init__(
        self,
        sink: TelemetrySink,
        *,
        raw_text: bool = False,
        redactor: Redactor | None = None,
        max_pending: int = 1000,
    ) -> None:
        self.sink = sink
        self.raw_text = raw_text
        self.redactor = redactor
        self.max_pending = max_pending
        self.dropped = 0
        self._pending: set[asyncio.Task[None]] = set()

    def emit(self, event: DecisionEvent) -> None:
        """Schedule the conversion and return at once; over the bound, count a drop.

        A chat-sized text is converted on the loop right after the current step (about 50 us
        with its redaction, less than a thread hand-off's ~80 us of CPU); a long one, whose
        PII scan could hold the loop, in a worker thread.
        """
        build = partial(self._decision, event)
        if event.text is None or len(event.text) <= INLINE_TEXT_CHARS:
            asyncio.get_running_loop().call_soon(self._convert_now, build)
        else:
            self._schedule(build)

    def report(self, report: UserReport) -> None:
        """Store a user report, its free text redacted (users paste personal data)."""
        self._schedule(lambda: self._report(report))

    def _schedule(self, build: Callable[[], StoredDecision | UserReport]) -> None:
        if len(self._pending) >= self.max_pending:
            self.dropped += 1
            if self.dropped in (1, 10) or self.dropped % 1000 == 0:
                log.warning("telemetry conversion backlog full: %d dropped", self.dropped)
            return
        task = asyncio.get_running_loop().create_task(self._convert(build))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def _convert_now(self, build: Callable[[], StoredDecision | UserReport]) -> None:
        try:
            stored = build()
        except Exception as exc:  # a bad event is dropped and counted, never raised
            self._failed(exc)
            return
        self.sink.emit(stored)

    def _failed(self, exc: Exception) -> None:
        self.dropped += 1
        log.error("telemetry event conversion failed (%s)", type(exc).__name__)

    async def _convert(self, build: Callable[[], StoredDecision | UserReport]) -> None:
        try:
            stored = await asyncio.to_thread(build)
        except Exception as exc:  # a bad event is dropped and counted, never raised
            self._failed(exc)
            return
        self.sink.emit(stored)

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

    async def drain(self, timeout_s: float | None = None) -> None:
        """Wait for conversions in flight (shutdown, tests), inline ones scheduled included.

        With ``timeout_s``, conversions still running then are abandoned and counted as
        dropped: a shutdown must keep its deadline, and every loss is counted, never silent.
        """
        await asyncio.sleep(0)  # conversions scheduled with call_soon run on this turn
        if not self._pending:
            return
        pending = set(self._pending)
        _, late = await asyncio.wait(pending, timeout=timeout_s)
        if late:
            self.dropped += len(late)
            log.warning("telemetry: %d conversions unfinished at shutdown; dropped", len(late))
            for task in late:
                task.cancel()
