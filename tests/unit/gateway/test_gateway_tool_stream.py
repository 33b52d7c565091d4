"""Streamed tool calls: held until complete, judged like non-streamed ones, then sent or replaced."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from gateway_support import SHOP_TOOLS as TOOLS
from gateway_support import config, gateway, sse_events, streamed_text

from safeship.gateway.errors import GatewayError
from safeship.gateway.mock import chunks, sse_body
from safeship.gateway.tool_stream import ToolCallBuffer
from safeship.guard import Guard


def asking(*calls: tuple[str, Any], **kw: Any) -> dict[str, Any]:
    """A streamed chat request whose (mock) model proposes ``calls``."""
    wanted = [{"name": name, "arguments": arguments} for name, arguments in calls]
    content = "call: " + json.dumps(wanted)
    return {"model": "m", "messages": [{"role": "user", "content": content}], "stream": True, **kw}


def tool_deltas(events: list[Any]) -> list[dict[str, Any]]:
    return [
        d
        for e in events
        if isinstance(e, dict) and e.get("choices")
        for d in (e["choices"][0].get("delta") or {}).get("tool_calls") or []
    ]


def finish_of(events: list[Any]) -> tuple[str | None, dict[str, Any]]:
    last = [e for e in events if isinstance(e, dict) and e.get("choices")][-1]
    return last["choices"][0]["finish_reason"], last.get("safeship", {})


async def send(client: httpx.AsyncClient, body: dict[str, Any], **headers: str) -> list[Any]:
    r = await client.post("/v1/chat/completions", json=body, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    assert events[-1] == "[DONE]"
    return events


async def post(guard: Guard, body: dict[str, Any]) -> list[Any]:
    async with gateway(guard, config(tools=TOOLS)) as client:
        return await send(client, body)


def test_the_buffer_assembles_pieces_by_index() -> None:
    buffer = ToolCallBuffer()
    assert not buffer
    buffer.add([{"index": 0, "id": "a", "type": "function", "function": {"name": "look"}}])
    buffer.add([{"index": 1, "id": "b", "function": {"name": "refund", "arguments": '{"x"'}}])
    buffer.add([{"index": 0, "function": {"name": "up_order", "arguments": '{"id"'}}])
    buffer.add([{"index": 0, "function": {"arguments": ": 7}"}}, {"index": 1, "function": None}])
    buffer.add(None)  # some servers send "tool_calls": null next to text
    buffer.add([{"index": 1, "function": {"arguments": ": 1}"}}])
    assert buffer.calls() == [
        {
            "id": "a",
            "type": "function",
            "function": {"name": "lookup_order", "arguments": '{"id": 7}'},
        },
        {"id": "b", "type": "function", "function": {"name": "refund", "arguments": '{"x": 1}'}},
    ]


@pytest.mark.parametrize(
    ("deltas", "what"),
    [
        ({"index": 0}, "not a list"),
        (["x"], "not an object"),
        ([{"index": "0"}], "index is not an integer"),
        ([{"index": 0, "function": "f"}], "function is not an object"),
        ([{"index": 0, "function": {"arguments": 3}}], "function.arguments is not a string"),
    ],
)
def test_the_buffer_names_a_malformed_delta(deltas: Any, what: str) -> None:
    with pytest.raises(GatewayError, match=what) as err:
        ToolCallBuffer().add(deltas)
    assert err.value.status == 502


async def test_an_allowed_call_goes_out_whole_after_the_upstream_finished(guard: Guard) -> None:
    body = asking(("lookup_order", {"id": 7}))
    upstream = chunks(body, size=3)
    assert len(tool_deltas(upstream)) > 3  # the upstream streams the arguments in pieces
    events = await post(guard, body)
    deltas = tool_deltas(events)
    assert len(deltas) == 1  # held, then one complete delta
    assert deltas[0]["id"] == "call_0" and deltas[0]["index"] == 0
    assert deltas[0]["function"] == {"name": "lookup_order", "arguments": '{"id": 7}'}
    finish, ext = finish_of(events)
    assert finish == "tool_calls"
    assert ext["tool_calls"] == [{"id": "call_0", "tool": "lookup_order", "allowed": True}]
    assert events[0]["choices"][0]["delta"]["role"] == "assistant"  # the role still leads


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (("drop_db", {}), "tool_not_allowed"),
        (("lookup_order", {"id": "7"}), "invalid_arguments"),
        (("lookup_order", "{not json"), "invalid_arguments"),
        (("refund", {"order": 7, "amount": "10000"}), "denied_argument"),
        (("refund", {"order": 7, "amount": "20"}), "confirmation_required"),
    ],
)
async def test_a_refused_call_never_leaves_the_gateway(
    guard: Guard, call: tuple[str, Any], reason: str
) -> None:
    events = await post(guard, asking(call))
    assert tool_deltas(events) == []
    finish, ext = finish_of(events)
    assert finish == "content_filter"
    assert [v["reason"] for v in ext["tool_calls"]] == [reason]
    assert f"{call[0]} ({reason})" in streamed_text(events)


async def test_a_confirmed_irreversible_call_streams_through(guard: Guard) -> None:
    body = asking(("refund", {"order": 7, "amount": "20"}))
    async with gateway(guard, config(tools=TOOLS)) as client:
        first = await send(client, body)
        token = finish_of(first)[1]["tool_calls"][0]["confirmation"]["token"]
        confirmed = await send(client, body, **{"X-Safeship-Confirm": token})
        other_args = asking(("refund", {"order": 8, "amount": "20"}))
        other = await send(client, other_args, **{"X-Safeship-Confirm": token})
    assert [d["function"]["name"] for d in tool_deltas(confirmed)] == ["refund"]
    assert finish_of(confirmed)[0] == "tool_calls"
    assert tool_deltas(other) == []  # the token is bound to the exact arguments
    assert finish_of(other)[1]["tool_calls"][0]["reason"] == "confirmation_required"


async def test_only_the_passing_calls_of_several_go_out(guard: Guard) -> None:
    events = await post(guard, asking(("drop_db", {}), ("lookup_order", {"id": 1})))
    deltas = tool_deltas(events)
    assert [(d["index"], d["function"]["name"]) for d in deltas] == [(0, "lookup_order")]
    finish, ext = finish_of(events)
    assert finish == "tool_calls"
    assert [v["allowed"] for v in ext["tool_calls"]] == [False, True]


def _upstream(events: list[dict[str, Any]]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream"}
        return httpx.Response(200, content=sse_body(events), headers=headers)

    return httpx.MockTransport(handle)


def _event(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {"id": "u", "object": "chat.completion.chunk", "model": "m", "choices": [choice]}


def _call_delta(name: str, arguments: str) -> dict[str, Any]:
    fn = {"name": name, "arguments": arguments}
    return {"tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": fn}]}


async def test_text_before_a_call_is_still_checked_and_the_call_still_judged(
    guard: Guard,
) -> None:
    events = [
        _event({"role": "assistant", "content": "Let me check. Write to a.b@example.com. "}),
        _event(_call_delta("drop_db", "{}")),
        # no finish_reason: the upstream just ends; the held call is judged all the same
    ]
    async with gateway(guard, config(tools=TOOLS), _upstream(events)) as client:
        r = await client.post("/v1/chat/completions", json=asking(("x", {})))
    out = sse_events(r.text)
    text = streamed_text(out)
    assert "a.b@example.com" not in text and text.startswith("Let me check.")
    assert tool_deltas(out) == [] and "drop_db (tool_not_allowed)" in text
    assert finish_of(out)[0] == "content_filter"


async def test_a_malformed_delta_ends_the_stream_with_an_error_and_no_call(guard: Guard) -> None:
    events = [_event(_call_delta("lookup_order", '{"id": 1}')), _event({"tool_calls": {"x": 1}})]
    async with gateway(guard, config(tools=TOOLS), _upstream(events)) as client:
        r = await client.post("/v1/chat/completions", json=asking(("x", {})))
    out = sse_events(r.text)
    assert tool_deltas(out) == []
    errors = [e["error"] for e in out if isinstance(e, dict) and "error" in e]
    assert errors and errors[0]["type"] == "upstream_invalid_response"
    assert "not a list" in errors[0]["message"] and out[-1] == "[DONE]"


async def test_without_a_tool_guard_tool_deltas_pass_through(guard: Guard) -> None:
    body = asking(("anything", {"a": 1}))
    async with gateway(guard, config()) as client:
        r = await client.post("/v1/chat/completions", json=body)
    out = sse_events(r.text)
    assert tool_deltas(out) == tool_deltas(chunks(body))  # untouched, piece by piece
    assert finish_of(out)[0] == "tool_calls"


async def test_offering_a_tool_off_the_allow_list_is_still_refused_when_streaming(
    guard: Guard,
) -> None:
    body = asking(
        ("lookup_order", {"id": 1}), tools=[{"type": "function", "function": {"name": "rm"}}]
    )
    async with gateway(guard, config(tools=TOOLS)) as client:
        r = await client.post("/v1/chat/completions", json=body)
    assert r.status_code == 400 and r.json()["error"]["field"] == "tools.0.function.name"


async def test_role_and_usage_survive_and_a_call_is_released_once(guard: Guard) -> None:
    first = {"role": "assistant", "content": None, **_call_delta("lookup_order", '{"id"')}
    more = {"tool_calls": [{"index": 0, "function": {"arguments": ": 3}"}}]}
    usage = {"id": "u", "object": "chat.completion.chunk", "model": "m", "choices": []}
    usage["usage"] = {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
    events = [_event(first), _event(more), _event({}, "tool_calls"), usage]
    async with gateway(guard, config(tools=TOOLS), _upstream(events)) as client:
        r = await client.post("/v1/chat/completions", json=asking(("x", {})))
    out = sse_events(r.text)
    assert out[0]["choices"][0]["delta"] == {"role": "assistant", "content": None}
    deltas = tool_deltas(out)
    assert [(d["function"]["name"], d["function"]["arguments"]) for d in deltas] == [
        ("lookup_order", '{"id": 3}')
    ]
    assert [e["usage"]["total_tokens"] for e in out if isinstance(e, dict) and "usage" in e] == [8]
    assert finish_of(out)[0] == "tool_calls"


async def test_the_deprecated_functions_parameter_cannot_bypass_the_guard(guard: Guard) -> None:
    body = asking(("lookup_order", {"id": 1}), functions=[{"name": "rm", "parameters": {}}])
    async with gateway(guard, config(tools=TOOLS)) as client:
        streamed = await client.post("/v1/chat/completions", json=body)
        whole = await client.post("/v1/chat/completions", json={**body, "stream": False})
    for r in (streamed, whole):
        assert r.status_code == 400 and r.json()["error"]["field"] == "functions"
