"""The tool-call guard on the Responses API: offered tools, ``function_call`` items, their stream.

The same :class:`~safeship.gateway.tools.ToolGuard` as chat judges each ``function_call`` item,
read as the chat ``tool_calls`` entry it is equivalent to (``call_id``, ``name``, ``arguments``),
so a call refused in one API is refused in the other. Offered tools must be ``function`` tools
on the allow-list: the API's built-in tools (web search, file search, code interpreter, remote
MCP servers...) run at the provider, where no call could be judged, so under a tool guard they
are refused (400) like an unlisted function.

Whole answers: held calls are removed from ``output``. Streams: every event of a
``function_call`` item (added, argument deltas, done) is held until the item is complete, then
judged; a passing call's events go out in order, a held call's never do. When calls were
proposed and all are held, the answer ends with a message carrying the notice and is marked
``incomplete`` / ``content_filter``. The verdicts (with any confirmation token) are in
``safeship.tool_calls``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from safeship.gateway.errors import GatewayError
from safeship.gateway.responses_shapes import text_message
from safeship.gateway.tools import Judgement, ToolGuard, ToolVerdict

Judge = Callable[[list[dict[str, Any]]], Judgement]
CALL_EVENTS = ("response.function_call_arguments.delta", "response.function_call_arguments.done")


def check_offered(guard: ToolGuard, data: dict[str, Any]) -> None:
    """Refuse (400) a request offering a tool that is not an allowed function."""
    offered = data.get("tools") or []
    if not isinstance(offered, list) or not all(isinstance(t, dict) for t in offered):
        raise GatewayError(400, "invalid_request", "tools must be a list of objects", "tools")
    for i, tool in enumerate(offered):
        kind = tool.get("type")
        if kind != "function":
            raise GatewayError(
                400,
                "tool_not_allowed",
                f"built-in tool {kind!r} cannot be judged by the tool guard; offer functions",
                f"tools.{i}.type",
            )
        name = tool.get("name")
        if name not in guard.specs:
            raise GatewayError(
                400, "tool_not_allowed", f"tool {name!r} is not allowed for this feature",
                f"tools.{i}.name",
            )  # fmt: skip


def as_chat_call(item: dict[str, Any]) -> dict[str, Any]:
    """A ``function_call`` item as the chat ``tool_calls`` entry the tool guard judges."""
    function = {"name": item.get("name"), "arguments": item.get("arguments") or ""}
    return {
        "id": item.get("call_id") or item.get("id") or "",
        "type": "function",
        "function": function,
    }


def notice_message(text: str, request_id: str) -> dict[str, Any]:
    """The message an answer whose calls were all held ends with."""
    return text_message(f"msg_safeship_tools_{request_id}", text)


def drop_calls(data: dict[str, Any]) -> None:
    """Remove every ``function_call`` item of a whole response whose text was blocked.

    The calls came from the same generation as the blocked text, so none may go out next to
    the refusal; removed before the tool guard runs, they spend no confirmation token.
    """
    output = data.get("output")
    if isinstance(output, list):
        data["output"] = [
            item
            for item in output
            if not (isinstance(item, dict) and item.get("type") == "function_call")
        ]


def judge_output(data: dict[str, Any], judge: Judge, request_id: str) -> list[ToolVerdict]:
    """Judge every ``function_call`` item of a whole response; remove the held ones."""
    output = data.get("output")
    if not isinstance(output, list):
        return []
    verdicts: list[ToolVerdict] = []
    kept: list[Any] = []
    for item in output:
        if isinstance(item, dict) and item.get("type") == "function_call":
            judged = judge([as_chat_call(item)])
            verdicts += judged.verdicts
            if not judged.kept:
                continue
        kept.append(item)
    data["output"] = kept
    if verdicts and all(v.reason for v in verdicts):
        held = Judgement([], verdicts)
        kept.append(notice_message(held.notice(), request_id))
        data["status"] = "incomplete"
        data["incomplete_details"] = {"reason": "content_filter"}
    return verdicts


def int_or_zero(value: Any) -> int:
    """An index field as an int (an upstream that sends anything else gets index 0)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


ANSWER_ITEMS = ("message", "reasoning")


class HeldCalls:
    """Holds a stream's ``function_call`` items until each is complete, then judges it.

    Deny by default: argument events are held by item id or index and never go out before
    their call is judged; a call that only ever appears in the final response is judged there;
    output items of any other tool type (custom tools, provider-run tools) are dropped, since
    the tool guard cannot judge them.

    A complete call is judged and released only when the answer ends (``release``), not as soon
    as it is complete: text after it may still be blocked, and a call sent beside a refusal
    cannot be taken back (nor could its confirmation token). A stream that ends blocked never
    judges its held calls, so their tokens are given back.
    """

    def __init__(self, judge: Judge) -> None:
        self._judge = judge
        self._held: dict[int, list[dict[str, Any]]] = {}
        self._complete: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
        self._index_of: dict[str, int] = {}
        self._judged: set[str] = set()
        self.verdicts: list[ToolVerdict] = []
        self.refused: set[str] = set()

    @property
    def all_held(self) -> bool:
        """Calls were proposed and none may go out."""
        return bool(self.verdicts) and all(v.reason for v in self.verdicts)

    def _verdict(self, item: dict[str, Any]) -> bool:
        """Judge one call item once; True if it may go out."""
        call = as_chat_call(item)
        call_id = str(call["id"])
        if call_id in self._judged:
            return call_id not in self.refused
        self._judged.add(call_id)
        judged = self._judge([call])
        self.verdicts += judged.verdicts
        if not judged.kept:
            self.refused.add(call_id)
        return bool(judged.kept)

    def take(self, event: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The events to send now for a call's ``event``; None if it is not a call's event."""
        kind = event.get("type")
        index = int_or_zero(event.get("output_index"))
        item = event.get("item") if isinstance(event.get("item"), dict) else None
        if item is not None and str(kind).startswith("response.output_item."):
            if item.get("type") in ANSWER_ITEMS:
                return None
            if item.get("type") != "function_call":
                return []  # a tool the guard cannot judge
            if kind == "response.output_item.added":
                self._held[index] = [event]
                if isinstance(item.get("id"), str):
                    self._index_of[item["id"]] = index
                return []
            self._complete[index] = (item, [*self._held.pop(index, []), event])
            return []  # judged and sent when the answer ends (``release``)
        if kind in CALL_EVENTS:
            held = self._index_of.get(str(event.get("item_id")), index)
            if held in self._held:
                self._held[held].append(event)
            return []  # never out before its call is judged
        return None

    def release(self) -> list[dict[str, Any]]:
        """The events of every complete call the guard allows, judged now (the answer ended)."""
        out: list[dict[str, Any]] = []
        for index in sorted(self._complete):
            item, events = self._complete[index]
            if self._verdict(item):
                out += events
        self._complete.clear()
        return out

    def rewrite(self, response: dict[str, Any]) -> None:
        """Judge the final ``response``'s calls not judged yet; keep only the allowed ones."""
        output = response.get("output")
        if isinstance(output, list):
            response["output"] = [
                item
                for item in output
                if isinstance(item, dict)
                and (
                    item.get("type") in ANSWER_ITEMS
                    or (item.get("type") == "function_call" and self._verdict(item))
                )
            ]
