"""Run the guard for the gateway: time it, count it, report it, and never let it raise a 500.

Detector crashes already follow their fail mode inside ``Guard``. Anything else that escapes the
guard (a bug) is answered fail-closed with a ``detector_error`` block from the policy's refusal
templates, because letting text through unchecked is the worse failure for a safety gateway.
Every decision reaches the sink as one typed event; a failing sink is logged, never raised.
In shadow mode the candidate policy runs after the live one in a background task: its decision
is recorded with ``arm="shadow"`` (never enforced) and a disagreement with the live decision is
counted and logged, so the diff can be read off ``/metrics`` and the store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from safeship.errors import InputError
from safeship.gateway.errors import GatewayError
from safeship.gateway.escalation import Standing, block_certainty
from safeship.gateway.metrics import GatewayMetrics
from safeship.gateway.policies import PolicySet
from safeship.gateway.ports import DecisionEvent, DecisionSink, Limiter, RequestScope, Route
from safeship.guard import Guard, GuardContext
from safeship.policy.engine import Flag, collect_flags, match_rules
from safeship.policy.refusals import refusal_for
from safeship.text.normalise import normalise
from safeship.types import Action, Decision, Finding, Message, Stage

log = logging.getLogger("safeship.gateway")


class Screener:
    """The guard as the gateway uses it."""

    def __init__(
        self, policies: PolicySet, metrics: GatewayMetrics, sink: DecisionSink, limiter: Limiter
    ) -> None:
        self.policies = policies
        self.metrics = metrics
        self.sink = sink
        self.limiter = limiter
        self._shadows: set[asyncio.Task[None]] = set()

    @property
    def guard(self) -> Guard:
        """The live guard (the one a reload replaces)."""
        return self.policies.live

    async def check(
        self,
        stage: Stage,
        messages: Sequence[Message],
        ctx: GuardContext,
        response: str | None = None,
        guard: Guard | None = None,
    ) -> tuple[Decision, float]:
        """One guard check and its duration in seconds; unknown features are a 400."""
        guard = guard or self.guard
        start = time.perf_counter()
        try:
            if stage is Stage.INPUT:
                decision = await guard.acheck_input(messages, ctx)
            else:
                decision = await guard.acheck_output(messages, response or "", ctx)
        except InputError as exc:
            raise GatewayError(400, "invalid_request", str(exc), "feature") from exc
        except Exception as exc:  # a guard bug must not pass text unchecked, nor become a 500
            # type only at error level: an exception message may quote the checked text
            log.error(
                "guard failed with %s; blocking (request %s)", type(exc).__name__, ctx.request_id
            )
            log.debug("guard failure", exc_info=exc)
            self.metrics.errors.labels("guard").inc()
            decision = self._fail_closed(guard, stage, ctx)
        seconds = time.perf_counter() - start
        self.metrics.guard_latency.labels(stage.value).observe(seconds)
        self.metrics.observe_detectors(decision)
        return decision, seconds

    def _fail_closed(self, guard: Guard, stage: Stage, ctx: GuardContext) -> Decision:
        name, feature = guard.policy.feature(ctx.feature)
        return Decision(
            action=Action.BLOCK,
            stage=stage,
            feature=name,
            tier=ctx.tier,
            categories=("detector_error",),
            errored=("guard",),
            refusal=refusal_for(feature, "detector_error", "guard", stage),
            policy_version=guard.loaded.version,
        )

    async def record(
        self,
        decision: Decision,
        seconds: float,
        scope: RequestScope,
        *,
        streamed: bool = False,
        route: Route | None = None,
        text: str | None = None,
        standing: Standing | None = None,
        escalate: bool = True,
    ) -> None:
        """Count a final decision, hand it to the sink, and report blocks to the limiter.

        A block may raise the caller's escalation level (if the guard was sure enough of it);
        ``standing`` learns the new one. ``escalate=False`` records a block without counting it
        against the caller again: a batch endpoint counts one violation per request, not per
        item, or an app moderating its users' posts in bulk would suspend its own key.
        """
        self.metrics.count_decision(decision)
        route = route or Route()
        if route.arm == "shadow":  # the enforced decision of a shadowed user is the live one
            route = route.model_copy(update={"arm": "live"})
        self._emit(decision, seconds, scope, streamed, route, text)
        if decision.blocked and escalate:
            try:
                level = await self.limiter.record_violation(scope, block_certainty(decision))
            except Exception:
                log.exception("limiter failed to record a violation (request %s)", scope.request_id)
                self.metrics.errors.labels("limiter").inc()
            else:
                if standing is not None:
                    standing.note(level)

    def _emit(
        self,
        decision: Decision,
        seconds: float,
        scope: RequestScope,
        streamed: bool,
        route: Route,
        text: str | None,
    ) -> None:
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
            arm=route.arm,
            bucket=route.bucket,
            decision=decision,
            text=text,
        )
        try:
            self.sink.emit(event)
        except Exception as exc:  # a failing sink logs and never breaks a request
            log.error(
                "decision sink failed with %s (request %s)", type(exc).__name__, scope.request_id
            )
            self.metrics.errors.labels("sink").inc()

    def shadow(
        self,
        live: Decision,
        route: Route,
        scope: RequestScope,
        ctx: GuardContext,
        messages: Sequence[Message],
        response: str | None = None,
        text: str | None = None,
    ) -> None:
        """Evaluate the shadow policy on the side: recorded and diffed, never enforced."""
        if route.shadow is None:
            return
        guard = self.policies.guard(route.shadow)

        async def run() -> None:
            decision, seconds = await self.check(live.stage, messages, ctx, response, guard)
            self._emit(
                decision, seconds, scope, False, route.model_copy(update={"arm": "shadow"}), text
            )
            same = decision.action is live.action
            self.metrics.shadow.labels(live.stage.value, "same" if same else "differs").inc()
            if not same:
                log.info(
                    "shadow diff request=%s stage=%s live=%s shadow=%s (%s vs %s)",
                    scope.request_id,
                    live.stage.value,
                    live.action.value,
                    decision.action.value,
                    live.policy_version,
                    decision.policy_version,
                )

        task = asyncio.get_running_loop().create_task(run())
        self._shadows.add(task)
        task.add_done_callback(self._shadows.discard)

    async def drain(self) -> None:
        """Wait for shadow evaluations in flight (shutdown, tests)."""
        if self._shadows:
            await asyncio.gather(*self._shadows, return_exceptions=True)


def acting_flags(guard: Guard, decision: Decision, text: str) -> list[Flag]:
    """The flags behind ``decision`` on ``text``, each with the action it carried.

    ``Decision.categories`` lists every flag, including one the policy maps to ``allow`` or
    ``warn``; the engine's own ``collect_flags``, fed what the guard fed it for this one text,
    says which. ``guard`` must be the one that decided (the route's: a canary or shadow policy
    is not the live one). Empty when the decision's feature is gone (a reload meanwhile).
    """
    try:
        _, feature = guard.policy.feature(decision.feature)
    except KeyError:
        return []
    rules = feature.rules
    views = normalise(text).views if rules.deny or rules.allow else ()  # only rules read them
    stage = decision.stage
    return collect_flags(
        feature,
        decision.tier,
        decision.results,
        {s.key: s.fail_mode for s in feature.specs(stage)},
        match_rules(rules.deny, "deny", text, views, stage),
        match_rules(rules.allow, "allow", text, views, stage),
    )


async def aredaction_spans(guard: Guard, decision: Decision, text: str) -> list[Finding]:
    """:func:`redaction_spans`, off the event loop for a long text.

    A long streamed answer is checked again and again as it grows, and its deny rules read it
    normalised whole.
    """
    if decision.action is not Action.REDACT:
        return []
    try:
        rules = guard.policy.feature(decision.feature)[1].rules
    except KeyError:
        return []
    if not (rules.deny or rules.allow):  # nothing to normalise: no wait behind long pastes
        return redaction_spans(guard, decision, text)
    return await guard.off_loop(len(text), redaction_spans, guard, decision, text)


def redaction_spans(guard: Guard, decision: Decision, text: str) -> list[Finding]:
    """The spans the policy's ``redact`` action removes from ``text`` for this decision.

    Recomputed from the flags so a stream redacts exactly what a non-streamed check would,
    without also masking spans of flags that only warn.
    """
    if decision.action is not Action.REDACT:
        return []
    flags = acting_flags(guard, decision, text)
    return [f for fl in flags if fl.action is Action.REDACT for f in fl.findings]
