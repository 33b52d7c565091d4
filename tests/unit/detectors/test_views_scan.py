"""A view that decodes many copies of one value judges the value once, not once per copy."""

from __future__ import annotations

import pytest

from safeship.detectors.base import DetectorInput
from safeship.detectors.pii import PIIDetector
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.text.locate import Folding
from safeship.text.normalise import normalise


def test_hundreds_of_escaped_copies_of_one_address_are_located_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """570 %-escaped copies of one address in a chat turn held the event loop 1.4 s in pii:
    every copy in the all-at-once view was located on the text and counted against every
    payload again, and the overlap check compared every span with every other."""
    calls: list[str] = []
    real = Folding.locate_all

    def counting(self: Folding, value: str) -> list[tuple[int, int]]:
        calls.append(value)
        return real(self, value)

    monkeypatch.setattr(Folding, "locate_all", counting)
    text = " ".join(["%61%62%63@x.io"] * 500)
    detector = PIIDetector()
    detector.setup()
    item = DetectorInput(text=text, normalised=normalise(text), features=FeatureCache(NgramHasher()))
    result = detector.score(item)
    assert result.score >= 0.5
    assert len(calls) <= len(set(normalise(text).views))  # once per value and view at most
    assert len({(f.start, f.end) for f in result.findings}) >= 500  # every copy cut out
