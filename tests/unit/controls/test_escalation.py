import pytest
from pydantic import ValidationError

from safeship.controls.escalation import (
    EscalationPolicy,
    Escalator,
    Level,
    RedisViolationStore,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


POLICY = EscalationPolicy(warn_at=1, throttle_at=3, suspend_at=5, half_life_s=60)


async def test_repeated_blocks_escalate_warn_throttle_suspend() -> None:
    esc = Escalator(POLICY, clock=Clock())
    levels = [(await esc.record("mallory")).level for _ in range(5)]
    assert levels == [Level.WARN, Level.WARN, Level.THROTTLE, Level.THROTTLE, Level.SUSPEND]
    assert (await esc.status("someone-else")).level is Level.NONE


async def test_score_decays_with_half_life_back_to_none() -> None:
    clock = Clock()
    esc = Escalator(POLICY, clock=clock)
    for _ in range(5):
        await esc.record("mallory")
    assert (await esc.status("mallory")).level is Level.SUSPEND
    clock.now += 60  # one half-life: 5 -> 2.5
    state = await esc.status("mallory")
    assert state.level is Level.WARN and state.score == pytest.approx(2.5)
    clock.now += 600
    assert (await esc.status("mallory")).level is Level.NONE
    # status() never counts
    assert (await esc.status("mallory")).score < 0.01


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="warn_at <= throttle_at"):
        EscalationPolicy(warn_at=5, throttle_at=3, suspend_at=6)


async def test_unreachable_redis_returns_fail_level_degraded() -> None:
    policy = POLICY.model_copy(update={"fail_level": Level.WARN})
    esc = Escalator(policy, RedisViolationStore("redis://127.0.0.1:1/0"))
    state = await esc.record("bob")
    assert state.degraded and state.level is Level.WARN
    assert esc.storage_errors == 1
