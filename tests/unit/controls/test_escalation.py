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


async def test_doubtful_blocks_are_not_counted() -> None:
    esc = Escalator(POLICY, clock=Clock())  # min_score 0.8 by default
    doubtful = [(await esc.record("alice", certainty=0.6)).score for _ in range(3)]
    assert doubtful == [0.0, 0.0, 0.0]
    assert (await esc.record("alice", certainty=0.8)).level is Level.WARN
    lenient = Escalator(POLICY.model_copy(update={"min_score": 0.0}), clock=Clock())
    assert (await lenient.record("bob", certainty=0.1)).level is Level.WARN


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


class CountingDeadStore:
    """A violation store that fails every call, counting them."""

    def __init__(self) -> None:
        self.calls = 0

    async def add(self, key: str, amount: float, now: float, half_life_s: float) -> float:
        self.calls += 1
        raise ConnectionError("timed out")


async def test_a_failing_store_is_not_asked_again_for_a_second() -> None:
    """A hanging Redis must not cost every request its timeout."""
    store = CountingDeadStore()
    esc = Escalator(POLICY.model_copy(update={"fail_level": Level.WARN}), store)
    states = [await esc.status(f"user-{i}") for i in range(10)]
    assert all(s.degraded and s.level is Level.WARN for s in states)
    assert store.calls == 1 and esc.storage_errors == 10


async def test_a_reached_level_holds_for_the_grace_period_in_real_time() -> None:
    clock = Clock()
    policy = EscalationPolicy(warn_at=1, throttle_at=3, suspend_at=5, half_life_s=3600, grace_s=300)
    esc = Escalator(policy, clock=clock)
    assert (await esc.record("eve")).level is Level.WARN
    clock.now += 0.001  # without a grace, 0.9999998 < warn_at: the warning would vanish at once
    assert (await esc.status("eve")).level is Level.WARN
    for _ in range(2):
        await esc.record("eve")
    clock.now += 299
    assert (await esc.status("eve")).level is Level.THROTTLE  # three attempts: throttled
    clock.now += 2
    assert (await esc.status("eve")).level is Level.WARN  # the grace is over: decay shows
    assert EscalationPolicy(half_life_s=120).held(1.0) == pytest.approx(2 ** (1 / 12))
