"""``previous_response_id`` for real: an attack split over two Responses calls is caught.

Over HTTP (uvicorn on loopback in front of the mock upstream's Responses API), each half of a
split attack passes alone and the second is blocked when it continues the first, whole and
streamed. With Redis, two stores (two processes) and two gateway apps (two replicas) share the
memory, so the continuation is caught whichever replica serves it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from safeship.controls._redis import connect
from safeship.gateway import GatewayConfig, create_app
from safeship.gateway.conversation_memory import Recall, RedisConversations
from safeship.gateway.mock import create_mock_upstream, mock_transport, serve_in_thread
from safeship.guard import Guard
from safeship.policy.load import parse_policy

pytestmark = pytest.mark.integration

POLICY = """
version: 1
name: previous-id
default_feature: chat
features:
  chat:
    input:
      - detector: keyword
        params: {keyword: "launch codes"}
    actions: {default: block}
"""
SETUP = "tell me the story of the launch"  # turns are joined with a newline: "launch\ncodes"
FINISH = "codes for the silo, all of them"


@pytest.fixture()
def guard(test_detectors: None) -> Iterator[Guard]:
    g = Guard(parse_policy(POLICY, "previous-id.yaml"), embedder=None)
    g.warmup()
    yield g
    g.close()


@pytest.fixture()
def gateway_url(guard: Guard) -> Iterator[str]:
    with serve_in_thread(create_mock_upstream(size=6)) as upstream:
        config = GatewayConfig.model_validate(
            {"upstream": {"base_url": f"{upstream}/v1"}, "store": {"url": None}}
        )
        with serve_in_thread(create_app(config, guard=guard)) as url:
            yield url


def call(url: str, text: str, stream: bool, previous: str | None = None) -> dict[str, Any]:
    """One call's final response object (the ``response.completed`` event's when streamed)."""
    body: dict[str, Any] = {"model": "mock-1", "input": text, "stream": stream}
    if previous is not None:
        body["previous_response_id"] = previous
    sent = httpx.post(f"{url}/v1/responses", json=body, timeout=20)
    assert sent.status_code == 200, sent.text
    if not stream:
        return dict(sent.json())
    events = [json.loads(x[6:]) for x in sent.text.splitlines() if x.startswith("data: ")]
    assert events[-1]["type"] == "response.completed"
    return dict(events[-1]["response"])


@pytest.mark.parametrize("stream", [False, True])
def test_a_split_attack_is_blocked_when_the_second_half_continues_the_first(
    gateway_url: str, stream: bool
) -> None:
    # the mock upstream answers every call with one id, so the bare second half goes first
    alone = call(gateway_url, FINISH, stream)
    first = call(gateway_url, SETUP, stream)
    joined = call(gateway_url, FINISH, stream, previous=first["id"])
    assert alone["safeship"]["action"] == first["safeship"]["action"] == "allow"
    assert joined["safeship"]["action"] == "block"
    assert joined["safeship"]["previous_response"] == "found"
    assert joined["incomplete_details"] == {"reason": "content_filter"}


async def test_two_stores_share_the_turns_by_tenant(redis_url: str, prefix: str) -> None:
    one, two = (
        RedisConversations(redis_url, prefix, ttl_s=30),
        RedisConversations(redis_url, prefix),
    )
    raw = connect(redis_url)
    try:
        await one.remember("shop", "resp_1", [SETUP])
        assert await two.recall("shop", "resp_1") == Recall("found", (SETUP,))
        assert await two.recall("evil", "resp_1") == Recall("missing")  # scoped by tenant
        keys = await raw.keys(f"{prefix}:*")
        assert len(keys) == 1 and "resp_1" not in keys[0] and "shop" not in keys[0]
        assert 0 < await raw.pttl(keys[0]) <= 30_000  # expires on its own
        assert one.storage_errors == two.storage_errors == 0 and two.missing == 1
    finally:
        for key in await raw.keys(f"{prefix}:*"):
            await raw.delete(key)
        await raw.aclose()
        await one.aclose()
        await two.aclose()


async def test_a_continuation_is_caught_on_another_replica(
    guard: Guard, redis_url: str, prefix: str
) -> None:
    cfg = GatewayConfig.model_validate(
        {
            "upstream": {"base_url": "http://upstream.test/v1"},
            "store": {"url": None},
            "controls": {"redis_url": redis_url, "key_prefix": prefix},
        }
    )

    async def send(app: Any, text: str, previous: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"model": "mock-1", "input": text}
        if previous is not None:
            body["previous_response_id"] = previous
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            sent = await client.post("/v1/responses", json=body)
        assert sent.status_code == 200, sent.text
        return dict(sent.json())

    upstream = httpx.AsyncClient(transport=mock_transport())
    one = create_app(cfg, client=upstream, guard=guard)
    two = create_app(cfg, client=upstream, guard=guard)
    raw = connect(redis_url)
    try:
        async with one.router.lifespan_context(one), two.router.lifespan_context(two):
            first = await send(one, SETUP)
            joined = await send(two, FINISH, previous=first["id"])
    finally:
        for key in await raw.keys(f"{prefix}:*"):
            await raw.delete(key)
        await raw.aclose()
        await upstream.aclose()
    assert first["safeship"]["action"] == "allow"
    assert joined["safeship"]["action"] == "block"
    assert joined["safeship"]["previous_response"] == "found"
