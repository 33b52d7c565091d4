"""The OpenAI target's own connection pools: concurrency split over small, fully kept-alive pools."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import httpx
import pytest

from safeship.evals.targets import OpenAITarget
from safeship.evals.targets import openai as openai_target
from safeship.types import Message

MSGS = (Message(role="user", content="hello"),)


def test_pool_sizes_cover_the_concurrency_in_small_pools() -> None:
    per = openai_target.CONNECTIONS_PER_CLIENT
    assert openai_target.pool_sizes(2 * per + 2) == [per, per, 2]
    assert openai_target.pool_sizes(32) == [per] * (32 // per)
    assert openai_target.pool_sizes(1) == [1]
    pools = [c._transport._pool for c in openai_target.own_clients([4, 2])]  # type: ignore[attr-defined]
    assert [(p._max_connections, p._max_keepalive_connections) for p in pools] == [(4, 4), (2, 2)]


async def test_owned_pools_bound_concurrency_per_client_and_overall(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = httpx.AsyncClient
    made: list[tuple[httpx.AsyncClient, int]] = []
    live: dict[int, int] = defaultdict(int)
    peak: dict[int, int] = defaultdict(int)
    total = {"live": 0, "peak": 0}

    def factory(**kwargs: Any) -> httpx.AsyncClient:
        index = len(made)

        async def handler(request: httpx.Request) -> httpx.Response:
            live[index] += 1
            total["live"] += 1
            peak[index] = max(peak[index], live[index])
            total["peak"] = max(total["peak"], total["live"])
            await asyncio.sleep(0.005)
            live[index] -= 1
            total["live"] -= 1
            return httpx.Response(200, json={"choices": [{"message": {"content": "ok"}}]})

        client = real(transport=httpx.MockTransport(handler))
        made.append((client, kwargs["limits"].max_connections))
        return client

    monkeypatch.setattr(openai_target.httpx, "AsyncClient", factory)
    target = OpenAITarget("http://llm.test/v1", "m", concurrency=10)
    replies = await asyncio.gather(*(target.generate(MSGS) for _ in range(60)))
    assert all(r.text == "ok" for r in replies)
    assert [size for _, size in made] == openai_target.pool_sizes(10)
    assert total["peak"] == 10
    assert all(peak[i] <= size for i, (_, size) in enumerate(made))
    assert all(peak[i] >= 1 for i in range(len(made)))  # every pool carried traffic
    await target.aclose()
    assert all(client.is_closed for client, _ in made)


async def test_injected_client_is_used_alone_and_left_open() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"choices": [{"message": {"content": "ok"}}]})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    target = OpenAITarget("http://llm.test/v1", "m", client=client, concurrency=32)
    replies = await asyncio.gather(*(target.generate(MSGS) for _ in range(5)))
    assert [r.text for r in replies] == ["ok"] * 5 and len(seen) == 5
    await target.aclose()
    assert not client.is_closed
    await client.aclose()
