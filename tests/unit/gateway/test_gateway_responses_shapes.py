"""Only known Responses events and fields reach the client: text hidden anywhere else is dropped,
and a function call is never sent unjudged under a tool guard, whatever the upstream's shapes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from gateway_support import SHOP_TOOLS, config, gateway

from safeship.guard import Guard

EMAIL = "jo.doe@example.com"
SAID = f"mail {EMAIL}"
START = {"id": "resp_1", "object": "response", "status": "in_progress", "output": []}
AT = {"item_id": "m1", "output_index": 0, "content_index": 0}


def message(text: str, part_type: str = "output_text") -> dict[str, Any]:
    part = {"type": part_type, "text": text, "refusal": text, "annotations": []}
    return {"type": "message", "id": "m1", "role": "assistant", "content": [part]}


def created(output: list[Any] | None = None) -> dict[str, Any]:
    return {"type": "response.created", "response": {**START, "output": output or []}}


def completed(output: list[Any], **extra: Any) -> dict[str, Any]:
    response = {**START, "status": "completed", "output": output, **extra}
    return {"type": "response.completed", "response": response}


def streaming(events: list[dict[str, Any]]) -> httpx.MockTransport:
    body = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=body.encode(), headers={"content-type": "text/event-stream"}
        )

    return httpx.MockTransport(handle)


def call(arguments: str) -> dict[str, Any]:
    return {
        "type": "function_call",
        "id": "fc1",
        "call_id": "c1",
        "name": "refund",
        "arguments": arguments,
    }


HIDDEN = {
    "a filled lifecycle response": [created([message(SAID)]), completed([])],
    "a filled item when added": [
        created(), {"type": "response.output_item.added", "output_index": 0, "item": message(SAID)},
        completed([])],
    "a filled part when added": [
        created(), {"type": "response.content_part.added", **AT, "part": {"type": "output_text", "text": SAID}},
        completed([])],
    "refusal events and parts": [
        created(), {"type": "response.refusal.delta", **AT, "delta": SAID},
        completed([message(SAID, "refusal")])],
    "a top-level output_text": [created(), completed([], output_text=SAID)],
    "an item without a type": [created(), completed([{"id": "m1", "content": [{"type": "output_text", "text": SAID}]}])],
    "logprobs and extra fields": [
        created(), {"type": "response.output_text.delta", **AT, "delta": "hi", "note": SAID},
        {"type": "response.output_text.done", **AT, "text": "hi", "logprobs": [{"token": EMAIL}]},
        completed([message("hi")])],
    "annotations": [
        created(), {"type": "response.output_text.annotation.added", **AT, "annotation": {"title": SAID}},
        completed([{**message("hi"), "content": [{"type": "output_text", "text": "hi",
                                                  "annotations": [{"title": SAID}]}]}])],
    "an audio transcript and an error": [
        created(), {"type": "response.audio.transcript.delta", "delta": SAID},
        {"type": "error", "message": SAID}],
    "a reasoning part of another shape": [
        created(), {"type": "response.output_item.done", "output_index": 0,
                    "item": {"type": "reasoning", "id": "r", "summary": [{"type": "text", "text": SAID}]}},
        completed([])],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(HIDDEN))
async def test_text_hidden_in_a_responses_stream_never_leaves(guard: Guard, case: str) -> None:
    async with gateway(guard, transport=streaming(HIDDEN[case])) as client:
        sent = await client.post(
            "/v1/responses", json={"model": "m", "input": "hi", "stream": True}
        )
    assert sent.status_code == 200 and EMAIL not in sent.text


CALLS = {
    "the call's done event never comes": [
        created(), {"type": "response.output_item.added", "output_index": 0, "item": call("")},
        completed([call('{"order": 7, "amount": "99999"}')])],
    "argument deltas without an index": [
        created(), {"type": "response.output_item.added", "output_index": 0, "item": call("")},
        {"type": "response.function_call_arguments.delta", "item_id": "fc1", "delta": '{"amount": "99999"}'},
        completed([])],
    "a custom tool call": [
        created(), {"type": "response.output_item.done", "output_index": 0,
                    "item": {"type": "custom_tool_call", "name": "refund", "input": "99999"}},
        completed([{"type": "custom_tool_call", "name": "refund", "input": "99999"}])],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CALLS))
async def test_no_call_goes_out_unjudged_under_a_tool_guard(guard: Guard, case: str) -> None:
    async with gateway(guard, config(tools=SHOP_TOOLS), streaming(CALLS[case])) as client:
        sent = await client.post(
            "/v1/responses", json={"model": "m", "input": "hi", "stream": True}
        )
    assert "99999" not in sent.text
    final = [json.loads(line[6:]) for line in sent.text.splitlines() if line.startswith("data: ")][
        -1
    ]
    assert final["type"] == "response.completed"
    assert all(item["type"] == "message" for item in final["response"]["output"])


@pytest.mark.parametrize(
    "event",
    [
        {"type": "response.reasoning_summary_text.done", "output_index": 0, "summary_index": "a", "text": "x"},
        {"type": "response.output_text.delta", "output_index": [1], "delta": "x"},
        {"type": "response.output_item.added", "output_index": "a", "item": call("")},
    ],
)  # fmt: skip
async def test_odd_indices_are_read_as_zero_not_a_crash(guard: Guard, event: Any) -> None:
    events = [created(), event, completed([message("fine")])]
    async with gateway(guard, config(tools=SHOP_TOOLS), streaming(events)) as client:
        sent = await client.post(
            "/v1/responses", json={"model": "m", "input": "hi", "stream": True}
        )
    assert '"type":"response.completed"' in sent.text and "error" not in sent.text


async def test_text_held_when_the_response_completes_goes_out_before_it(guard: Guard) -> None:
    events = [created(), {"type": "response.output_text.delta", **AT, "delta": "short answer"},
              completed([message("short answer")])]  # fmt: skip
    async with gateway(guard, transport=streaming(events)) as client:
        sent = await client.post(
            "/v1/responses", json={"model": "m", "input": "hi", "stream": True}
        )
    kinds = [
        json.loads(line[6:])["type"] for line in sent.text.splitlines() if line.startswith("data: ")
    ]
    assert kinds[-1] == "response.completed"
    assert kinds.index("response.output_text.delta") < kinds.index("response.completed")


async def test_a_whole_response_keeps_only_what_the_guard_read(guard: Guard) -> None:
    answer = completed(
        [
            message(SAID, "refusal"),
            {
                **message("hi"),
                "content": [
                    {"type": "output_text", "text": "hi", "annotations": [{"title": SAID}]}
                ],
            },
            {"type": "custom_tool_call", "name": "x", "input": SAID},
            {"id": "untyped", "content": SAID},
        ],
        output_text=SAID,
    )["response"]

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    async with gateway(guard, transport=httpx.MockTransport(handle)) as client:
        sent = await client.post("/v1/responses", json={"model": "m", "input": "hi"})
    assert EMAIL not in sent.text
    assert [p["text"] for i in sent.json()["output"] for p in i["content"]] == ["hi"]
