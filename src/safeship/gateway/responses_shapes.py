"""OpenAI Responses API wire shapes: what the guard reads of a request, and a refusal response.

The Responses API (``POST /v1/responses``) carries a conversation as ``instructions`` plus an
``input`` that is a string or a list of items: messages (``role`` + string or typed parts) and
tool traffic (``function_call``, ``function_call_output``). Only the fields the guard reads are
validated (strict types: a wrong type is a 400 naming the field); everything else passes to
the upstream untouched, as on the chat endpoint.

A blocked request is answered with an ordinary ``response`` whose one message is the refusal as
``output_text`` (so ``response.output_text`` shows it), ``status: incomplete`` with
``incomplete_details.reason: content_filter`` (the API's own signal for filtered output), and
the ``safeship`` extension object.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from safeship.gateway.shapes import ContentPart, OpenModel, extension, refusal_text
from safeship.messages import carries_tool_output, content_text, with_text
from safeship.types import Decision, Message

InputPart = ContentPart  # a Responses message part has the chat one's shape


class OutputPart(OpenModel):
    """One part of a tool's output: text, or a shell call's streams (which carry no type)."""

    type: str | None = None
    text: str | None = None
    stdout: str | None = None
    stderr: str | None = None


def _joined(value: str | list[InputPart] | list[OutputPart] | None) -> str:
    """The screened text, read as the library reads it (``safeship.messages.content_text``)."""
    parts = [p.model_dump() for p in value] if isinstance(value, list) else value
    return content_text(parts, "content")


class InputItem(OpenModel):
    """One item of ``input``: a message (``role`` set) or a tool call or result."""

    type: str | None = None
    role: Literal["system", "developer", "user", "assistant"] | None = None
    content: str | list[InputPart] | None = None
    output: str | list[OutputPart] | dict[str, Any] | None = None  # dict: a screenshot

    def message(self) -> Message | None:
        """The item as the guard reads it; a tool result is a ``tool`` turn, other items none."""
        if self.role is not None:
            return Message(role=self.role, content=_joined(self.content))
        if self.type is not None and carries_tool_output(self.type):
            if isinstance(self.output, str | list) and self.output:
                return Message(role="tool", content=_joined(self.output))  # any tool's text
        return None


class ResponsesRequest(OpenModel):
    """``POST /v1/responses``."""

    model: str
    input: str | list[InputItem]
    instructions: str | None = None
    stream: bool = False
    user: str | None = None
    safety_identifier: str | None = None
    previous_response_id: str | None = None

    def model_post_init(self, context: Any, /) -> None:
        """``safety_identifier`` is the API's newer name for the end user: limits count it."""
        if self.user is None and self.safety_identifier is not None:
            self.user = self.safety_identifier

    def guard_messages(self) -> list[Message]:
        """The conversation as the guard reads it: instructions, then every message item."""
        out = [Message(role="system", content=self.instructions)] if self.instructions else []
        if isinstance(self.input, str):
            return [*out, Message(role="user", content=self.input)]
        return out + [m for m in (item.message() for item in self.input) if m is not None]

    def input_turns(self) -> list[tuple[str | None, str]]:
        """``(role, text)`` of every ``input`` item, in order (no role: a tool item)."""
        if isinstance(self.input, str):
            return [("user", self.input)]
        return [(item.role, _joined(item.content)) for item in self.input]

    def last_user_item(self) -> int | None:
        """Index in ``input`` of the user turn the input check screens (-1: ``input`` is text)."""
        if isinstance(self.input, str):
            return -1
        users = [i for i, item in enumerate(self.input) if item.role == "user"]
        return users[-1] if users else None

    def last_user_text(self) -> str | None:
        """The text of the user turn the input check screens."""
        index = self.last_user_item()
        if index is None:
            return None
        if isinstance(self.input, str):
            return self.input
        found = self.input[index].message()
        return found.content if found is not None else None

    def redact_input(self, data: dict[str, Any], text: str) -> None:
        """Put the redacted user turn into the body forwarded upstream."""
        index = self.last_user_item()
        if index == -1:
            data["input"] = text
        elif index is not None:
            item = data["input"][index]
            item["content"] = with_text(item.get("content"), text)


def output_text_parts(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``output_text`` parts of every message item of a response, in order."""
    output = data.get("output")
    if not isinstance(output, list):
        return []
    parts: list[dict[str, Any]] = []
    for item in output:
        if isinstance(item, dict) and item.get("type") == "message":
            content = item.get("content")
            parts += [
                p
                for p in (content if isinstance(content, list) else [])
                if isinstance(p, dict) and p.get("type") == "output_text"
            ]
    return parts


def clean_output(data: dict[str, Any]) -> None:
    """Keep only what the guard reads of a whole response (see :mod:`.responses_stream`).

    Output items other than messages, thinking and function calls are dropped, messages keep
    only their ``output_text`` parts (annotations cleared: their titles are model text too),
    and the convenience ``output_text`` some servers add at the top is removed.
    """
    data.pop("output_text", None)
    output = data.get("output")
    kept: list[dict[str, Any]] = []
    for item in output if isinstance(output, list) else []:
        if not isinstance(item, dict) or item.get("type") not in KNOWN_ITEMS:
            continue
        if item["type"] == "message":
            keep_output_text(item)
        kept.append(item)
    data["output"] = kept


def keep_output_text(item: dict[str, Any]) -> None:
    """A message item with only its ``output_text`` parts, rebuilt (annotations cleared)."""
    content = item.get("content")
    item["content"] = [
        {"type": "output_text", "text": str(p.get("text") or ""), "annotations": []}
        for p in (content if isinstance(content, list) else [])
        if isinstance(p, dict) and p.get("type") == "output_text"
    ]


KNOWN_ITEMS = ("message", "reasoning", "function_call")


def filtered(response: dict[str, Any]) -> None:
    """Mark a response as cut short by the content filter."""
    response["status"] = "incomplete"
    response["incomplete_details"] = {"reason": "content_filter"}


def text_message(item_id: str, text: str) -> dict[str, Any]:
    """A completed assistant message item with one ``output_text`` part."""
    return {
        "type": "message",
        "id": item_id,
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def refusal_message(decision: Decision, request_id: str, text: str = "") -> dict[str, Any]:
    """An assistant message item whose text is ``text`` followed by the refusal."""
    said = text + ("\n\n" if text else "") + refusal_text(decision.refusal)
    return text_message(f"msg_safeship_{request_id}", said)


def refusal_response(
    model: str, decision: Decision, request_id: str, escalation: str = "none"
) -> dict[str, Any]:
    """A complete, ordinary-looking response whose one message is the refusal."""
    response = {
        "id": f"resp_safeship_{request_id}",
        "object": "response",
        "created_at": int(time.time()),
        "model": model,
        "output": [refusal_message(decision, request_id)],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "error": None,
        "metadata": {},
        "usage": {
            "input_tokens": 0,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 0,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 0,
        },
        "safeship": extension(decision, request_id, escalation),
    }
    filtered(response)
    return response
