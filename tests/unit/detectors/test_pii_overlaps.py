"""Overlapping PII findings: the strongest (then longest) is kept, in linear-ish time."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from safeship.detectors.pii import _resolve_overlaps
from safeship.types import Finding


def reference(findings: list[Finding]) -> list[Finding]:
    """The rule as first written: each candidate against every span kept so far."""
    ranked = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for f in ranked:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


spans = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 12), st.sampled_from([0.4, 0.6, 0.85, 0.95])),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(spans)
def test_the_same_spans_are_kept_as_by_the_first_rule(raw: list[tuple[int, int, float]]) -> None:
    found = [
        Finding(start=a, end=a + n, text="x" * n, entity="EMAIL_ADDRESS", score=s)
        for a, n, s in raw
    ]
    assert _resolve_overlaps(found) == reference(found)
