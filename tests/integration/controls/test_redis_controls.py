import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from safeship.controls.escalation import EscalationPolicy, Escalator, Level, RedisViolationStore
from safeship.controls.flags import FeatureFlag, FeatureFlags, RedisFlagStore
from safeship.controls.limits import LimitRule, RateLimiter, Subject

pytestmark = pytest.mark.integration

RULE = LimitRule(name="global_user", scope="user", rate="10/minute", fail_mode="closed")

WORKER = """
import asyncio, sys
from safeship.controls.limits import LimitRule, RateLimiter, Subject
rule = LimitRule(name="global_user", scope="user", rate="10/minute", fail_mode="closed")
async def main():
    limiter = RateLimiter.from_url([rule], sys.argv[1], key_prefix=sys.argv[2])
    allowed = 0
    for _ in range(int(sys.argv[3])):
        allowed += (await limiter.check(Subject(user="shared"))).allowed
    await limiter.aclose()
    print(allowed)
asyncio.run(main())
"""


async def test_limit_holds_across_two_limiter_instances(redis_url: str, prefix: str) -> None:
    a = RateLimiter.from_url([RULE], redis_url, key_prefix=prefix)
    b = RateLimiter.from_url([RULE], redis_url, key_prefix=prefix)
    try:
        bob = Subject(user="bob")
        results = [await (a if i % 2 else b).check(bob) for i in range(14)]
        assert sum(r.allowed for r in results) == 10
        assert all(r.retry_after_s >= 1 for r in results if not r.allowed)
        assert a.stats().storage_errors == 0
        await a.reset()
    finally:
        await a.aclose()
        await b.aclose()


async def test_a_charge_bigger_than_the_rest_uses_the_quota_up_on_redis(
    redis_url: str, prefix: str
) -> None:
    rule = LimitRule(name="tok", scope="user", unit="tokens", rate="300/hour", fail_mode="closed")
    a = RateLimiter.from_url([rule], redis_url, key_prefix=prefix)
    b = RateLimiter.from_url([rule], redis_url, key_prefix=prefix)
    try:
        alice = Subject(user="alice")
        assert (await a.check(alice, tokens=10)).allowed
        await a.charge(alice, tokens=500)  # one replica charges a large completion
        assert not (await b.check(alice, tokens=1)).allowed  # the other sees the quota used up
        assert a.stats().storage_errors == 0
    finally:
        await a.aclose()
        await b.aclose()


def test_limit_holds_across_two_processes(redis_url: str, prefix: str, tmp_path: Path) -> None:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    procs = [
        subprocess.Popen([sys.executable, str(script), redis_url, prefix, "8"], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(int(o.strip()) for o in outs) == 10  # 16 attempts, one shared limit of 10


async def test_escalation_is_shared_between_replicas(redis_url: str, prefix: str) -> None:
    policy = EscalationPolicy(warn_at=1, throttle_at=2, suspend_at=4, half_life_s=3600)
    stores = [RedisViolationStore(redis_url, prefix=prefix) for _ in range(2)]
    try:
        a, b = (Escalator(policy, s, clock=lambda: 1000.0) for s in stores)
        await asyncio.gather(*(x.record("mallory") for x in (a, b, a, b)))  # concurrent: none lost
        state = await b.status("mallory")
        assert state.level is Level.SUSPEND and state.score == pytest.approx(4)
        assert (await a.status("someone")).level is Level.NONE
    finally:
        for s in stores:
            await s.aclose()


async def test_a_replica_whose_clock_runs_behind_cannot_speed_up_decay(
    redis_url: str, prefix: str
) -> None:
    """Status reads through a slow-clocked replica must not rewind a score's time."""
    policy = EscalationPolicy(warn_at=1, throttle_at=3, suspend_at=6, half_life_s=3600)
    store = RedisViolationStore(redis_url, prefix=prefix)
    now = [1000.0]
    try:
        ahead = Escalator(policy, store, clock=lambda: now[0])
        behind = Escalator(policy, store, clock=lambda: now[0] - 2.0)
        for _ in range(7):
            await ahead.record("mallory")
        for _ in range(500):  # 10 s of alternating reads through both replicas
            now[0] += 0.02
            await ahead.status("mallory")
            await behind.status("mallory")
        state = await ahead.status("mallory")
        assert state.level is Level.SUSPEND
        assert state.score == pytest.approx(7 * 0.5 ** (10 / 3600), rel=1e-4)  # ten seconds' decay
    finally:
        await store.aclose()


async def test_kill_switch_reaches_the_other_replica_within_one_second(redis_url: str, prefix: str) -> None:
    stores = [RedisFlagStore(redis_url, key=prefix) for _ in range(2)]
    try:
        await _kill_switch_round_trip(*stores)
    finally:
        for s in stores:
            await s.aclose()


async def _kill_switch_round_trip(*stores: RedisFlagStore) -> None:
    a, b = (FeatureFlags(s, cache_ttl_s=0.5) for s in stores)
    await a.set(FeatureFlag(feature="chat", live_policy="v1"))
    assert (await b.assign("chat", "u")).enabled
    await a.kill("chat")
    start = time.monotonic()
    while (await b.assign("chat", "u")).enabled:
        await asyncio.sleep(0.02)
        assert time.monotonic() - start < 1.0, "kill switch did not reach replica b within 1 s"
    await a.revive()  # releasing the global switch also goes through
    await b.kill()  # global kill from b stops every feature on a
    start = time.monotonic()
    while (await a.assign("search", "u")).enabled:
        await asyncio.sleep(0.02)
        assert time.monotonic() - start < 1.0
    assert [f.feature for f in await stores[0].all()] == ["*", "chat"]


async def test_concurrent_changes_to_one_flag_are_all_kept(redis_url: str, prefix: str) -> None:
    """A kill switch flipped while another replica ramps the rollout must stay flipped."""
    a = FeatureFlags(RedisFlagStore(redis_url, f"{prefix}:flags"))
    b = FeatureFlags(RedisFlagStore(redis_url, f"{prefix}:flags"))
    try:
        for percent in range(1, 21):
            await asyncio.gather(a.kill("chat"), b.update("chat", rollout_percent=percent))
            stored = await a.store.get("chat")
            assert stored is not None and stored.killed and stored.rollout_percent == percent
            await a.revive("chat")
    finally:
        for flags in (a, b):
            await flags.store.aclose()  # type: ignore[attr-defined]
