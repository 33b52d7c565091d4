"""Spent confirmation tokens in a real Redis: shared by every store, replica and worker.

Two ``RedisSpentTokens`` on one prefix stand for two processes; two gateway apps on one Redis
(and one confirmation secret) stand for two replicas behind a load balancer: a token spent on
one cannot confirm again on the other.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from safeship.controls._redis import connect
from safeship.gateway import GatewayConfig, create_app
from safeship.gateway.mock import mock_transport
from safeship.gateway.spent_tokens import RedisSpentTokens
from safeship.guard import Guard
from safeship.policy.load import parse_policy

pytestmark = pytest.mark.integration

POLICY = """
version: 1
name: confirm-once
default_feature: chat
features:
  chat:
    input: [{detector: always_pass}]
"""
TOOLS = {"chat": {"allow": [{"name": "refund", "irreversible": True}]}}
REFUND = [{"name": "refund", "arguments": {"order": 7, "amount": "20"}}]


@pytest.fixture(scope="module")
def guard() -> Guard:
    g = Guard(parse_policy(POLICY, "confirm-once.yaml"), embedder=None)
    g.warmup()
    return g


async def test_two_stores_share_spent_tokens(redis_url: str, prefix: str) -> None:
    a, b = RedisSpentTokens(redis_url, prefix), RedisSpentTokens(redis_url, prefix)
    raw = connect(redis_url)
    expires = time.time() + 30
    try:
        claim = await a.claim("tok-1", expires)
        assert claim is not None
        assert await b.claim("tok-1", expires) is None  # held by the other process
        keys = await raw.keys(f"{prefix}:*")
        assert len(keys) == 1 and "tok-1" not in keys[0]  # stored by digest only
        assert 0 < await raw.pttl(keys[0]) <= 30_000  # lives as long as the token
        await b.give_back("tok-1", "someone-else")
        assert await a.claim("tok-1", expires) is None  # only the holder gives it back
        await a.give_back("tok-1", claim)
        assert await b.claim("tok-1", expires) is not None
        assert a.storage_errors == b.storage_errors == 0
    finally:
        for key in await raw.keys(f"{prefix}:*"):
            await raw.delete(key)
        await raw.aclose()
        await a.aclose()
        await b.aclose()


async def test_a_token_spent_on_one_replica_is_held_on_another(
    guard: Guard, redis_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFESHIP_TOOL_SECRET", "shared-by-the-replicas")
    cfg = GatewayConfig.model_validate(
        {
            "upstream": {"base_url": "http://upstream.test/v1"},
            "store": {"url": None},
            "tools": TOOLS,
            "controls": {"redis_url": redis_url, "key_prefix": prefix},
        }
    )
    body = {"model": "m", "messages": [{"role": "user", "content": "call: " + json.dumps(REFUND)}]}

    async def verdict(app: Any, token: str | None = None) -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        headers = {"X-Safeship-Confirm": token} if token else {}
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            r = await client.post("/v1/chat/completions", json=body, headers=headers)
        assert r.status_code == 200, r.text
        return dict(r.json()["safeship"]["tool_calls"][0])

    upstream = httpx.AsyncClient(transport=mock_transport())
    one = create_app(cfg, client=upstream, guard=guard)
    two = create_app(cfg, client=upstream, guard=guard)
    raw = connect(redis_url)
    try:
        async with one.router.lifespan_context(one), two.router.lifespan_context(two):
            token = (await verdict(one))["confirmation"]["token"]
            confirmed = await verdict(two, token)  # the secret is shared: either replica
            replayed = await verdict(one, token)
            again = await verdict(two, token)
    finally:
        for key in await raw.keys(f"{prefix}:*"):
            await raw.delete(key)
        await raw.aclose()
        await upstream.aclose()
    assert confirmed["allowed"] is True
    assert replayed["reason"] == again["reason"] == "confirmation_required"
