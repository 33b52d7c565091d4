"""``/v1/responses`` in-process: upstream shapes the mock never sends, telemetry, limits, refusals."""

from __future__ import annotations

import json
from typing import Any

import httpx
from gateway_support import config, gateway

from safeship.gateway import ListSink
from safeship.gateway.mock import mock_transport
from safeship.gateway.mock_responses import output_message, response_object
from safeship.guard import Guard

EMAIL = "jo.doe@example.com"


def events_of(body: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


def upstream_sending(events: list[dict[str, Any]], *, cut: bool = False) -> httpx.MockTransport:
    """An upstream streaming ``events`` (``cut``: the body then breaks off mid-stream)."""

    async def chunks() -> Any:
        for event in events:
            yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
        if cut:
            raise httpx.ReadError("connection reset")

    def handle(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream"}
        return httpx.Response(200, content=chunks(), headers=headers)

    return httpx.MockTransport(handle)


def ask(text: str, **kw: Any) -> dict[str, Any]:
    return {"model": "mock-1", "input": text, **kw}


async def test_text_that_arrives_whole_is_checked_before_any_copy_leaves(guard: Guard) -> None:
    text = f"write to {EMAIL} today"
    at = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    body: dict[str, Any] = {"model": "mock-1"}
    upstream = [  # no deltas: some servers send the text only in the done events
        {"type": "response.created", "response": response_object(body, [], "in_progress")},
        {"type": "response.output_item.added", "output_index": 0, "item": output_message("")},
        {"type": "response.output_item.done", "output_index": 0, "item": output_message(text)},
        {"type": "response.output_text.done", **at, "text": text},
        {"type": "response.completed", "response": response_object(body, [output_message(text)])},
    ]
    async with gateway(guard, transport=upstream_sending(upstream)) as client:
        sent = await client.post("/v1/responses", json=ask("hi", stream=True))
    events = events_of(sent.text)
    assert EMAIL not in sent.text and "[REDACTED]" in sent.text
    final = events[-1]
    assert final["type"] == "response.completed"
    assert final["response"]["output"][0]["content"][0]["text"] == "write to [REDACTED] today"
    assert final["response"]["safeship"]["action"] == "redact"


async def test_held_text_is_checked_and_released_when_the_upstream_just_stops(
    guard: Guard,
) -> None:
    at = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    upstream = [{"type": "response.output_text.delta", **at, "delta": "short answer"}]
    async with gateway(guard, transport=upstream_sending(upstream)) as client:
        sent = await client.post("/v1/responses", json=ask("hi", stream=True))
    deltas = [e["delta"] for e in events_of(sent.text) if e["type"].endswith(".delta")]
    assert deltas == ["short answer"]
    assert [e["type"] for e in events_of(sent.text)][-1] == "response.output_text.done"


async def test_a_broken_upstream_stream_is_an_error_event_and_held_text_stays_held(
    guard: Guard,
) -> None:
    at = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    upstream = [{"type": "response.output_text.delta", **at, "delta": f"mail {EMAIL[:6]}"}]
    async with gateway(guard, transport=upstream_sending(upstream, cut=True)) as client:
        sent = await client.post("/v1/responses", json=ask("hi", stream=True))
    assert "event: error" in sent.text and "jo.doe" not in sent.text
    assert events_of(sent.text)[-1]["error"]["type"] == "upstream_unavailable"


async def test_each_output_part_is_checked_on_its_own(guard: Guard) -> None:
    two = output_message("here are the launch codes")
    two["content"].append({"type": "output_text", "text": "and a kind word", "annotations": []})

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=response_object({"model": "mock-1"}, [two]))

    async with gateway(guard, transport=httpx.MockTransport(handle)) as client:
        answer = (await client.post("/v1/responses", json=ask("hi"))).json()
    texts = [p["text"] for p in answer["output"][0]["content"]]
    assert texts == ["I can't share that.\n\nAsk me about something else.", "and a kind word"]
    assert answer["status"] == "incomplete"
    assert answer["incomplete_details"] == {"reason": "content_filter"}


async def test_decisions_are_recorded_with_the_endpoint(guard: Guard) -> None:
    sink = ListSink()
    async with gateway(guard, transport=mock_transport(), sink=sink) as client:
        await client.post("/v1/responses", json=ask("say: hello"))
        await client.post("/v1/responses", json=ask("say: hello again", stream=True))
        metrics = (await client.get("/metrics")).text
    assert [(e.endpoint, e.stage.value, e.streamed) for e in sink.events] == [
        ("responses", "input", False),
        ("responses", "output", False),
        ("responses", "input", False),
        ("responses", "output", True),
    ]
    assert 'safeship_gateway_requests_total{endpoint="responses",status="200"} 2.0' in metrics


async def test_safety_identifier_is_the_user_that_limits_count(guard: Guard) -> None:
    limits = [{"name": "per-user", "scope": "user", "rate": "1/minute"}]
    async with gateway(guard, config(controls={"limits": limits})) as client:
        first = await client.post("/v1/responses", json=ask("hi", safety_identifier="u-1"))
        again = await client.post("/v1/responses", json=ask("hi", safety_identifier="u-1"))
        other = await client.post("/v1/responses", json=ask("hi", safety_identifier="u-2"))
    assert (first.status_code, again.status_code, other.status_code) == (200, 429, 200)


async def test_output_tokens_count_against_token_quotas(guard: Guard) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        answer = response_object({"model": "mock-1"}, [output_message("A long essay.")])
        answer["usage"]["output_tokens"] = 500  # what the model spent on it
        return httpx.Response(200, json=answer)

    limits = [{"name": "tok", "scope": "user", "unit": "tokens", "rate": "300/hour"}]
    cfg = config(controls={"limits": limits})
    async with gateway(guard, cfg, httpx.MockTransport(handle)) as client:
        first = await client.post("/v1/responses", json=ask("hi", user="u-1"))
        second = await client.post("/v1/responses", json=ask("hi", user="u-1"))
        other = await client.post("/v1/responses", json=ask("hi", user="u-2"))
    assert (first.status_code, second.status_code, other.status_code) == (200, 429, 200)


async def test_an_unpaired_surrogate_is_a_400_naming_its_field_not_an_outage(
    guard: Guard,
) -> None:
    """It is not text: passed on it broke the upstream call, a stored batch and the limiter."""
    limits = [{"name": "per-user", "scope": "user", "rate": "5/minute"}]
    odd = '{"model": "m", "input": [{"role": "user", "content": "hi \\ud800"}], "user": "u"}'
    emoji = '{"model": "m", "input": "say: hi \\ud83d\\ude00", "user": "u"}'  # a valid pair
    async with gateway(guard, config(controls={"limits": limits})) as client:
        sent = await client.post("/v1/responses", content=odd, headers=JSON)
        fine = await client.post("/v1/responses", content=emoji, headers=JSON)
        metrics = (await client.get("/metrics")).text
    assert sent.status_code == 400 and sent.json()["error"]["field"] == "input.0.content"
    assert (
        fine.status_code == 200
        and fine.json()["output"][0]["content"][0]["text"] == "hi \U0001f600"
    )
    assert 'safeship_gateway_errors_total{type="limiter"}' not in metrics


JSON = {"content-type": "application/json"}
