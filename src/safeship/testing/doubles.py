"""Test-double detectors, registered through entry points exactly like real ones."""

from __future__ import annotations

from typing import ClassVar

from safeship.detectors.base import BaseDetector, DetectorInput, DetectorParams
from safeship.errors import DetectorError
from safeship.types import DetectorResult


class DoubleParams(DetectorParams):
    """Params shared by the doubles: the category they report."""

    category: str = "test"


class AlwaysPassDetector(BaseDetector):
    """Scores every text 0.0."""

    name: ClassVar[str] = "always_pass"
    description: ClassVar[str] = "Test double: never flags."
    params_model: ClassVar[type[DetectorParams]] = DoubleParams

    def score(self, item: DetectorInput) -> DetectorResult:
        """Return 0."""
        assert isinstance(self.params, DoubleParams)
        return self.result(0.0, self.params.category)


class AlwaysFlagDetector(BaseDetector):
    """Scores every text 1.0."""

    name: ClassVar[str] = "always_flag"
    description: ClassVar[str] = "Test double: flags everything."
    params_model: ClassVar[type[DetectorParams]] = DoubleParams

    def score(self, item: DetectorInput) -> DetectorResult:
        """Return 1."""
        assert isinstance(self.params, DoubleParams)
        return self.result(1.0, self.params.category)


class AlwaysErrorDetector(BaseDetector):
    """Raises on every text, to exercise fail modes."""

    name: ClassVar[str] = "always_error"
    description: ClassVar[str] = "Test double: always raises."
    params_model: ClassVar[type[DetectorParams]] = DoubleParams

    def score(self, item: DetectorInput) -> DetectorResult:
        """Raise ``DetectorError``."""
        raise DetectorError("always_error detector failed on purpose")
