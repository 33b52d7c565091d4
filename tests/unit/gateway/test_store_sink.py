"""StoreSink: chat-sized decisions are stored from the loop, long texts from a worker thread,
and both are redacted before they reach the telemetry sink."""

from __future__ import annotations

import threading
from typing import Any

from safeship.gateway.adapters import INLINE_TEXT_CHARS, StoreSink
from safeship.gateway.ports import DecisionEvent
from safeship.guard import Guard
from safeship.policy.load import parse_policy
from safeship.store import DecisionEvent as StoredDecision
from safeship.store.events import default_redactor
from safeship.types import Stage, TrustTier

POLICY = """
version: 1
name: sink
default_feature: chat
features:
  chat:
    input: []
    output: [{detector: secrets}]
"""


class CaptureSink:
    """The one method of ``TelemetrySink`` that ``StoreSink`` calls."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def emit(self, item: Any) -> bool:
        self.items.append(item)
        return True


async def test_short_texts_convert_on_the_loop_long_ones_in_a_thread_both_redacted() -> None:
    guard = Guard(parse_policy(POLICY, "sink.yaml"), embedder=None)
    capture = CaptureSink()
    sink = StoreSink(capture, redactor=default_redactor())  # type: ignore[arg-type]
    built_on: list[int] = []
    convert = sink._decision

    def recording(event: DecisionEvent) -> StoredDecision:
        built_on.append(threading.get_ident())
        return convert(event)

    sink._decision = recording  # type: ignore[method-assign]
    short = "Sure, write to jane.roe@example.org about the refund."
    long = short + " The rest of the answer goes on." * (INLINE_TEXT_CHARS // 30)
    assert len(long) > INLINE_TEXT_CHARS
    for text in (short, long):
        decision = await guard.acheck_output([{"role": "user", "content": "hi"}], text)
        sink.emit(
            DecisionEvent(
                request_id=f"r{len(text)}",
                tenant="acme",
                feature="chat",
                tier=TrustTier.ANONYMOUS,
                key_id=None,
                user_id=None,
                endpoint="chat",
                stage=Stage.OUTPUT,
                action=decision.action,
                decision=decision,
                text=text,
            )
        )
    assert capture.items == []  # nothing converted on the request's own step
    await sink.drain()
    assert len(capture.items) == 2 and sink.dropped == 0
    assert built_on[0] == threading.get_ident() and built_on[1] != threading.get_ident()
    for item in capture.items:
        assert item.text and "jane.roe@example.org" not in item.text


async def test_shutdown_keeps_its_deadline_and_counts_what_it_abandons() -> None:
    """Slow conversions (huge texts) must not hold a shutdown past ``flush_timeout_s``."""
    import asyncio
    import time

    guard = Guard(parse_policy(POLICY, "sink.yaml"), embedder=None)
    capture = CaptureSink()
    sink = StoreSink(capture, redactor=lambda text: time.sleep(1.5) or text)  # type: ignore[arg-type]
    long = "word " * INLINE_TEXT_CHARS
    decision = await guard.acheck_output([{"role": "user", "content": "hi"}], "ok")
    for i in range(3):
        sink.emit(
            DecisionEvent(
                request_id=f"r{i}", tenant="acme", feature="chat", tier=TrustTier.ANONYMOUS,
                key_id=None, user_id=None, endpoint="chat", stage=Stage.OUTPUT,
                action=decision.action, decision=decision, text=long,
            )
        )  # fmt: skip
    began = time.monotonic()
    await sink.drain(0.3)
    assert time.monotonic() - began < 1.0
    assert sink.dropped == 3 and capture.items == []
    await asyncio.sleep(1.6)  # the abandoned conversions finish in their threads, unused


async def test_only_the_kept_part_of_a_huge_text_is_redacted() -> None:
    from safeship.store.events import MAX_TEXT

    seen: list[int] = []
    guard = Guard(parse_policy(POLICY, "sink.yaml"), embedder=None)
    decision = await guard.acheck_output([{"role": "user", "content": "hi"}], "ok")
    stored = StoredDecision.from_decision(
        decision,
        request_id="r1",
        tenant="acme",
        text="x" * (50 * MAX_TEXT),
        redactor=lambda t: seen.append(len(t)) or t,  # type: ignore[func-returns-value]
    )
    assert seen == [2 * MAX_TEXT] and stored.text is not None and len(stored.text) == MAX_TEXT
