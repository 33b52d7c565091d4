"""Only known fields of an upstream answer reach the client: text hidden anywhere else is dropped.

Each case puts an e-mail address (which the test policy redacts) or "launch codes" (which it
blocks) where the gateway does not read text, and checks the raw body the client gets.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from gateway_support import chat, gateway, sse_events, streamed_text

from safeship.guard import Guard

EMAIL = "jo.doe@example.com"
BASE = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}


def streaming(events: list[Any]) -> httpx.MockTransport:
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=body.encode(), headers={"content-type": "text/event-stream"}
        )

    return httpx.MockTransport(handle)


def delta(d: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {**BASE, "choices": [{"index": 0, "delta": d, "finish_reason": finish}], **extra}


HIDDEN_IN_STREAMS = {
    "a second choice": {**BASE, "choices": [
        {"index": 0, "delta": {}}, {"index": 1, "delta": {"content": f"mail {EMAIL}"}}]},
    "a refusal delta": delta({"refusal": f"mail {EMAIL}"}),
    "parts as content": delta({"content": [{"type": "text", "text": f"mail {EMAIL}"}]}),
    "an audio transcript": delta({"audio": {"transcript": f"mail {EMAIL}"}}),
    "an extra top-level field": delta({}, extra_text=f"mail {EMAIL}"),
    "token logprobs": {**BASE, "choices": [{"index": 0, "delta": {"content": "ok "},
        "logprobs": {"content": [{"token": EMAIL}]}}]},
    "a message in a stream": {**BASE, "choices": [{"index": 0, "message": {"content": EMAIL}}]},
    "a bare string choice": {**BASE, "choices": [f"mail {EMAIL}"]},
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(HIDDEN_IN_STREAMS))
async def test_text_hidden_in_a_stream_never_leaves(guard: Guard, case: str) -> None:
    events = [
        delta({"role": "assistant"}),
        HIDDEN_IN_STREAMS[case],
        delta({"content": "Hi."}, "stop"),
    ]
    async with gateway(guard, transport=streaming(events)) as client:
        sent = await client.post("/v1/chat/completions", json=chat("hi", stream=True))
    assert sent.status_code == 200 and EMAIL not in sent.text
    assert sse_events(sent.text)[-1] == "[DONE]"
    assert streamed_text(sse_events(sent.text)).endswith("Hi.")


@pytest.mark.parametrize("choices", [{"0": {"delta": {"content": "x"}}}, 5, None])
async def test_malformed_choices_are_skipped_not_a_crash(guard: Guard, choices: Any) -> None:
    events = [{**BASE, "choices": choices}, delta({"content": "Fine."}, "stop")]
    async with gateway(guard, transport=streaming(events)) as client:
        sent = await client.post("/v1/chat/completions", json=chat("hi", stream=True))
    assert streamed_text(sse_events(sent.text)) == "Fine." and sse_events(sent.text)[-1] == "[DONE]"


async def test_a_whole_answer_keeps_only_known_fields(guard: Guard) -> None:
    message = {
        "role": "assistant",
        "content": "Hi.",
        "refusal": EMAIL,
        "audio": {"transcript": EMAIL},
    }
    choice = {
        "index": 0,
        "message": message,
        "finish_reason": "stop",
        "logprobs": {"content": [{"token": EMAIL}]},
    }
    answer = {**BASE, "object": "chat.completion", "choices": [choice], "note": EMAIL,
              "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}  # fmt: skip

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    async with gateway(guard, transport=httpx.MockTransport(handle)) as client:
        sent = await client.post("/v1/chat/completions", json=chat("hi"))
    assert EMAIL not in sent.text
    body = sent.json()
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "Hi."}
    assert body["usage"]["total_tokens"] == 3 and body["model"] == "m"


async def test_an_unforeseen_relay_failure_ends_the_stream_in_band(
    guard: Guard, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug or an upstream shape nobody foresaw: the client still gets an error and [DONE]."""
    from safeship.gateway import proxy

    async def broken(*args: Any, **kwargs: Any) -> Any:
        yield b'data: {"choices": []}\n\n'
        raise RuntimeError(f"could quote {EMAIL}")

    monkeypatch.setattr(proxy, "relay", broken)
    async with gateway(guard, transport=streaming([delta({"content": "Hi."}, "stop")])) as client:
        sent = await client.post("/v1/chat/completions", json=chat("hi", stream=True))
    events = sse_events(sent.text)
    assert events[-1] == "[DONE]" and events[-2]["error"]["type"] == "upstream_invalid_response"
    assert "stream relay failed (RuntimeError)" in caplog.text and EMAIL not in caplog.text
