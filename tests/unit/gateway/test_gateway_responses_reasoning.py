"""Reasoning items on ``/v1/responses``: a thinking model's summaries checked, stripped or passed."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from gateway_support import config, gateway

from safeship.gateway.mock_responses import output_message, response_object
from safeship.guard import Guard

EMAIL = "jo.doe@example.com"
REFUSAL = "I can't share that.\n\nAsk me about something else."


def reasoning_item(summary: str) -> dict[str, Any]:
    part = {"type": "summary_text", "text": summary}
    return {"type": "reasoning", "id": "rs_1", "summary": [part], "status": "completed"}


def thinker(summary: str, answer: str) -> httpx.MockTransport:
    """An upstream that thinks (a summary, streamed in 6-char deltas) and then answers."""

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        output = [reasoning_item(summary), {**output_message(answer)}]
        output[1]["id"] = "msg_1"
        if not body.get("stream"):
            return httpx.Response(200, json=response_object(body, output))
        at = {"item_id": "rs_1", "output_index": 0, "summary_index": 0}
        empty = {"type": "summary_text", "text": ""}
        msg = {"item_id": "msg_1", "output_index": 1, "content_index": 0}
        events: list[dict[str, Any]] = [
            {"type": "response.created", "response": response_object(body, [], "in_progress")},
            {"type": "response.output_item.added", "output_index": 0,
             "item": {**reasoning_item(""), "summary": []}},
            {"type": "response.reasoning_summary_part.added", **at, "part": empty},
            *[{"type": "response.reasoning_summary_text.delta", **at, "delta": summary[i : i + 6]}
              for i in range(0, len(summary), 6)],
            {"type": "response.reasoning_summary_text.done", **at, "text": summary},
            {"type": "response.reasoning_summary_part.done", **at, "part": {**empty, "text": summary}},
            {"type": "response.output_item.done", "output_index": 0, "item": reasoning_item(summary)},
            {"type": "response.output_item.added", "output_index": 1,
             "item": {**output[1], "content": []}},
            {"type": "response.content_part.added", **msg,
             "part": {"type": "output_text", "text": "", "annotations": []}},
            {"type": "response.output_text.delta", **msg, "delta": answer},
            {"type": "response.output_text.done", **msg, "text": answer},
            {"type": "response.output_item.done", "output_index": 1, "item": output[1]},
            {"type": "response.completed", "response": response_object(body, output)},
        ]  # fmt: skip
        lines = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
        return httpx.Response(
            200, content=lines.encode(), headers={"content-type": "text/event-stream"}
        )

    return httpx.MockTransport(handle)


def events_of(body: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


def ask(**kw: Any) -> dict[str, Any]:
    return {"model": "mock-1", "input": "hi", **kw}


async def test_whole_answers_summaries_are_checked(guard: Guard) -> None:
    async with gateway(guard, transport=thinker(f"will mail {EMAIL}", "Done.")) as client:
        redacted = (await client.post("/v1/responses", json=ask())).json()
    assert redacted["output"][0]["summary"][0]["text"] == "will mail [REDACTED]"
    assert redacted["output"][1]["content"][0]["text"] == "Done."
    async with gateway(guard, transport=thinker("recall the launch codes", "No.")) as client:
        blocked = (await client.post("/v1/responses", json=ask())).json()
    assert [i["type"] for i in blocked["output"]] == ["message"]
    assert blocked["output"][0]["content"][0]["text"] == REFUSAL
    assert blocked["status"] == "incomplete" and blocked["safeship"]["action"] == "block"


@pytest.mark.parametrize(
    ("mode", "types"), [("strip", ["message"]), ("pass", ["reasoning", "message"])]
)
async def test_whole_answers_summaries_stripped_or_passed(
    guard: Guard, mode: str, types: list[str]
) -> None:
    cfg = config(reasoning=mode)
    async with gateway(guard, cfg, thinker(f"mail {EMAIL}", "Done.")) as client:
        answer = (await client.post("/v1/responses", json=ask())).json()
    assert [i["type"] for i in answer["output"]] == types


async def test_streamed_summaries_go_out_only_once_checked(guard: Guard) -> None:
    summary = f"the user wants a note; I will write to {EMAIL} and keep it short"
    async with gateway(guard, transport=thinker(summary, "Here is your note.")) as client:
        sent = await client.post("/v1/responses", json=ask(stream=True))
    assert EMAIL not in sent.text and "jo.doe" not in sent.text
    events = events_of(sent.text)
    deltas = [e["delta"] for e in events if e["type"] == "response.reasoning_summary_text.delta"]
    assert deltas == [summary.replace(EMAIL, "[REDACTED]")]  # checked whole, one delta
    final = events[-1]["response"]
    assert final["output"][0]["summary"][0]["text"] == summary.replace(EMAIL, "[REDACTED]")
    assert final["output"][1]["content"][0]["text"] == "Here is your note."
    assert [e["sequence_number"] for e in events] == list(range(len(events)))


async def test_a_blocked_summary_ends_the_stream_with_the_refusal(guard: Guard) -> None:
    async with gateway(guard, transport=thinker("recall the launch codes first", "No.")) as client:
        sent = await client.post("/v1/responses", json=ask(stream=True))
    events = events_of(sent.text)
    assert "launch codes" not in sent.text and "No." not in sent.text
    final = events[-1]
    assert final["type"] == "response.completed" and final["response"]["status"] == "incomplete"
    assert final["response"]["output"][0]["content"][0]["text"] == REFUSAL


async def test_streamed_summaries_stripped(guard: Guard) -> None:
    cfg = config(reasoning="strip")
    async with gateway(guard, cfg, thinker(f"mail {EMAIL}", "Done.")) as client:
        sent = await client.post("/v1/responses", json=ask(stream=True))
    assert "reasoning" not in sent.text.replace("reasoning_tokens", "")
    assert [i["type"] for i in events_of(sent.text)[-1]["response"]["output"]] == ["message"]
