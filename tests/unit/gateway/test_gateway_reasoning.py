"""A reasoning model's thinking on chat completions: checked (default), stripped, or passed."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from gateway_support import chat, config, gateway, sse_events, streamed_text

from safeship.gateway import GatewayConfig
from safeship.guard import Guard

EMAIL = "jo.doe@example.com"
REFUSAL = "I can't share that.\n\nAsk me about something else."


def thinker(thought: str, answer: str, *, key: str = "reasoning_content", finish: bool = True):
    """An upstream that thinks ``thought`` then answers ``answer``, whole or in 6-char deltas."""

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        base = {"id": "r1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
        if not body.get("stream"):
            message = {"role": "assistant", "content": answer, key: thought}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            return httpx.Response(
                200, json={**base, "object": "chat.completion", "choices": [choice]}
            )

        def make(delta: dict[str, Any], end: str | None = None) -> dict[str, Any]:
            return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": end}]}

        events = [make({"role": "assistant", "content": ""})]
        events += [make({key: thought[i : i + 6]}) for i in range(0, len(thought), 6)]
        events += [make({"content": answer[i : i + 6]}) for i in range(0, len(answer), 6)]
        if finish:
            events.append(make({}, "stop"))
        lines = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        return httpx.Response(
            200, content=lines.encode(), headers={"content-type": "text/event-stream"}
        )

    return httpx.MockTransport(handle)


def thoughts_of(events: list[Any], key: str = "reasoning_content") -> str:
    return "".join(
        (e["choices"][0].get("delta") or {}).get(key) or ""
        for e in events
        if isinstance(e, dict) and e.get("choices")
    )


async def test_whole_answers_thinking_is_checked_redacted_or_blocks_the_answer(
    guard: Guard,
) -> None:
    async with gateway(guard, transport=thinker(f"mail {EMAIL} later", "Sure.")) as client:
        redacted = (await client.post("/v1/chat/completions", json=chat("hi"))).json()
    message = redacted["choices"][0]["message"]
    assert message["reasoning_content"] == "mail [REDACTED] later" and message["content"] == "Sure."
    async with gateway(guard, transport=thinker("the launch codes are 0000", "No.")) as client:
        blocked = (await client.post("/v1/chat/completions", json=chat("hi"))).json()
    choice = blocked["choices"][0]
    assert choice["message"]["content"] == REFUSAL and "reasoning_content" not in choice["message"]
    assert choice["finish_reason"] == "content_filter"
    assert blocked["safeship"]["action"] == "block"


@pytest.mark.parametrize(("mode", "kept"), [("strip", None), ("pass", f"mail {EMAIL}")])
async def test_whole_answers_thinking_stripped_or_passed(
    guard: Guard, mode: str, kept: str | None
) -> None:
    cfg = config(reasoning=mode)
    async with gateway(guard, cfg, thinker(f"mail {EMAIL}", "Sure.", key="reasoning")) as client:
        answer = (await client.post("/v1/chat/completions", json=chat("hi"))).json()
    assert answer["choices"][0]["message"].get("reasoning") == kept


async def test_streamed_thinking_goes_out_only_once_checked(guard: Guard) -> None:
    thought = f"the user wants a note, I will write to {EMAIL} and keep it short"
    async with gateway(guard, transport=thinker(thought, "Here is your note.")) as client:
        sent = await client.post("/v1/chat/completions", json=chat("hi", stream=True))
    events = sse_events(sent.text)
    assert EMAIL not in sent.text and "jo.doe" not in sent.text
    assert thoughts_of(events) == thought.replace(EMAIL, "[REDACTED]")
    assert streamed_text(events) == "Here is your note." and events[-1] == "[DONE]"


async def test_a_blocked_thought_ends_the_stream_before_the_answer(guard: Guard) -> None:
    thought = "I know the launch codes, they are 0000, but I should not say so"
    async with gateway(guard, transport=thinker(thought, "I can't help.")) as client:
        sent = await client.post("/v1/chat/completions", json=chat("hi", stream=True))
    events = sse_events(sent.text)
    assert "launch codes" not in sent.text and "0000" not in thoughts_of(events)
    assert streamed_text(events) == REFUSAL
    last = [e for e in events if isinstance(e, dict)][-1]
    assert last["choices"][0]["finish_reason"] == "content_filter"
    assert last["safeship"]["action"] == "block" and events[-1] == "[DONE]"


async def test_streamed_thinking_stripped_and_a_thought_cut_off_still_checked(
    guard: Guard,
) -> None:
    upstream = thinker(f"mail {EMAIL}", "Done.")
    async with gateway(guard, config(reasoning="strip"), upstream) as client:
        stripped = await client.post("/v1/chat/completions", json=chat("hi", stream=True))
    assert "reasoning" not in stripped.text and streamed_text(sse_events(stripped.text)) == "Done."
    cut = thinker(f"thinking about {EMAIL}", "", finish=False)  # the upstream stops mid-thought
    async with gateway(guard, transport=cut) as client:
        sent = await client.post("/v1/chat/completions", json=chat("hi", stream=True))
    assert thoughts_of(sse_events(sent.text)) == "thinking about [REDACTED]"


def test_an_unknown_reasoning_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="reasoning"):
        GatewayConfig.model_validate({"upstream": {"base_url": "http://x/v1"}, "reasoning": "log"})
