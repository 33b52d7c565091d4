"""Gateway fixtures: one warmed-up guard on deterministic detectors per module, a list sink."""

from __future__ import annotations

import pytest
from gateway_support import make_guard

from safeship.gateway import ListSink
from safeship.guard import Guard


@pytest.fixture(scope="module")
def guard() -> Guard:
    return make_guard()


@pytest.fixture()
def sink() -> ListSink:
    return ListSink()
