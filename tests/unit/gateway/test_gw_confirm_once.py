"""A confirmation token confirms one call over HTTP: a replay needs a fresh confirmation.

Chat (whole and streamed) and Responses (whole and streamed) all claim their tokens in the
gateway's spent-token store; the mock upstream proposes the calls a ``call:`` message asks for.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from gateway_support import SHOP_TOOLS, config, gateway, sse_events

from safeship.gateway import AllEnabled, NoLimits
from safeship.guard import Guard

REFUND = {"name": "refund", "arguments": {"order": 7, "amount": "20"}}
LOOKUP = {"name": "lookup_order", "arguments": {"id": 7}}
OFFERED = [
    {"type": "function", "name": "lookup_order", "parameters": {"type": "object"}},
    {"type": "function", "name": "refund", "parameters": {"type": "object"}},
]


def chat_asking(*calls: dict[str, Any], stream: bool = False) -> dict[str, Any]:
    content = "call: " + json.dumps(list(calls))
    return {"model": "m", "messages": [{"role": "user", "content": content}], "stream": stream}


def responses_asking(*calls: dict[str, Any], stream: bool = False) -> dict[str, Any]:
    return {
        "model": "m",
        "input": "call: " + json.dumps(list(calls)),
        "tools": OFFERED,
        "stream": stream,
    }


def verdicts(r: httpx.Response) -> list[dict[str, Any]]:
    """The ``safeship.tool_calls`` of a whole or streamed chat / Responses answer."""
    assert r.status_code == 200, r.text
    if not r.headers["content-type"].startswith("text/event-stream"):
        return list(r.json()["safeship"]["tool_calls"])
    for event in reversed(sse_events(r.text)):
        if not isinstance(event, dict):
            continue
        ext = event.get("safeship") or (event.get("response") or {}).get("safeship")
        if ext and "tool_calls" in ext:
            return list(ext["tool_calls"])
    raise AssertionError("no tool verdicts in the stream")


async def post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], token: str | None = None
) -> list[dict[str, Any]]:
    headers = {"X-Safeship-Confirm": token} if token else {}
    return verdicts(await client.post(path, json=body, headers=headers))


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", chat_asking(REFUND)),
        ("/v1/chat/completions", chat_asking(REFUND, stream=True)),
        ("/v1/responses", responses_asking(REFUND)),
        ("/v1/responses", responses_asking(REFUND, stream=True)),
    ],
    ids=["chat", "chat-stream", "responses", "responses-stream"],
)
async def test_a_replayed_confirmation_is_held_again(
    guard: Guard, path: str, body: dict[str, Any]
) -> None:
    async with gateway(guard, config(tools=SHOP_TOOLS)) as client:
        first = await post(client, path, body)
        token = first[0]["confirmation"]["token"]
        confirmed = await post(client, path, body, token)
        replayed = await post(client, path, body, token)
        fresh = replayed[0].get("confirmation", {}).get("token")
        renewed = await post(client, path, body, fresh)
    assert first[0]["reason"] == "confirmation_required"
    assert confirmed[0]["allowed"] is True
    assert replayed[0]["allowed"] is False
    assert replayed[0]["reason"] == "confirmation_required"
    assert fresh and fresh != token  # the replay carries a new confirmation to ask for
    assert renewed[0]["allowed"] is True


async def test_a_token_the_answer_did_not_use_stays_valid(guard: Guard) -> None:
    """Only a released call spends its token: an answer proposing something else keeps it."""
    async with gateway(guard, config(tools=SHOP_TOOLS)) as client:
        token = (await post(client, "/v1/chat/completions", chat_asking(REFUND)))[0]
        token = token["confirmation"]["token"]
        other = await post(client, "/v1/chat/completions", chat_asking(LOOKUP), token)
        confirmed = await post(client, "/v1/chat/completions", chat_asking(REFUND), token)
    assert other[0]["allowed"] is True and other[0]["tool"] == "lookup_order"
    assert confirmed[0]["allowed"] is True


async def test_a_down_redis_holds_the_call_again_and_is_never_a_500(guard: Guard) -> None:
    # nothing listens on port 1; limits and flags are injected, so only the tokens use Redis
    cfg = config(tools=SHOP_TOOLS, controls={"redis_url": "redis://127.0.0.1:1/0"})
    async with gateway(guard, cfg, limiter=NoLimits(), flags=AllEnabled()) as client:
        first = await post(client, "/v1/chat/completions", chat_asking(REFUND))
        token = first[0]["confirmation"]["token"]
        confirmed = await post(client, "/v1/chat/completions", chat_asking(REFUND), token)
        metrics = (await client.get("/metrics")).text
    assert confirmed[0]["reason"] == "confirmation_required"
    assert confirmed[0]["confirmation"]["token"]
    assert "safeship_confirm_storage_errors" in metrics
