"""The detector contract: one Protocol, one params base model, one input type.

A detector behaves like a scikit-learn estimator: ``__init__`` stores typed params only, ``setup()``
loads weights (once, lazily), and ``detect()`` returns a calibrated score in [0, 1] with the
category and spans it found. It never decides: thresholds and actions belong to the policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from safeship.registry import Registry
from safeship.types import DetectorResult, Stage

if TYPE_CHECKING:
    from safeship.features.cache import FeatureCache
    from safeship.text.normalise import NormalisedText

Source = Literal["user", "assistant", "tool", "document", "conversation"]


class DetectorParams(BaseModel):
    """Base of every detector's own params model; unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class DetectorInput:
    """One text to score, with what a detector may need around it.

    ``normalised`` is computed once per text by the guard and shared by all detectors;
    ``features`` memoises expensive features (hashed n-grams, sentence embeddings) per text so
    that several detectors needing the same embedding compute it once.
    """

    text: str
    normalised: NormalisedText
    features: FeatureCache
    stage: Stage = Stage.INPUT
    source: Source = "user"
    prompt: str | None = None
    system: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


@runtime_checkable
class Detector(Protocol):
    """What the guard needs from a detector."""

    plugin_kind: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str]
    stages: ClassVar[frozenset[Stage]]
    params_model: ClassVar[type[DetectorParams]]
    blocking: ClassVar[bool]
    contextual: ClassVar[bool]

    def setup(self) -> None:
        """Load weights and compile patterns; called once before the first ``detect``."""

    async def detect(self, item: DetectorInput) -> DetectorResult:
        """Score one text."""


class BaseDetector:
    """Convenience base: stores params, makes ``setup`` idempotent, runs sync ``score`` inline.

    Subclasses set the class variables and implement ``_setup`` and ``score``. CPU-light detectors
    run inline on the event loop (a thread hop costs more than they do); set ``blocking = True`` for
    slow or I/O-bound work so the guard runs it in a worker thread under its timeout.
    ``contextual`` detectors also score the recent conversation joined together (multi-turn
    attacks); ``sources`` says which kinds of text a detector reads: add ``"document"`` (and
    ``"tool"``) for detectors that should screen retrieved documents and tool results.
    """

    plugin_kind: ClassVar[str] = "detector"
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.INPUT, Stage.OUTPUT})
    params_model: ClassVar[type[DetectorParams]] = DetectorParams
    blocking: ClassVar[bool] = False
    contextual: ClassVar[bool] = False
    embeds: ClassVar[bool] = False  # stage 2 reads the shared sentence embedder (warmup loads it)
    sources: ClassVar[frozenset[str]] = frozenset({"user", "assistant", "conversation"})
    reports: ClassVar[frozenset[str] | None] = None  # every category it can report (None: unknown)

    def __init__(self, params: DetectorParams | None = None) -> None:
        self.params = params if params is not None else self.params_model()
        self._ready = False

    @classmethod
    def categories_for(cls, params: DetectorParams) -> frozenset[str] | None:
        """Every category this detector can report under ``params``; None when not known ahead.

        Why: the policy loader refuses a ``thresholds``, ``actions`` or ``refusals`` key that no
        layer of the feature can ever report. A misspelt category (``self_harn``) otherwise
        never applies, and the policy is silently looser or stricter than its author wrote.
        Plugins that set neither this nor ``reports`` are not checked.
        """
        return cls.reports

    def setup(self) -> None:
        """Load resources once."""
        if not self._ready:
            self._setup()
            self._ready = True

    def _setup(self) -> None:
        """Load weights; override when there is something to load."""

    def score(self, item: DetectorInput) -> DetectorResult:
        """Score synchronously; override this (or ``detect`` for native async work)."""
        raise NotImplementedError

    async def detect(self, item: DetectorInput) -> DetectorResult:
        """Score one text (inline; see class docstring)."""
        self.setup()
        return self.score(item)

    def result(self, score: float, category: str, **kwargs: object) -> DetectorResult:
        """Build a result, clipping the score into [0, 1]."""
        clipped = min(1.0, max(0.0, float(score)))
        return DetectorResult(
            detector=self.name,
            score=clipped,
            category=category,
            **kwargs,  # type: ignore[arg-type,unused-ignore]
        )


detectors: Registry[BaseDetector] = Registry("detector")
