"""A pasted 1 MB message must not stall the gateway: other callers are served meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import ClassVar

import pytest
from gateway_support import chat, gateway

from safeship.detectors.base import BaseDetector, DetectorInput, detectors
from safeship.guard import Guard
from safeship.long_text import LONG_TEXT_CHARS
from safeship.policy.load import parse_policy
from safeship.types import DetectorResult

SCAN_S = 0.6


class LengthScan(BaseDetector):
    """Inline detector whose cost grows with the text, as the window scans' does."""

    name: ClassVar[str] = "length_scan"
    description: ClassVar[str] = "test: slow on long texts only"

    def score(self, item: DetectorInput) -> DetectorResult:
        if len(item.text) > LONG_TEXT_CHARS:
            time.sleep(SCAN_S)  # holds its thread like CPU work
        return self.result(0.0, "scan")


POLICY = """
version: 1
default_feature: chat
features:
  chat:
    input: [{detector: length_scan, timeout_ms: 5000}]
"""


@pytest.fixture()
def long_guard() -> Iterator[Guard]:
    detectors.register()(LengthScan)
    g = Guard(parse_policy(POLICY, "long.yaml"), embedder=None)
    yield g
    g.close()
    detectors.unregister("length_scan")


async def test_short_requests_are_answered_while_a_long_one_is_screened(long_guard: Guard) -> None:
    async with gateway(long_guard) as client:
        finished: dict[str, float] = {}
        start = time.perf_counter()

        async def send(name: str, text: str) -> int:
            r = await client.post("/v1/chat/completions", json=chat(text))
            finished[name] = time.perf_counter() - start
            return r.status_code

        long_call = asyncio.create_task(send("long", "pasted report line. " * 40_000))
        await asyncio.sleep(0.05)  # the long request is being screened
        short_status = await send("short", "Where is my order?")
        assert await long_call == 200 and short_status == 200
    assert finished["short"] < finished["long"]
    assert finished["short"] < SCAN_S  # inline, it would have waited for the whole scan
