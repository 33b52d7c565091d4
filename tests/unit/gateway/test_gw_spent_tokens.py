"""Spent confirmation tokens: claimed once, given back when unused, failing closed."""

from __future__ import annotations

import json
from typing import Any

from gateway_support import SHOP_TOOLS

from safeship.gateway.runtime_config import ToolPolicy
from safeship.gateway.spent_tokens import Confirmations, MemorySpentTokens, RedisSpentTokens
from safeship.gateway.tools import ToolGuard

NOW = 1000.0
REFUND = {"order": 7, "amount": "20"}


def call(arguments: Any, call_id: str = "c1") -> dict[str, Any]:
    fn = {"name": "refund", "arguments": json.dumps(arguments)}
    return {"id": call_id, "type": "function", "function": fn}


def tool_guard() -> ToolGuard:
    return ToolGuard(ToolPolicy.model_validate(SHOP_TOOLS["chat"]), secret=b"k", clock=lambda: NOW)


def token_for(guard: ToolGuard, arguments: Any = REFUND) -> str:
    held = guard.check_call(call(arguments), [], "acme", "chat")
    assert held.reason == "confirmation_required"
    return str(held.confirmation["token"])


async def test_a_token_is_claimed_once_until_given_back_or_expired() -> None:
    clock = [NOW]
    store = MemorySpentTokens(clock=lambda: clock[0])
    first = await store.claim("t", NOW + 60)
    assert first is not None
    assert await store.claim("t", NOW + 60) is None  # held: a replay cannot claim it
    await store.give_back("t", "not-our-claim")
    assert await store.claim("t", NOW + 60) is None  # only the holder can give it back
    await store.give_back("t", first)
    assert await store.claim("t", NOW + 60) is not None
    clock[0] = NOW + 61  # the token itself has expired: its entry no longer counts
    assert await store.claim("t", NOW + 120) is not None


async def test_a_full_store_drops_expired_entries_and_otherwise_refuses() -> None:
    clock = [NOW]
    store = MemorySpentTokens(max_entries=2, clock=lambda: clock[0])
    assert await store.claim("a", NOW + 10) is not None
    assert await store.claim("b", NOW + 100) is not None
    assert await store.claim("c", NOW + 100) is None  # full of live tokens: fail closed
    assert store.storage_errors == 1
    clock[0] = NOW + 11  # "a" expired: its room is reused, "b" stays spent
    assert await store.claim("c", NOW + 100) is not None
    assert await store.claim("b", NOW + 100) is None


async def test_a_used_token_stays_spent_and_an_unused_one_is_given_back() -> None:
    guard, store = tool_guard(), MemorySpentTokens(clock=lambda: NOW)
    used, unused = token_for(guard), token_for(guard, {"order": 8, "amount": "20"})
    first = Confirmations(store, guard, f"{used}, {unused}", "acme", "chat")
    await first.claim()
    assert first.judge([call(REFUND)]).kept
    await first.settle()
    again = Confirmations(store, guard, f"{used}, {unused}", "acme", "chat")
    await again.claim()
    replay = again.judge([call(REFUND)])
    other = again.judge([call({"order": 8, "amount": "20"})])
    assert replay.verdicts[0].reason == "confirmation_required"  # spent by the first request
    assert other.verdicts[0].reason is None  # never used, so given back by the first


async def test_one_token_confirms_one_call_of_an_answer() -> None:
    guard, store = tool_guard(), MemorySpentTokens(clock=lambda: NOW)
    token = token_for(guard)
    confirm = Confirmations(store, guard, token, "acme", "chat")
    await confirm.claim()
    judged = confirm.judge([call(REFUND, "c1"), call(REFUND, "c2")])
    assert [v.reason for v in judged.verdicts] == [None, "confirmation_required"]
    assert judged.verdicts[1].confirmation["token"] != token  # never the spent one again


async def test_forged_expiries_are_never_claimed() -> None:
    guard, store = tool_guard(), MemorySpentTokens(clock=lambda: NOW)
    far = f"{int(NOW) + 10**6}.{'a' * 16}.{'a' * 64}"  # later than any token this guard issues
    confirm = Confirmations(store, guard, far, "acme", "chat")
    await confirm.claim()
    assert guard.live(far, "acme", "chat") is None and not store._held


async def test_only_tokens_issued_to_this_tenant_and_feature_are_claimed() -> None:
    """Forged or foreign tokens used to be claimed, and a stream held them for its life."""
    guard, store = tool_guard(), MemorySpentTokens(clock=lambda: NOW)
    genuine = token_for(guard)
    expires, scope, mac = genuine.split(".")
    forged = f"{expires}.{'0' * 16}.{mac}"
    header = ",".join([forged, f"{expires}.{scope}.{'b' * 64}"])  # the second: a real scope
    confirm = Confirmations(store, guard, header, "acme", "chat")
    await confirm.claim()
    assert len(store._held) == 1  # only the token with a genuine scope is held
    other = Confirmations(store, guard, genuine, "evil", "chat")  # another tenant's caller
    await other.claim()
    assert guard.live(genuine, "evil", "chat") is None and len(store._held) == 1
    assert guard.live(genuine, "acme", "chat") == int(expires)


async def test_a_down_redis_confirms_nothing_and_never_raises() -> None:
    guard = tool_guard()
    store = RedisSpentTokens("redis://127.0.0.1:1/0", clock=lambda: NOW)  # nothing listens
    try:
        confirm = Confirmations(store, guard, token_for(guard), "acme", "chat")
        await confirm.claim()
        judged = confirm.judge([call(REFUND)])
        await confirm.settle()
        assert await store.claim("t", NOW + 60) is None  # the breaker skips Redis for now
    finally:
        await store.aclose()
    assert judged.verdicts[0].reason == "confirmation_required"
    assert judged.verdicts[0].confirmation["token"]  # a fresh confirmation, not an error
    assert store.storage_errors == 2
