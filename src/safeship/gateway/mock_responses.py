"""The mock model server's ``POST /v1/responses`` (OpenAI's Responses API), whole and streamed.

Same answers as the chat mock (``say: ...`` is repeated, ``call: [...]`` proposes tool calls,
anything else echoed; see :func:`safeship.gateway.mock.reply_text`), in the Responses shapes:
one ``message`` output item with one ``output_text`` part, or ``function_call`` items; a
stream is the event sequence OpenAI sends (created, item and part added, text or argument
deltas, the ``done`` events carrying the whole text, completed), each with its
``sequence_number``.
"""

from __future__ import annotations

import time
from typing import Any

RESPONSE_ID = "resp_mock_1"
MESSAGE_ID = "msg_mock_1"


def as_chat_body(body: dict[str, Any]) -> dict[str, Any]:
    """The request as the chat mock reads it: the last user input becomes the user turn."""
    given = body.get("input")
    if isinstance(given, str):
        return {"messages": [{"role": "user", "content": given}]}
    users = [i for i in given or [] if isinstance(i, dict) and i.get("role") == "user"]
    content = users[-1].get("content", "") if users else ""
    if isinstance(content, list):
        content = "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return {"messages": [{"role": "user", "content": content}]}


def output_message(text: str, status: str = "completed") -> dict[str, Any]:
    """The one output item of a mock answer."""
    part = {"type": "output_text", "text": text, "annotations": []}
    return {
        "type": "message",
        "id": MESSAGE_ID,
        "status": status,
        "role": "assistant",
        "content": [part],
    }


def function_call_item(
    call: dict[str, Any], index: int, arguments: str | None = None
) -> dict[str, Any]:
    """A chat ``tool_calls`` entry as the Responses API's ``function_call`` output item."""
    function = call["function"]
    return {
        "type": "function_call",
        "id": f"fc_mock_{index}",
        "call_id": call["id"],
        "name": function["name"],
        "arguments": function["arguments"] if arguments is None else arguments,
        "status": "completed" if arguments is None else "in_progress",
    }


def answer_items(text: str, calls: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The output items of a whole answer: the proposed calls, or one message."""
    if calls:
        return [function_call_item(c, i) for i, c in enumerate(calls)]
    return [output_message(text)]


def response_object(
    body: dict[str, Any], output: list[dict[str, Any]], status: str = "completed"
) -> dict[str, Any]:
    """A Responses API ``response`` object around ``output``."""
    words = sum(len(str(p.get("text", "")).split()) for i in output for p in i.get("content", []))
    return {
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "model": body.get("model", "mock-1"),
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "metadata": {},
        "usage": {
            "input_tokens": 1,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": words,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 1 + words,
        },
    }


def _call_events(calls: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """Each call as OpenAI streams it: the item, its arguments in pieces, done events."""
    out: list[dict[str, Any]] = []
    for i, call in enumerate(calls):
        raw = call["function"]["arguments"]
        at = {"item_id": f"fc_mock_{i}", "output_index": i}
        out.append(
            {"type": "response.output_item.added", "output_index": i,
             "item": function_call_item(call, i, "")}
        )  # fmt: skip
        out += [
            {"type": "response.function_call_arguments.delta", **at, "delta": raw[j : j + size]}
            for j in range(0, len(raw), size)
        ]
        out.append({"type": "response.function_call_arguments.done", **at, "arguments": raw})
        out.append(
            {"type": "response.output_item.done", "output_index": i,
             "item": function_call_item(call, i)}
        )  # fmt: skip
    return out


def response_events(
    body: dict[str, Any], text: str, size: int = 8, calls: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The answer ``text`` (or ``calls``) in ``size``-character deltas, as OpenAI's events."""
    events: list[dict[str, Any]]
    if calls:
        events = [
            {"type": "response.created", "response": response_object(body, [], "in_progress")},
            *_call_events(calls, size),
            {
                "type": "response.completed",
                "response": response_object(body, answer_items(text, calls)),
            },
        ]
        return [{**e, "sequence_number": n} for n, e in enumerate(events)]
    at = {"item_id": MESSAGE_ID, "output_index": 0, "content_index": 0}
    empty_part = {"type": "output_text", "text": "", "annotations": []}
    events = [
        {"type": "response.created", "response": response_object(body, [], "in_progress")},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**output_message("", "in_progress"), "content": []},
        },
        {"type": "response.content_part.added", **at, "part": empty_part},
    ]
    events += [
        {"type": "response.output_text.delta", **at, "delta": text[i : i + size], "logprobs": []}
        for i in range(0, len(text), size)
    ]
    events += [
        {"type": "response.output_text.done", **at, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **at, "part": {**empty_part, "text": text}},
        {"type": "response.output_item.done", "output_index": 0, "item": output_message(text)},
        {"type": "response.completed", "response": response_object(body, [output_message(text)])},
    ]
    return [{**e, "sequence_number": n} for n, e in enumerate(events)]
