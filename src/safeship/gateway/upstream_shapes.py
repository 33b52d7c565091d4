"""What of a chat or text completion the gateway passes on: an allow-list, never the raw answer.

Why: the guard checks text in the fields it knows (a choice's content, the thinking, the tool
calls it judges). Anything else an upstream sends - a second choice in a stream, a
``refusal`` or ``audio`` transcript, token ``logprobs`` (every token's text), an extra field -
would reach the client unchecked if the answer were forwarded as it arrived. So every chunk and
every whole answer is rebuilt from known fields of known types before anything reads it; the
rest is dropped. Tool calls pass as sent only where the feature has no tool guard (the
documented behaviour there); under a guard they are judged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from safeship.gateway.reasoning import KEYS as REASONING_KEYS
from safeship.gateway.shapes import Dialect

_TOP = ("id", "object", "created", "model", "system_fingerprint", "service_tier")


def _number_tree(value: Any) -> Any:
    """``usage`` as numbers only (and nested dicts of numbers)."""
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    if isinstance(value, dict):
        return {k: v for k, v in ((k, _number_tree(v)) for k, v in value.items()) if v is not None}
    return None


def _top(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: data[k] for k in _TOP if isinstance(data.get(k), (str, int))}
    usage = _number_tree(data.get("usage"))
    if isinstance(usage, dict):
        out["usage"] = usage
    return out


def _message_fields(holder: Any, tools_guarded: bool) -> dict[str, Any]:
    """The known fields of a message or delta: role, text, thinking, and unguarded tool calls."""
    if not isinstance(holder, dict):
        return {}
    kept: dict[str, Any] = {}
    if isinstance(holder.get("role"), str):
        kept["role"] = holder["role"]
    if isinstance(holder.get("content"), str) or holder.get("content", 0) is None:
        kept["content"] = holder["content"]
    for key in REASONING_KEYS:
        if isinstance(holder.get(key), str):
            kept[key] = holder[key]
    calls = holder.get("tool_calls")
    if isinstance(calls, list) or (tools_guarded and calls is not None):
        kept["tool_calls"] = calls  # under a guard the judge reads them (and refuses bad shapes)
    if not tools_guarded and isinstance(holder.get("function_call"), dict):
        kept["function_call"] = holder["function_call"]
    return kept


def clean_choice(choice: Any, dialect: Dialect, *, stream: bool, tools_guarded: bool) -> Any:
    """One choice rebuilt from known fields (``logprobs`` dropped: they spell out the text)."""
    if not isinstance(choice, dict):
        return None
    index = choice.get("index") if isinstance(choice.get("index"), int) else 0
    finish = choice.get("finish_reason")
    out: dict[str, Any] = {
        "index": index,
        "finish_reason": finish if isinstance(finish, str) else None,
        "logprobs": None,
    }
    if not dialect.chat:
        text = choice.get("text")
        return out | {"text": text if isinstance(text, str) else ""}
    holder = choice.get("delta" if stream else "message")
    return out | {("delta" if stream else "message"): _message_fields(holder, tools_guarded)}


def clean_completion(data: Any, dialect: Dialect, *, tools_guarded: bool) -> dict[str, Any]:
    """A whole answer rebuilt from known fields; every choice kept (each is checked)."""
    if not isinstance(data, dict):
        return {}
    out = _top(data)
    choices = data.get("choices")
    if isinstance(choices, list):
        cleaned = (
            clean_choice(c, dialect, stream=False, tools_guarded=tools_guarded) for c in choices
        )
        out["choices"] = [c for c in cleaned if c is not None]
    return out


async def clean_chunks(
    events: AsyncIterator[dict[str, Any]], dialect: Dialect, *, tools_guarded: bool
) -> AsyncIterator[dict[str, Any]]:
    """Stream chunks rebuilt from known fields, with choice 0 only (streams serve ``n`` = 1)."""
    async for event in events:
        if not isinstance(event, dict):
            continue
        out = _top(event)
        choices = event.get("choices")
        first = None
        if isinstance(choices, list):
            first = next(
                (c for c in choices if isinstance(c, dict) and c.get("index", 0) == 0), None
            )
        cleaned = clean_choice(first, dialect, stream=True, tools_guarded=tools_guarded)
        out["choices"] = [] if cleaned is None else [cleaned]
        yield out
