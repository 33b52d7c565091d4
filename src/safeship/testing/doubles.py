"""Test-double detectors, registered through entry points exactly like real ones."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from safeship.detectors.base import BaseDetector, DetectorInput, DetectorParams
from safeship.errors import DetectorError
from safeship.types import DetectorResult


class DoubleParams(DetectorParams):
    """Params shared by the doubles: the category they report."""

    category: str = "test"


class FixedScoreParams(DoubleParams):
    """The score the fixed-score double gives every text."""

    score: float = Field(default=0.6, ge=0.0, le=1.0)


class FixedScoreDetector(BaseDetector):
    """Scores every text ``params.score``: a borderline detector for escalation tests."""

    name: ClassVar[str] = "fixed_score"
    description: ClassVar[str] = "Test double: the same score for every text."
    params_model: ClassVar[type[DetectorParams]] = FixedScoreParams

    def _value(self) -> float:
        assert isinstance(self.params, FixedScoreParams)
        return self.params.score

    def score(self, item: DetectorInput) -> DetectorResult:
        """Return the same score for every text, under the configured category."""
        assert isinstance(self.params, DoubleParams)
        return self.result(self._value(), self.params.category)


class AlwaysPassDetector(FixedScoreDetector):
    """Scores every text 0.0."""

    name: ClassVar[str] = "always_pass"
    description: ClassVar[str] = "Test double: never flags."
    params_model: ClassVar[type[DetectorParams]] = DoubleParams

    def _value(self) -> float:
        return 0.0


class AlwaysFlagDetector(FixedScoreDetector):
    """Scores every text 1.0."""

    name: ClassVar[str] = "always_flag"
    description: ClassVar[str] = "Test double: flags everything."
    params_model: ClassVar[type[DetectorParams]] = DoubleParams

    def _value(self) -> float:
        return 1.0


class AlwaysErrorDetector(BaseDetector):
    """Raises on every text, to exercise fail modes."""

    name: ClassVar[str] = "always_error"
    description: ClassVar[str] = "Test double: always raises."
    params_model: ClassVar[type[DetectorParams]] = DoubleParams

    def score(self, item: DetectorInput) -> DetectorResult:
        """Raise ``DetectorError``."""
        raise DetectorError("always_error detector failed on purpose")
