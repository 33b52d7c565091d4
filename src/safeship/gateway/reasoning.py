"""A reasoning model's thinking text, on chat completions: checked, stripped, or passed.

Reasoning models served behind OpenAI-compatible servers (vLLM, llama.cpp, Ollama, DeepSeek's
API) send their chain of thought beside the answer, as ``reasoning_content`` or ``reasoning``
on the message (whole answers) or the delta (streams). That text is model output like any
other, and often less safety-trained than the answer: a model can think through the harmful
details it then declines to give, or repeat its system prompt (a canary) while planning.
So the gateway config's ``reasoning`` says what happens to it:

- ``check`` (default): checked by the output stage on its own, exactly like answer text,
  streamed through its own hold-back window; a block ends the answer with the refusal, a
  redaction redacts it;
- ``strip``: removed from every response, for apps that never show it;
- ``pass``: sent as the server sent it, unchecked (the behaviour before this setting).

A stream's thinking is handled by :func:`guard_reasoning`, a filter in front of the chat relay:
it takes the thinking out of each upstream event and puts checked thinking back as events of
its own, so the relay, which checks answer text, never sees unchecked thinking.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal

from safeship.gateway.errors import GatewayError
from safeship.types import Decision

if TYPE_CHECKING:
    from safeship.gateway.streaming import StreamGuard

ReasoningMode = Literal["check", "strip", "pass"]
KEYS = ("reasoning_content", "reasoning")


class ReasoningBlocked(GatewayError):
    """The thinking failed its check; the stream ends with the refusal (not an error)."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(200, "reasoning_blocked", "the model's reasoning was blocked")
        self.decision = decision


def reasoning_of(holder: Any) -> tuple[str, str] | None:
    """The reasoning field of a message or delta and its text, if it carries one."""
    if not isinstance(holder, dict):
        return None
    for key in KEYS:
        value = holder.get(key)
        if isinstance(value, str) and value:
            return key, value
    return None


def strip(holder: Any) -> None:
    """Remove every reasoning field of a message or delta."""
    if isinstance(holder, dict):
        for key in KEYS:
            holder.pop(key, None)


def _delta(event: dict[str, Any]) -> Any:
    choices = event.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else None
    return first.get("delta") if isinstance(first, dict) else None


def _thinking(template: dict[str, Any], key: str, text: str) -> dict[str, Any]:
    """A chunk carrying checked thinking under the field the upstream used."""
    choice = {"index": 0, "delta": {key: text}, "finish_reason": None, "logprobs": None}
    return {k: v for k, v in template.items() if k != "choices"} | {"choices": [choice]}


async def guard_reasoning(
    events: AsyncIterator[dict[str, Any]], guard: StreamGuard | None
) -> AsyncIterator[dict[str, Any]]:
    """Chat stream events with their thinking checked through ``guard``, or removed (None).

    Checked thinking goes out in chunks of its own as its window releases it. When the answer
    starts (a content delta) or the choice finishes, the rest of the thinking is checked
    first. Raises ``ReasoningBlocked`` when a check blocks.
    """
    key = KEYS[0]
    async for event in events:
        delta = _delta(event)
        found = reasoning_of(delta)
        strip(delta)
        released = ""
        if found is not None and guard is not None:
            key = found[0]
            out = await guard.feed(found[1])
            if out.blocked is not None:
                raise ReasoningBlocked(out.blocked)
            released = out.text
        choice = (event.get("choices") or [{}])[0]
        ending = isinstance(choice, dict) and (
            bool((delta or {}).get("content")) or choice.get("finish_reason") is not None
        )
        if ending and guard is not None and guard.held:
            out = await guard.finish()
            if out.blocked is not None:
                raise ReasoningBlocked(out.blocked)
            released += out.text
        if released:
            yield _thinking(event, key, released)
        if found is None or delta or (isinstance(choice, dict) and choice.get("finish_reason")):
            yield event  # what is left: the answer, tool calls, a role, the finish, usage
    if guard is not None and guard.held:  # the upstream stopped mid-thought
        out = await guard.finish()
        if out.blocked is not None:
            raise ReasoningBlocked(out.blocked)
        if out.text:
            yield _thinking({"object": "chat.completion.chunk"}, key, out.text)
