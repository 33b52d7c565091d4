"""Run one detector on standalone texts, outside any policy (``safeship detect``, benchmarks).

The same preparation as the guard: text cleaned, normalised once, features memoised per batch.
A detector that raises gives an ``errored`` result rather than an exception, as in the guard.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from safeship.detectors.base import BaseDetector, DetectorInput, Source, detectors
from safeship.features.cache import FeatureCache
from safeship.features.embedding import Embedder
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from safeship.guard import _clean
from safeship.text.normalise import normalise
from safeship.types import DetectorResult, DetectorStatus, Stage


class Scanner:
    """One detector plus the shared feature extractors it needs."""

    def __init__(self, detector: BaseDetector, embedder: Embedder | None = None) -> None:
        self.detector = detector
        self._hasher = NgramHasher()
        self._embedder: Embedder = embedder if embedder is not None else LazyEmbedder()
        self._loop = asyncio.new_event_loop()

    @classmethod
    def by_name(cls, name: str, params: dict[str, Any] | None = None) -> Scanner:
        """Build a scanner for a registered detector with validated params."""
        det_cls = detectors.get(name)
        return cls(det_cls(det_cls.params_model.model_validate(params or {})))

    def item(
        self,
        text: str,
        cache: FeatureCache,
        *,
        source: Source = "user",
        prompt: str | None = None,
        system: str | None = None,
    ) -> DetectorInput:
        """The detector input the guard would build for ``text``."""
        text = _clean(text)
        stage = Stage.INPUT if Stage.INPUT in self.detector.stages else Stage.OUTPUT
        return DetectorInput(
            text=text,
            normalised=normalise(text),
            features=cache,
            stage=stage,
            source=source,
            prompt=prompt,
            system=system,
        )

    def scan(self, text: str, **kwargs: Any) -> DetectorResult:
        """Score one text; never raises for a detector failure."""
        cache = FeatureCache(self._hasher, self._embedder)
        item = self.item(text, cache, **kwargs)
        start = time.perf_counter()
        try:
            result = self._loop.run_until_complete(self.detector.detect(item))
        except Exception as exc:  # reported, never counted as a pass
            return DetectorResult(
                detector=self.detector.name,
                score=0.0,
                category="detector_error",
                status=DetectorStatus.ERRORED,
                error=f"{type(exc).__name__}: {exc}"[:300],
            )
        return result.model_copy(update={"latency_ms": (time.perf_counter() - start) * 1000})

    def close(self) -> None:
        """Release the private event loop."""
        self._loop.close()
