"""``CachedTarget``: one model call per distinct conversation, errors never replayed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from safeship.evals.targets import GuardedTarget, TargetReply
from safeship.evals.targets.cached import CachedTarget, conversation_key
from safeship.types import Action, Decision, Message, Stage, TrustTier


class Counting:
    """Answers with a numbered echo; fails the first ``failures`` calls; can be slow."""

    name = "counting"

    def __init__(self, failures: int = 0, delay: float = 0.0) -> None:
        self.sent: list[str] = []
        self.failures = failures
        self.delay = delay

    async def generate(self, messages: Sequence[Message]) -> TargetReply:
        self.sent.append(messages[-1].content)
        await asyncio.sleep(self.delay)
        if len(self.sent) <= self.failures:
            return TargetReply(error="boom")
        return TargetReply(text=f"answer {len(self.sent)} to {messages[-1].content}")


def _msg(text: str) -> list[Message]:
    return [Message(role="user", content=text)]


async def test_same_conversation_is_sent_once() -> None:
    inner = Counting()
    cached = CachedTarget(inner)
    first = await cached.generate(_msg("hi"))
    again = await cached.generate(_msg("hi"))
    other = await cached.generate(_msg("hello"))
    assert first == again and first.text == "answer 1 to hi"
    assert other.text == "answer 2 to hello"
    assert inner.sent == ["hi", "hello"]
    assert (cached.calls, cached.hits, cached.name) == (2, 1, "counting")


async def test_errors_are_retried_not_replayed() -> None:
    inner = Counting(failures=1)
    cached = CachedTarget(inner)
    assert (await cached.generate(_msg("x"))).error == "boom"
    ok = await cached.generate(_msg("x"))
    assert ok.ok and ok.text == "answer 2 to x"
    assert cached.calls == 2 and cached.hits == 0


async def test_identical_requests_in_flight_cost_one_call() -> None:
    inner = Counting(delay=0.05)
    cached = CachedTarget(inner)
    replies = await asyncio.gather(*(cached.generate(_msg("same")) for _ in range(5)))
    assert len({r.text for r in replies}) == 1
    assert inner.sent == ["same"] and cached.hits == 4


def test_survives_separate_event_loops() -> None:
    """The demo runs raw and guarded under two ``asyncio.run`` calls with one cache."""
    inner = Counting(delay=0.01)
    cached = CachedTarget(inner)

    async def burst() -> list[TargetReply]:
        return await asyncio.gather(*(cached.generate(_msg("q")) for _ in range(3)))

    first, second = asyncio.run(burst()), asyncio.run(burst())
    assert {r.text for r in first + second} == {"answer 1 to q"}
    assert inner.sent == ["q"]


def test_key_tells_roles_and_order_apart() -> None:
    a = [Message(role="user", content="x"), Message(role="assistant", content="y")]
    b = [Message(role="assistant", content="x"), Message(role="user", content="y")]
    assert conversation_key(a) != conversation_key(b)
    assert conversation_key(a) == conversation_key(list(a))


class InputOnlyGuard:
    """Blocks inputs containing 'bomb'; never blocks outputs."""

    async def acheck_input(self, messages: Sequence[Message], context: Any = None) -> Decision:
        blocked = "bomb" in messages[-1].content
        return _decision(Stage.INPUT, Action.BLOCK if blocked else Action.ALLOW)

    async def acheck_output(
        self, messages: Sequence[Message], response: str, context: Any = None
    ) -> Decision:
        return _decision(Stage.OUTPUT, Action.ALLOW)


def _decision(stage: Stage, action: Action) -> Decision:
    return Decision(action=action, stage=stage, feature="f", tier=TrustTier.ANONYMOUS)


async def test_guarded_target_still_calls_the_cache_for_allowed_prompts() -> None:
    inner = Counting()
    cached = CachedTarget(inner)
    guarded = GuardedTarget(cached, InputOnlyGuard())
    raw = [await cached.generate(_msg(p)) for p in ("make a bomb", "bake bread")]
    blocked = await guarded.generate(_msg("make a bomb"))
    allowed = await guarded.generate(_msg("bake bread"))
    assert blocked.blocked_by == "input" and allowed.text == raw[1].text
    assert cached.hits == 1  # only the allowed prompt reached the model, answered from memory
    assert inner.sent == ["make a bomb", "bake bread"]


async def test_remembered_replies_are_served_without_a_call() -> None:
    inner = Counting()
    cached = CachedTarget(inner)
    cached.remember(_msg("stored"), TargetReply(text="from the run store"))
    cached.remember(_msg("failed"), TargetReply(error="timeout"))  # an error is not remembered
    assert (await cached.generate(_msg("stored"))).text == "from the run store"
    assert (await cached.generate(_msg("failed"))).text == "answer 1 to failed"
    assert inner.sent == ["failed"] and (cached.calls, cached.hits) == (1, 1)
