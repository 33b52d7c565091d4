"""Frozen value objects shared by every layer of the runtime flow.

request -> ``Guard`` -> detectors give ``DetectorResult`` -> policy engine -> ``Decision``.
Everything here is immutable and JSON-serialisable so a decision can be logged, stored and diffed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Action(StrEnum):
    """What the guard does with a text, ordered by severity (see ``severity``)."""

    ALLOW = "allow"
    WARN = "warn"
    REDACT = "redact"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        """Rank used to combine actions: the most severe one wins."""
        return _SEVERITY[self]


_SEVERITY = {Action.ALLOW: 0, Action.WARN: 1, Action.REDACT: 2, Action.BLOCK: 3}


class TrustTier(StrEnum):
    """Who is calling; anonymous traffic is held to stricter thresholds by default."""

    ANONYMOUS = "anonymous"
    AUTHENTICATED = "authenticated"
    INTERNAL = "internal"


class Stage(StrEnum):
    """Which side of the model a check runs on."""

    INPUT = "input"
    OUTPUT = "output"


class DetectorStatus(StrEnum):
    """Outcome of running one detector; ``errored``/``timeout`` are never counted as passed."""

    OK = "ok"
    ERRORED = "errored"
    TIMEOUT = "timeout"


Role = Literal["system", "user", "assistant", "tool", "developer"]


class Message(_Frozen):
    """One chat message (OpenAI-style roles)."""

    role: Role
    content: str
    name: str | None = None


class Finding(_Frozen):
    """A located piece of evidence: a PII entity, a secret, a rule hit, a toxic span.

    Offsets index into the original (un-normalised) text that was scanned.
    """

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str = Field(repr=False)  # may be a secret or PII: kept out of repr() and log lines
    entity: str | None = None
    category: str | None = None
    score: float = Field(default=1.0, ge=0.0, le=1.0)


class DetectorResult(_Frozen):
    """What one detector says about one text: a calibrated score in [0, 1], never a decision.

    ``score >= 0.5`` is the detector's own default decision point; thresholds and actions belong to
    the policy. ``categories`` maps each category the detector scored to its score, and
    ``category`` names the top one.
    """

    detector: str
    score: float = Field(ge=0.0, le=1.0)
    category: str
    categories: dict[str, float] = Field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    status: DetectorStatus = DetectorStatus.OK
    error: str | None = None
    latency_ms: float = 0.0
    details: dict[str, Any] = Field(default_factory=dict)


class Refusal(_Frozen):
    """A structured refusal that says why and redirects the user somewhere useful."""

    category: str
    reason_code: str
    message: str
    redirect: str | None = None


class Decision(_Frozen):
    """The guard's verdict on one input or output check."""

    action: Action
    stage: Stage
    feature: str
    tier: TrustTier
    categories: tuple[str, ...] = ()
    scores: dict[str, float] = Field(default_factory=dict)
    results: tuple[DetectorResult, ...] = ()
    findings: tuple[Finding, ...] = ()
    errored: tuple[str, ...] = ()
    redacted_text: str | None = None
    refusal: Refusal | None = None
    rule_hits: tuple[str, ...] = ()
    timings_ms: dict[str, float] = Field(default_factory=dict)
    policy_version: str = ""

    @property
    def blocked(self) -> bool:
        """True when the text must not pass."""
        return self.action is Action.BLOCK
