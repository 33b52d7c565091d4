"""The gateway package's curated public API."""

from __future__ import annotations

import safeship.gateway as gateway
from safeship.gateway import AllEnabled, ListSink, NoLimits, NullSink
from safeship.gateway.ports import DecisionSink, Flags, Limiter


def test_public_api_is_sorted_and_documented() -> None:
    assert gateway.__all__ == sorted(gateway.__all__)
    for name in gateway.__all__:
        assert (getattr(gateway, name).__doc__ or "").strip(), name


def test_default_controls_satisfy_the_ports() -> None:
    assert isinstance(NoLimits(), Limiter)
    assert isinstance(AllEnabled(), Flags)
    assert isinstance(NullSink(), DecisionSink) and isinstance(ListSink(), DecisionSink)
