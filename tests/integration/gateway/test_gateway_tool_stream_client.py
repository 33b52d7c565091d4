"""Streamed tool calls through the official ``openai`` client: uvicorn gateway, uvicorn mock model.

The mock model streams a tool call the way OpenAI does (name first, then the arguments in
pieces); the client must see a passing call whole, and never any piece of a refused one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from tests.unit.gateway.gateway_support import LOOKUP_ORDER

from safeship.gateway import GatewayConfig, create_app
from safeship.gateway.mock import create_mock_upstream, serve_in_thread
from safeship.guard import Guard
from safeship.policy.load import parse_policy

pytestmark = pytest.mark.integration

POLICY = """
version: 1
name: tool-stream
default_feature: agent
features:
  agent:
    input: [{detector: secrets}]
    output: [{detector: secrets}]
    actions: {default: block, secrets: redact}
"""
TOOLS = {
    "agent": {
        "allow": [
            LOOKUP_ORDER,
            {"name": "refund", "irreversible": True},
        ]
    }
}
OFFERED = [
    {"type": "function", "function": {"name": "lookup_order", "parameters": {"type": "object"}}},
    {"type": "function", "function": {"name": "refund", "parameters": {"type": "object"}}},
]


@pytest.fixture(scope="module")
def gateway_url() -> Iterator[str]:
    guard = Guard(parse_policy(POLICY, "tool-stream.yaml"), embedder=None)
    with serve_in_thread(create_mock_upstream(size=4)) as upstream:
        config = GatewayConfig.model_validate(
            {
                "upstream": {"base_url": f"{upstream}/v1", "read_timeout_s": 10},
                "store": {"url": None},
                "tools": TOOLS,
            }
        )
        with serve_in_thread(create_app(config, guard=guard)) as url:
            yield url


def stream_calls(
    url: str, *calls: tuple[str, Any], confirm: str | None = None
) -> tuple[dict[int, dict[str, str]], str | None, dict[str, Any], str]:
    """Stream a request whose model proposes ``calls``; the calls as the client assembles them."""
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=20)
    wanted = [{"name": n, "arguments": a} for n, a in calls]
    stream = client.chat.completions.create(
        model="mock-1",
        messages=[{"role": "user", "content": "call: " + json.dumps(wanted)}],
        tools=OFFERED,  # type: ignore[arg-type]
        stream=True,
        extra_headers={"X-Safeship-Confirm": confirm} if confirm else None,
    )
    got: dict[int, dict[str, str]] = {}
    finish, ext, text = None, {}, ""
    for event in stream:
        if not event.choices:
            continue
        delta = event.choices[0].delta
        text += delta.content or ""
        for piece in delta.tool_calls or []:
            call = got.setdefault(piece.index, {"id": "", "name": "", "arguments": ""})
            call["id"] += piece.id or ""
            if piece.function is not None:
                call["name"] += piece.function.name or ""
                call["arguments"] += piece.function.arguments or ""
        finish = event.choices[0].finish_reason or finish
        ext = (event.model_extra or {}).get("safeship") or ext
    return got, finish, ext, text


def test_an_allowed_streamed_call_reaches_the_client_whole(gateway_url: str) -> None:
    got, finish, ext, _ = stream_calls(gateway_url, ("lookup_order", {"id": 42}))
    assert got == {0: {"id": "call_0", "name": "lookup_order", "arguments": '{"id": 42}'}}
    assert finish == "tool_calls" and ext["tool_calls"][0]["allowed"] is True


def test_a_refused_streamed_call_never_reaches_the_client(gateway_url: str) -> None:
    got, finish, ext, text = stream_calls(gateway_url, ("lookup_order", {"id": "42; drop"}))
    assert got == {} and finish == "content_filter"
    assert ext["tool_calls"][0]["reason"] == "invalid_arguments"
    assert "lookup_order (invalid_arguments)" in text


def test_an_irreversible_streamed_call_needs_its_confirmation(gateway_url: str) -> None:
    args = {"order": 7, "amount": "20"}
    held, finish, ext, _ = stream_calls(gateway_url, ("refund", args))
    assert held == {} and finish == "content_filter"
    confirmation = ext["tool_calls"][0]["confirmation"]
    assert confirmation["arguments"] == args  # what a human is asked to confirm
    got, finish, _, _ = stream_calls(gateway_url, ("refund", args), confirm=confirmation["token"])
    assert [c["name"] for c in got.values()] == ["refund"] and finish == "tool_calls"
    assert json.loads(got[0]["arguments"]) == args


def test_the_stream_helper_assembles_the_guarded_calls(gateway_url: str) -> None:
    client = openai.OpenAI(base_url=f"{gateway_url}/v1", api_key="unused", max_retries=0)
    wanted = [{"name": "lookup_order", "arguments": {"id": 1}}, {"name": "rm", "arguments": {}}]
    with client.chat.completions.stream(
        model="mock-1",
        messages=[{"role": "user", "content": "call: " + json.dumps(wanted)}],
    ) as stream:
        final = stream.get_final_completion()
    calls = final.choices[0].message.tool_calls or []
    assert [(c.function.name, c.function.arguments) for c in calls] == [
        ("lookup_order", '{"id": 1}')
    ]
