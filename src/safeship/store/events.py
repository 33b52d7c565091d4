"""Typed records the store keeps: one :class:`DecisionEvent` per guard decision, user reports.

An event is built from a :class:`safeship.types.Decision` plus the request's metadata by
:meth:`DecisionEvent.from_decision`, which redacts the text *before* it enters the event: by
default the stored text has the decision's own findings replaced (``[EMAIL]``...) and then goes
through a redactor for any personal data or secret the policy did not look for. Raw text is kept
only when the caller opts in (the policy says so). Text fields stay out of ``repr()``, so an
event in a log line never shows it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from safeship.detectors.redact import redact
from safeship.types import Action, Decision, Stage, TrustTier

Redactor = Callable[[str], str]
MAX_TEXT = 20_000  # characters kept per event: telemetry, not an archive


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _now() -> datetime:
    return datetime.now(UTC)


def _event_id() -> str:
    return uuid.uuid4().hex


class DecisionEvent(_Frozen):
    """One guard decision with its request metadata, ready to store.

    ``event_id`` makes writes idempotent: a batch retried after an ambiguous failure is not stored
    twice. ``arm`` is the rollout arm (``live``, ``candidate``, ``shadow``); a shadow decision was
    evaluated and logged but not enforced.
    """

    event_id: str = Field(default_factory=_event_id)
    request_id: str = Field(min_length=1, max_length=128)
    tenant: str = Field(min_length=1, max_length=128)
    feature: str
    tier: TrustTier
    stage: Stage
    action: Action
    categories: tuple[str, ...] = ()
    scores: dict[str, float] = Field(default_factory=dict)
    errored: tuple[str, ...] = ()
    latencies_ms: dict[str, float] = Field(default_factory=dict)
    bucket: int | None = None
    arm: str = "live"
    policy_version: str = ""
    text: str | None = Field(default=None, repr=False)
    text_is_raw: bool = False
    created_at: datetime = Field(default_factory=_now)

    @classmethod
    def from_decision(
        cls,
        decision: Decision,
        *,
        request_id: str,
        tenant: str,
        text: str | None = None,
        store_raw: bool = False,
        redactor: Redactor | None = None,
        bucket: int | None = None,
        arm: str = "live",
        latencies_ms: dict[str, float] | None = None,
    ) -> DecisionEvent:
        """The event for ``decision`` on ``text`` (the exact text the decision scanned).

        Args:
            decision: What the guard decided.
            request_id: The gateway's id for the request (reports link to it).
            tenant: Owner of the request; every read of the store is scoped to it.
            text: The scanned text, or ``None`` to store no text at all.
            store_raw: Keep the text unredacted (only when the policy opts in).
            redactor: Extra redaction after the decision's findings; default
                :func:`default_redactor` (PII patterns and secrets).
            bucket: Rollout bucket of the user, if any.
            arm: Rollout arm that produced the decision.
            latencies_ms: Extra timings (upstream, total) merged over the decision's own.
        """
        stored = None
        if text is not None:  # only what is kept is redacted (with a margin for a cut entity)
            kept = text[: 2 * MAX_TEXT]
            stored = kept if store_raw else redact_text(kept, decision, redactor)
        return cls(
            request_id=request_id,
            tenant=tenant,
            feature=decision.feature,
            tier=decision.tier,
            stage=decision.stage,
            action=decision.action,
            categories=decision.categories,
            scores=dict(decision.scores),
            errored=decision.errored,
            latencies_ms={**decision.timings_ms, **(latencies_ms or {})},
            bucket=bucket,
            arm=arm,
            policy_version=decision.policy_version,
            text=None if stored is None else stored[:MAX_TEXT],
            text_is_raw=store_raw and stored is not None,
        )


class UserReport(_Frozen):
    """A user's report about one response (``POST /v1/reports``), linked by request id."""

    event_id: str = Field(default_factory=_event_id)
    request_id: str = Field(min_length=1, max_length=128)
    tenant: str = Field(min_length=1, max_length=128)
    reason: str = Field(min_length=1, max_length=64)
    text: str | None = Field(default=None, max_length=MAX_TEXT, repr=False)
    created_at: datetime = Field(default_factory=_now)

    def redacted(self, redactor: Redactor | None = None) -> UserReport:
        """A copy with the free text redacted (users paste personal data into reports)."""
        if self.text is None:
            return self
        return self.model_copy(update={"text": (redactor or default_redactor())(self.text)})


def redact_text(text: str, decision: Decision, redactor: Redactor | None = None) -> str:
    """``text`` with the decision's findings replaced, then passed through ``redactor``."""
    cleaned = redact(text, decision.findings) if decision.findings else text
    return (redactor or default_redactor())(cleaned)


@lru_cache(maxsize=1)
def default_redactor() -> Redactor:
    """PII patterns (the ``pii`` detector, no NER) and secrets, replaced by labels.

    Built once per process; the first call loads the PII recognisers (seconds), so call it at
    start-up (the gateway's lifespan) rather than on the first request.
    """
    from safeship.detectors.pii import PIIDetector
    from safeship.detectors.secrets import find_secrets

    pii = PIIDetector()
    pii.setup()

    def _redact(text: str) -> str:
        return redact(text, [*pii.find(text), *find_secrets(text)])

    return _redact
