import time

import pytest
from limits.aio.storage import MemoryStorage
from pydantic import ValidationError

from safeship.controls.limits import LimitRule, RateLimiter, Subject

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


async def test_requests_limit_denies_after_rate_with_retry_after() -> None:
    limiter = RateLimiter([LimitRule(name="per_user", scope="user", rate="3/minute")])
    bob = Subject(user="bob")
    results = [await limiter.check(bob) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    denied = results[-1]
    assert denied.rule == "per_user"
    assert 1 <= denied.retry_after_s <= 60
    assert denied.headers() == {"Retry-After": str(denied.retry_after_s)}
    assert results[0].headers() == {}
    assert limiter.stats().denied == 1


async def test_limits_are_per_scope_value_and_skip_missing_scopes() -> None:
    limiter = RateLimiter([LimitRule(name="ip", scope="ip", rate="1/minute")])
    assert (await limiter.check(Subject(ip="10.0.0.1"))).allowed
    assert not (await limiter.check(Subject(ip="10.0.0.1"))).allowed
    assert (await limiter.check(Subject(ip="10.0.0.2"))).allowed
    # no IP known: the rule does not apply
    assert all([(await limiter.check(Subject(user="x"))).allowed for _ in range(3)])


async def test_feature_restricted_rule_only_counts_its_features() -> None:
    rule = LimitRule(name="chat", scope="key", rate="1/minute", features=("chat",))
    limiter = RateLimiter([rule])
    assert (await limiter.check(Subject(key_id="k", feature="chat"))).allowed
    assert not (await limiter.check(Subject(key_id="k", feature="chat"))).allowed
    assert (await limiter.check(Subject(key_id="k", feature="search"))).allowed


async def test_token_quota_counts_prompt_and_charged_completion_tokens() -> None:
    limiter = RateLimiter([LimitRule(name="tok", scope="user", unit="tokens", rate="100/hour")])
    alice = Subject(user="alice")
    assert (await limiter.check(alice, tokens=40)).allowed
    await limiter.charge(alice, tokens=50)
    decision = await limiter.check(alice, tokens=20)  # 40 + 50 + 20 > 100
    assert not decision.allowed and decision.rule == "tok" and decision.retry_after_s >= 1
    assert (await limiter.check(alice, tokens=5)).allowed  # 95 <= 100


async def test_a_completion_bigger_than_the_rest_of_the_quota_uses_it_up() -> None:
    limiter = RateLimiter([LimitRule(name="tok", scope="user", unit="tokens", rate="300/hour")])
    alice = Subject(user="alice")
    assert (await limiter.check(alice, tokens=10)).allowed
    await limiter.charge(alice, tokens=500)  # more than the 290 left: the rest is used up
    assert not (await limiter.check(alice, tokens=1)).allowed
    assert (await limiter.check(Subject(user="bob"), tokens=10)).allowed


async def test_retry_after_is_the_longest_wait_of_every_refusing_rule() -> None:
    limiter = RateLimiter(
        [
            LimitRule(name="per_min", scope="user", rate="2/minute"),
            LimitRule(name="per_day", scope="user", rate="2/day"),
        ]
    )
    bob = Subject(user="bob")
    assert (await limiter.check(bob)).allowed and (await limiter.check(bob)).allowed
    now = time.time()
    refused = await limiter.check(bob)
    assert not refused.allowed
    # Each wait runs to the end of its rule's current window (`limits`' reset time), so the
    # day's is the longer one except in the last minute of a UTC day. (This asserted more than
    # an hour for the day rule, and failed every day from 23:00 UTC: found in session 19.)
    to_minute_end, to_day_end = 60 - now % 60, 86400 - now % 86400
    if to_day_end > to_minute_end + 2:
        assert refused.rule == "per_day"
        assert refused.retry_after_s >= to_day_end - 2
    else:  # the two windows end together, give or take the test's own run time
        assert refused.rule in {"per_day", "per_min"}
        assert refused.retry_after_s >= 1


async def test_a_token_refusal_waits_until_the_asked_amount_fits() -> None:
    limiter = RateLimiter([LimitRule(name="tok", scope="user", unit="tokens", rate="1000/minute")])
    alice = Subject(user="alice")
    assert (await limiter.check(alice, tokens=1000)).allowed
    half = await limiter.check(alice, tokens=500)
    assert not half.allowed and half.retry_after_s >= 30  # half a window, not one token's worth
    too_big = await limiter.check(Subject(user="carol"), tokens=5000)
    assert not too_big.allowed and too_big.retry_after_s >= 60


def test_bad_rate_string_is_rejected_at_config_time() -> None:
    with pytest.raises(ValidationError, match="rate"):
        LimitRule(name="x", scope="user", rate="lots per second")


async def test_unreachable_redis_fails_open_and_counts() -> None:
    limiter = RateLimiter.from_url(
        [LimitRule(name="u", scope="user", rate="1/minute", fail_mode="open")], DEAD_REDIS
    )
    results = [await limiter.check(Subject(user="bob")) for _ in range(3)]
    assert all(r.allowed for r in results)
    assert results[0].degraded == ("u",)
    stats = limiter.stats()
    assert stats.storage_errors == 3 and stats.failed_open == 3 and stats.failed_closed == 0
    await limiter.aclose()


async def test_unreachable_redis_fails_closed_with_retry_after() -> None:
    limiter = RateLimiter.from_url(
        [LimitRule(name="u", scope="user", rate="100/minute", fail_mode="closed")], DEAD_REDIS
    )
    decision = await limiter.check(Subject(user="bob"))
    assert not decision.allowed and decision.rule == "u" and decision.retry_after_s >= 1
    assert limiter.stats().failed_closed == 1
    await limiter.charge(Subject(user="bob"), tokens=10)  # never raises either
    await limiter.aclose()


async def test_memory_url_gives_an_in_memory_limiter() -> None:
    limiter = RateLimiter.from_url(
        [LimitRule(name="u", scope="user", rate="1/minute")], "memory://"
    )
    assert (await limiter.check(Subject(user="a"))).allowed
    assert not (await limiter.check(Subject(user="a"))).allowed
    await limiter.aclose()


class HangingStorage(MemoryStorage):  # type: ignore[misc]
    """A storage that fails every call (as a hanging Redis does after its timeout)."""

    calls = 0

    async def incr(self, *args: object, **kwargs: object) -> int:
        HangingStorage.calls += 1
        raise ConnectionError("timed out")

    async def get(self, *args: object, **kwargs: object) -> int:
        HangingStorage.calls += 1
        raise ConnectionError("timed out")

    async def acquire_sliding_window_entry(self, *args: object, **kwargs: object) -> bool:
        HangingStorage.calls += 1
        raise ConnectionError("timed out")


async def test_a_failing_storage_is_probed_once_a_second_not_on_every_request() -> None:
    now = [1000.0]
    rule = LimitRule(name="u", scope="user", rate="100/minute", fail_mode="open")
    limiter = RateLimiter([rule], storage=HangingStorage(), clock=lambda: now[0])
    results = [await limiter.check(Subject(user="bob")) for _ in range(20)]
    assert all(r.allowed and r.degraded == ("u",) for r in results)  # the fail mode still applies
    first = HangingStorage.calls
    assert 1 <= first <= 2 and limiter.stats().storage_errors == 20  # one probe, not 20
    now[0] += 1.5
    await limiter.check(Subject(user="bob"))
    assert HangingStorage.calls > first  # probed again after the break
