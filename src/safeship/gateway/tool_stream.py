"""Streamed tool calls: held back until complete, judged whole, then sent or replaced.

A streamed answer proposes a tool call in pieces: the first ``tool_calls`` delta of a call names
it, later ones append fragments of its JSON arguments. No fragment can be judged on its own (an
argument deny rule or a schema needs the whole object), so nothing of a call leaves before the
choice finishes; then the tool guard judges the assembled calls exactly as it judges a
non-streamed answer. Passing calls go out in one delta each (clients accumulate deltas, so one
complete delta is as valid as many pieces); if every call is held, the client reads a notice and
``finish_reason`` ``content_filter`` instead, and the ``safeship`` extension carries the
verdicts (with the confirmation token of an irreversible call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from safeship.gateway.errors import GatewayError
from safeship.gateway.shapes import Dialect, chunk
from safeship.gateway.tools import Judgement

ToolJudge = Callable[[list[dict[str, Any]]], Judgement]


def _malformed(what: str) -> GatewayError:
    return GatewayError(502, "upstream_invalid_response", f"the model server sent {what}")


class ToolCallBuffer:
    """Assembles the ``tool_calls`` deltas of one streamed choice, keyed by their ``index``.

    String fields are concatenated in arrival order, the way OpenAI's own client accumulates
    them, so a server that splits a name or an id across deltas is read the same way.
    """

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, Any]] = {}

    def __bool__(self) -> bool:
        return bool(self._calls)

    def add(self, deltas: Any) -> None:
        """Take one delta's ``tool_calls`` list; ``None`` (some servers send it) adds nothing."""
        if deltas is None:
            return
        if not isinstance(deltas, list):
            raise _malformed("a tool_calls delta that is not a list")
        for position, delta in enumerate(deltas):
            self._add_one(position, delta)

    def _add_one(self, position: int, delta: Any) -> None:
        if not isinstance(delta, dict):
            raise _malformed("a tool_calls delta entry that is not an object")
        index = delta.get("index", position)
        if not isinstance(index, int) or isinstance(index, bool):
            raise _malformed("a tool_calls delta whose index is not an integer")
        call = self._calls.setdefault(
            index, {"id": "", "type": "function", "function": {"name": "", "arguments": ""}}
        )
        if isinstance(delta.get("id"), str):
            call["id"] += delta["id"]
        if isinstance(delta.get("type"), str):
            call["type"] = delta["type"]
        fn = delta.get("function")
        if fn is None:
            return
        if not isinstance(fn, dict):
            raise _malformed("a tool_calls delta whose function is not an object")
        for key in ("name", "arguments"):
            piece = fn.get(key)
            if piece is None:
                continue
            if not isinstance(piece, str):
                raise _malformed(f"a tool_calls delta whose function.{key} is not a string")
            call["function"][key] += piece

    def calls(self) -> list[dict[str, Any]]:
        """The calls assembled so far, in index order."""
        return [self._calls[i] for i in sorted(self._calls)]

    def take(self) -> list[dict[str, Any]]:
        """The complete calls, emptying the buffer so nothing can be released twice."""
        calls = self.calls()
        self._calls = {}
        return calls


def hold(event: dict[str, Any], buffer: ToolCallBuffer) -> dict[str, Any] | None:
    """Move the event's ``tool_calls`` delta into ``buffer``; what is left of the event, if any.

    Whatever else the event carries (the role announcement, text, a finish) still goes through
    the text guard as usual; an event that carried only tool-call pieces is swallowed (None).
    """
    choices = event.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return event
    delta = choices[0].get("delta")
    if not isinstance(delta, dict) or "tool_calls" not in delta:
        return event
    buffer.add(delta["tool_calls"])
    choice = dict(choices[0])
    choice["delta"] = {k: v for k, v in delta.items() if k != "tool_calls"}
    if not choice["delta"] and not choice.get("finish_reason"):
        return None
    return {**event, "choices": [choice, *choices[1:]]}


def release(
    judge: ToolJudge, buffer: ToolCallBuffer, dialect: Dialect, template: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], Judgement | None]:
    """The chunks that replace the buffered calls, and the judgement (None: no calls)."""
    if not buffer:
        return [], None
    judged = judge(buffer.take())
    if judged.all_held:
        return [chunk(dialect, template, judged.notice())], judged
    out = chunk(dialect, template, None)
    out["choices"][0]["delta"] = {
        "tool_calls": [{"index": i, **call} for i, call in enumerate(judged.kept)]
    }
    return [out], judged
