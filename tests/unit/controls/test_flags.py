from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import Reason

from safeship.controls.flags import (
    BUCKETS,
    GLOBAL,
    FeatureFlag,
    FeatureFlags,
    MemoryFlagStore,
    RedisFlagStore,
    assign,
    bucket_of,
)
from safeship.controls.openfeature_provider import SafeshipFlagProvider

USERS = [f"user-{i}" for i in range(2000)]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def rollout(percent: float, shadow: bool = False) -> FeatureFlag:
    return FeatureFlag(
        feature="chat", rollout_percent=percent, live_policy="v1", candidate_policy="v2", shadow=shadow
    )


def test_bucket_is_stable_and_spread() -> None:
    assert bucket_of("chat", "alice") == bucket_of("chat", "alice")
    buckets = [bucket_of("chat", u) for u in USERS]
    assert all(0 <= b < BUCKETS for b in buckets)
    low = sum(b < BUCKETS // 2 for b in buckets) / len(buckets)
    assert 0.45 < low < 0.55
    assert bucket_of("chat", "alice") != bucket_of("search", "alice") or bucket_of(
        "chat", "bob"
    ) != bucket_of("search", "bob")


def test_rollout_share_matches_percent_and_ramping_never_moves_users_out() -> None:
    previous: set[str] = set()
    for percent in (1, 5, 10, 25, 50, 100):
        on = {u for u in USERS if assign(rollout(percent), u).arm == "candidate"}
        assert previous <= on, f"ramping to {percent}% moved users out"
        assert abs(len(on) / len(USERS) - percent / 100) < 0.04
        previous = on
    assert len(previous) == len(USERS)


def test_arms_carry_policy_versions_and_shadow() -> None:
    inside = next(u for u in USERS if bucket_of("chat", u) < 1000)
    outside = next(u for u in USERS if bucket_of("chat", u) >= 1000)
    a = assign(rollout(10), inside)
    assert (a.arm, a.policy_version, a.shadow_policy_version) == ("candidate", "v2", None)
    b = assign(rollout(10), outside)
    assert (b.arm, b.policy_version, b.shadow_policy_version) == ("live", "v1", None)
    s = assign(rollout(10, shadow=True), inside)
    assert (s.arm, s.policy_version, s.shadow_policy_version) == ("shadow", "v1", "v2")
    anon = assign(rollout(100), None)
    assert anon.arm == "live" and anon.bucket is None


def test_kill_switch_and_global_kill_and_off() -> None:
    flag = FeatureFlag(feature="chat")
    assert assign(flag, "u").enabled
    assert not assign(flag.model_copy(update={"enabled": False}), "u").enabled
    killed = assign(flag.model_copy(update={"killed": True}), "u")
    assert killed.killed and not killed.enabled
    everything = assign(flag, "u", FeatureFlag(feature=GLOBAL, killed=True))
    assert everything.killed and not everything.enabled


async def test_kill_reaches_other_instance_within_cache_ttl() -> None:
    store = MemoryFlagStore()
    clock = Clock()
    a = FeatureFlags(store, cache_ttl_s=0.5, clock=clock)
    b = FeatureFlags(store, cache_ttl_s=0.5, clock=clock)
    assert (await b.assign("chat", "u")).enabled
    await a.kill("chat")
    assert not (await a.assign("chat", "u")).enabled  # the writer sees it at once
    clock.now += 0.2
    assert (await b.assign("chat", "u")).enabled  # b still within its cache window
    clock.now += 0.4
    assert (await b.assign("chat", "u")).killed
    await a.revive("chat")
    clock.now += 0.6
    assert (await b.assign("chat", "u")).enabled


async def test_update_keeps_other_fields_and_defaults_apply() -> None:
    flags = FeatureFlags(defaults=[FeatureFlag(feature="chat", live_policy="v1")])
    assert (await flags.assign("chat", "u")).policy_version == "v1"
    flag = await flags.update("chat", candidate_policy="v2", rollout_percent=100)
    assert flag.live_policy == "v1" and (await flags.assign("chat", "u")).policy_version == "v2"


async def test_unreachable_store_uses_last_known_flag_and_counts() -> None:
    clock = Clock()
    flags = FeatureFlags(RedisFlagStore("redis://127.0.0.1:1/0"), clock=clock)
    flags._cache["chat"] = (FeatureFlag(feature="chat", killed=True), 0.0)  # seen before the outage
    clock.now = 10.0
    assert (await flags.assign("chat", "u")).killed
    assert flags.storage_errors >= 1


async def test_an_unreachable_store_is_asked_once_per_time_to_live() -> None:
    """During an outage each request must not wait out the store's timeout again."""
    clock = Clock()
    flags = FeatureFlags(RedisFlagStore("redis://127.0.0.1:1/0"), clock=clock, cache_ttl_s=0.5)
    for _ in range(5):
        await flags.assign("chat", "u")
    assert flags.storage_errors == 2  # the feature and the global flag, once each
    clock.now += 0.6
    await flags.assign("chat", "u")
    assert flags.storage_errors == 4


async def test_openfeature_provider_serves_flags() -> None:
    flags = FeatureFlags(MemoryFlagStore([rollout(100)]))
    provider = SafeshipFlagProvider(flags)
    ctx = EvaluationContext(targeting_key="alice")
    api.set_provider(provider, domain="safeship-test")
    try:
        client = api.get_client("safeship-test")
        assert await client.get_string_value_async("chat.policy_version", "x", ctx) == "v2"
        assert await client.get_boolean_value_async("chat.enabled", False, ctx) is True
        assert await client.get_integer_value_async("chat.bucket", -5, ctx) == bucket_of("chat", "alice")
        assert await client.get_float_value_async("chat.rollout_percent", 0.0, ctx) == 100.0
        details = await client.get_boolean_details_async("chat.nonsense", True, ctx)
        assert details.value is True and details.reason == Reason.ERROR
        mismatch = await client.get_boolean_details_async("chat.policy_version", False, ctx)
        assert mismatch.value is False and mismatch.reason == Reason.ERROR
        # the sync path answers from the cache the async side just filled, without I/O
        assert client.get_string_value("chat.arm", "x", ctx) == "candidate"
    finally:
        api.clear_providers()
