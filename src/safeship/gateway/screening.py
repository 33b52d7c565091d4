"""Run the guard for the gateway: time it, count it, report it, and never let it raise a 500.

Detector crashes already follow their fail mode inside ``Guard``. Anything else that escapes the
guard (a bug) is answered fail-closed with a ``detector_error`` block from the policy's refusal
templates, because letting text through unchecked is the worse failure for a safety gateway.
Every decision reaches the sink as one typed event; a failing sink is logged, never raised.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from safeship.errors import InputError
from safeship.gateway.errors import GatewayError
from safeship.gateway.metrics import GatewayMetrics
from safeship.gateway.ports import DecisionEvent, DecisionSink, Limiter, RequestScope
from safeship.guard import Guard, GuardContext
from safeship.policy.engine import collect_flags, match_rules
from safeship.policy.refusals import refusal_for
from safeship.text.normalise import normalise
from safeship.types import Action, Decision, Finding, Message, Stage

log = logging.getLogger("safeship.gateway")


class Screener:
    """The guard as the gateway uses it."""

    def __init__(
        self, guard: Guard, metrics: GatewayMetrics, sink: DecisionSink, limiter: Limiter
    ) -> None:
        self.guard = guard
        self.metrics = metrics
        self.sink = sink
        self.limiter = limiter

    async def check(
        self,
        stage: Stage,
        messages: Sequence[Message],
        ctx: GuardContext,
        response: str | None = None,
    ) -> tuple[Decision, float]:
        """One guard check and its duration in seconds; unknown features are a 400."""
        start = time.perf_counter()
        try:
            if stage is Stage.INPUT:
                decision = await self.guard.acheck_input(messages, ctx)
            else:
                decision = await self.guard.acheck_output(messages, response or "", ctx)
        except InputError as exc:
            raise GatewayError(400, "invalid_request", str(exc), "feature") from exc
        except Exception as exc:  # a guard bug must not pass text unchecked, nor become a 500
            # type only at error level: an exception message may quote the checked text
            log.error(
                "guard failed with %s; blocking (request %s)", type(exc).__name__, ctx.request_id
            )
            log.debug("guard failure", exc_info=exc)
            self.metrics.errors.labels("guard").inc()
            decision = self._fail_closed(stage, ctx)
        seconds = time.perf_counter() - start
        self.metrics.guard_latency.labels(stage.value).observe(seconds)
        return decision, seconds

    def _fail_closed(self, stage: Stage, ctx: GuardContext) -> Decision:
        name, feature = self.guard.policy.feature(ctx.feature)
        return Decision(
            action=Action.BLOCK,
            stage=stage,
            feature=name,
            tier=ctx.tier,
            categories=("detector_error",),
            errored=("guard",),
            refusal=refusal_for(feature, "detector_error", "guard", stage),
            policy_version=self.guard.loaded.version,
        )

    async def record(
        self,
        decision: Decision,
        seconds: float,
        scope: RequestScope,
        *,
        streamed: bool = False,
    ) -> None:
        """Count a final decision, hand it to the sink, and report blocks to the limiter."""
        self.metrics.count_decision(decision)
        event = DecisionEvent(
            request_id=scope.request_id,
            tenant=scope.tenant,
            feature=decision.feature,
            tier=decision.tier,
            key_id=scope.key_id,
            user_id=scope.user_id,
            endpoint=scope.endpoint,
            stage=decision.stage,
            action=decision.action,
            categories=decision.categories,
            reason_code=decision.refusal.reason_code if decision.refusal else None,
            scores=decision.scores,
            errored=decision.errored,
            policy_version=decision.policy_version,
            guard_ms=seconds * 1000,
            streamed=streamed,
        )
        try:
            self.sink.emit(event)
        except Exception:  # a failing sink logs and never breaks a request
            log.exception("decision sink failed (request %s)", scope.request_id)
            self.metrics.errors.labels("sink").inc()
        if decision.blocked:
            try:
                await self.limiter.record_violation(scope)
            except Exception:
                log.exception("limiter failed to record a violation (request %s)", scope.request_id)
                self.metrics.errors.labels("limiter").inc()

    def redaction_spans(self, decision: Decision, text: str) -> list[Finding]:
        """The spans the policy's ``redact`` action removes from ``text`` for this decision.

        Recomputed with the engine's own ``collect_flags`` so a stream redacts exactly what a
        non-streamed check would, without also masking spans of flags that only warn.
        """
        if decision.action is not Action.REDACT:
            return []
        _, feature = self.guard.policy.feature(decision.feature)
        views = normalise(text).views
        stage = decision.stage
        flags = collect_flags(
            feature,
            decision.tier,
            decision.results,
            {s.key: s.fail_mode for s in feature.specs(stage)},
            match_rules(feature.rules.deny, "deny", text, views, stage),
            match_rules(feature.rules.allow, "allow", text, views, stage),
        )
        return [f for fl in flags if fl.action is Action.REDACT for f in fl.findings]
