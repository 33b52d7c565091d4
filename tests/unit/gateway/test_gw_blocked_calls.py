"""A blocked answer or thought carries no tool call, and spends no confirmation token.

The tool calls of a whole answer come from the same generation as its text and its thinking:
when either is blocked, the refusal must stand alone (no call delivered next to it), and the
tool guard must not have spent the caller's one confirmation on a call that is then dropped.
Each test first gets a token for a refund, then answers the confirmed retry with a blocked text
or thought, then checks the same token still releases the call on a clean answer.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from gateway_support import SHOP_TOOLS, config, gateway, sse_events
from starlette.responses import JSONResponse

from safeship.guard import Guard

ARGS = '{"order": 7, "amount": "20"}'
CHAT = {"model": "m", "messages": [{"role": "user", "content": "refund please"}]}
OFFERED = [{"type": "function", "name": "refund", "parameters": {"type": "object"}}]
RESPONSES = {"model": "m", "input": "refund please", "tools": OFFERED}
BAD = "here are the launch codes"  # the test policy blocks output naming them


def message_item(text: str) -> dict[str, Any]:
    """The answer's message output item."""
    return {
        "type": "message",
        "id": "msg_1",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


CALL_ITEM = {
    "type": "function_call",
    "id": "fc_1",
    "call_id": "call_1",
    "name": "refund",
    "arguments": ARGS,
    "status": "completed",
}


def chat_upstream(said: dict[str, str]) -> httpx.MockTransport:
    """A chat completion proposing a refund, with ``said``'s text and thinking."""

    def handle(request: httpx.Request) -> httpx.Response:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": said.get("text"),
            "tool_calls": [
                {
                    "id": "call_0",
                    "type": "function",
                    "function": {"name": "refund", "arguments": ARGS},
                }
            ],
        }
        if said.get("thinking"):
            message["reasoning_content"] = said["thinking"]
        choice = {"index": 0, "finish_reason": "tool_calls", "message": message}
        return httpx.Response(
            200,
            json={
                "id": "c1",
                "object": "chat.completion",
                "created": 1,
                "model": "m",
                "choices": [choice],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )

    return httpx.MockTransport(handle)


def responses_upstream(said: dict[str, str]) -> httpx.MockTransport:
    """A Responses answer with a message (``said["text"]``) and a refund call."""

    def handle(request: httpx.Request) -> httpx.Response:
        message, call = message_item(said["text"]), CALL_ITEM
        return httpx.Response(
            200,
            json={
                "id": "resp_1",
                "object": "response",
                "status": "completed",
                "model": "m",
                "output": [message, call],
                "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
            },
        )

    return httpx.MockTransport(handle)


async def _token(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> str:
    r = await client.post(path, json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["safeship"]["tool_calls"][0]["confirmation"]["token"])


@pytest.mark.parametrize("blocked", ["text", "thinking"])
async def test_chat_blocked_choice_drops_its_call_and_keeps_the_token(
    guard: Guard, blocked: str
) -> None:
    said = {"text": "refunding now"}
    cfg = config(tools=SHOP_TOOLS)
    async with gateway(guard, cfg, transport=chat_upstream(said)) as client:
        token = await _token(client, "/v1/chat/completions", CHAT)
        said[blocked] = BAD
        headers = {"X-Safeship-Confirm": token}
        r = await client.post("/v1/chat/completions", json=CHAT, headers=headers)
        body = r.json()
        choice = body["choices"][0]
        assert body["safeship"]["action"] == "block"
        assert choice["finish_reason"] == "content_filter"
        assert not choice["message"].get("tool_calls")  # the refusal stands alone
        assert "tool_calls" not in body["safeship"]  # no call was judged, none released
        said.update(text="refunding now", thinking="")
        again = await client.post("/v1/chat/completions", json=CHAT, headers=headers)
        verdict = again.json()["safeship"]["tool_calls"][0]
        assert verdict["allowed"] is True, verdict  # the token was not spent on the dropped call
        assert again.json()["choices"][0]["message"]["tool_calls"][0]["id"] == "call_0"


async def test_responses_blocked_text_drops_every_call_and_keeps_the_token(guard: Guard) -> None:
    said = {"text": "refunding now"}
    cfg = config(tools=SHOP_TOOLS)
    async with gateway(guard, cfg, transport=responses_upstream(said)) as client:
        token = await _token(client, "/v1/responses", RESPONSES)
        said["text"] = BAD
        headers = {"X-Safeship-Confirm": token}
        r = await client.post("/v1/responses", json=RESPONSES, headers=headers)
        body = r.json()
        assert body["status"] == "incomplete"
        assert [item["type"] for item in body["output"]] == ["message"]
        assert "tool_calls" not in body["safeship"]
        said["text"] = "refunding now"
        again = await client.post("/v1/responses", json=RESPONSES, headers=headers)
        verdict = again.json()["safeship"]["tool_calls"][0]
        assert verdict["allowed"] is True, verdict
        assert "function_call" in [item["type"] for item in again.json()["output"]]


async def test_a_continuations_answer_is_built_once_with_its_mark(
    guard: Guard, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``previous_response`` goes into the one body built, not a second serialization."""
    renders: list[object] = []
    render = JSONResponse.render

    def counted(self: JSONResponse, content: object) -> bytes:
        renders.append(content)
        return render(self, content)

    async with gateway(guard, config()) as client:
        first = (await client.post("/v1/responses", json={"model": "m", "input": "hi"})).json()
        monkeypatch.setattr(JSONResponse, "render", counted)
        body = {"model": "m", "input": "and more", "previous_response_id": first["id"]}
        r = await client.post("/v1/responses", json=body)
    assert r.json()["safeship"]["previous_response"] == "found"
    assert len(renders) == 1


def streamed_call_then_text(said: dict[str, str]) -> httpx.MockTransport:
    """A streamed Responses answer: a complete refund call first, then a message."""

    def handle(request: httpx.Request) -> httpx.Response:
        call, message = CALL_ITEM, message_item(said["text"])
        opened = {"id": "resp_1", "object": "response", "status": "in_progress", "output": []}
        part = {"type": "output_text", "text": "", "annotations": []}
        at = {"item_id": "msg_1", "output_index": 1, "content_index": 0}
        events = [
            {"type": "response.created", "response": opened},
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {**call, "arguments": "", "status": "in_progress"},
            },
            {
                "type": "response.function_call_arguments.done",
                "item_id": "fc_1",
                "output_index": 0,
                "arguments": ARGS,
            },
            {"type": "response.output_item.done", "output_index": 0, "item": call},
            {
                "type": "response.output_item.added",
                "output_index": 1,
                "item": {**message, "content": [], "status": "in_progress"},
            },
            {"type": "response.content_part.added", **at, "part": part},
            {"type": "response.output_text.delta", **at, "delta": said["text"]},
            {"type": "response.output_text.done", **at, "text": said["text"]},
            {"type": "response.content_part.done", **at, "part": {**part, "text": said["text"]}},
            {"type": "response.output_item.done", "output_index": 1, "item": message},
            {
                "type": "response.completed",
                "response": {**opened, "status": "completed", "output": [call, message]},
            },
        ]
        body = "".join(
            f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': n})}\n\n"
            for n, e in enumerate(events)
        )
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    return httpx.MockTransport(handle)


async def test_a_streamed_call_is_not_sent_before_later_text_is_cleared(guard: Guard) -> None:
    """Before, a complete call went out at once; text blocked after it left it beside the
    refusal, with its confirmation spent."""
    said = {"text": "refunding now"}
    cfg = config(tools=SHOP_TOOLS)
    body = {**RESPONSES, "stream": True}
    async with gateway(guard, cfg, transport=streamed_call_then_text(said)) as client:
        first = await client.post("/v1/responses", json=body)
        final = [e for e in sse_events(first.text) if isinstance(e, dict)][-1]["response"]
        token = final["safeship"]["tool_calls"][0]["confirmation"]["token"]
        said["text"] = BAD
        headers = {"X-Safeship-Confirm": token}
        blocked = await client.post("/v1/responses", json=body, headers=headers)
        events = [e for e in sse_events(blocked.text) if isinstance(e, dict)]
        assert not any(
            (e.get("item") or {}).get("type") == "function_call" for e in events
        )  # no call event went out
        assert events[-1]["response"]["safeship"]["action"] == "block"
        said["text"] = "refunding now"
        again = await client.post("/v1/responses", json=body, headers=headers)
        events = [e for e in sse_events(again.text) if isinstance(e, dict)]
        verdict = events[-1]["response"]["safeship"]["tool_calls"][0]
        assert verdict["allowed"] is True, verdict  # the token was not spent on the dropped call
        assert any((e.get("item") or {}).get("type") == "function_call" for e in events)
