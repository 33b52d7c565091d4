"""Guarded streaming for the Responses API: relay the upstream's events, text only once checked.

Each ``output_text`` part (keyed by output and content index) has its own
:class:`~safeship.gateway.streaming.StreamGuard`, so its deltas are held back and checked exactly
as a chat stream's are (bounded window, holdback, spans never cut). The Responses API also
repeats the whole text in its ``done`` events and in the final ``response`` object; those copies
are rewritten to the text that was actually released (redactions included), and a part that
arrives whole, never streamed, is checked before any copy of it leaves. So no unchecked text
reaches the client through any event.

A block ends the part with the refusal (as more ``output_text``), closes the part and its item,
and ends the stream with ``response.completed`` whose response is ``status: incomplete``,
``incomplete_details.reason: content_filter`` and carries the ``safeship`` object: the event
the official client's stream helper needs for ``get_final_response()``. Every event is
renumbered (``sequence_number``) because the gateway adds and drops some. The id of the response
the stream ends with is noted (``final_id``), so its turns can be remembered for a continuation.

Reasoning items (a reasoning model's thinking) follow the config's ``reasoning`` setting
(:mod:`.responses_reasoning`); a blocked thought ends the answer with a refusal message.
Annotations go out as the server sent them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from safeship.gateway.errors import GatewayError
from safeship.gateway.reasoning import ReasoningMode
from safeship.gateway.responses_reasoning import ReasoningItems, ThinkingBlocked
from safeship.gateway.responses_shapes import filtered, keep_output_text, refusal_message
from safeship.gateway.responses_tools import HeldCalls, notice_message
from safeship.gateway.shapes import refusal_text
from safeship.gateway.streaming import StreamGuard
from safeship.gateway.tools import Judgement
from safeship.types import Decision

Key = tuple[int, int]  # output_index, content_index
ExtensionFn = Callable[[Decision | None], dict[str, Any]]
LIFECYCLE = ("response.created", "response.queued", "response.in_progress")
CALL_EVENTS = ("response.function_call_arguments.delta", "response.function_call_arguments.done")
FINAL = ("response.completed", "response.incomplete", "response.failed")


class ResponsesRelay:
    """The state of one guarded Responses stream."""

    def __init__(
        self,
        new_guard: Callable[[], StreamGuard],
        request_id: str,
        ext_of: ExtensionFn,
        calls: HeldCalls | None = None,
        reasoning: ReasoningMode = "check",
    ) -> None:
        self._new_guard = new_guard
        self._request_id = request_id
        self._ext_of = ext_of
        self._calls = calls
        self._thinking = ReasoningItems(reasoning, self._check_thought)
        self._thought_guards: list[StreamGuard] = []
        self.guards: dict[Key, StreamGuard] = {}
        self._sent: dict[Key, str] = {}
        self._items: dict[int, dict[str, Any]] = {}
        self._response: dict[str, Any] | None = None
        self._seq = 0
        self.stopped = False
        self.final_id: str | None = None  # the id of the response the stream ended with
        self.first_id: str | None = None  # the id its first lifecycle event announced

    @property
    def worst(self) -> Decision | None:
        """The most severe decision of any answer part's or thought's checks."""
        guards = [*self.guards.values(), *self._thought_guards]
        found = [g.worst for g in guards if g.worst is not None]
        return max(found, key=lambda d: d.action.severity) if found else None

    def _holding(self, text: str) -> StreamGuard:
        """A guard already holding ``text`` whole: its ``finish`` checks it in one go."""
        guard = self._new_guard()
        guard.text = text
        return guard

    async def _check_thought(self, text: str) -> tuple[str, Decision | None]:
        guard = self._holding(text)
        self._thought_guards.append(guard)
        out = await guard.finish()
        return out.text, out.blocked

    def text(self) -> str:
        """Everything the model generated as answer text (what telemetry records)."""
        return "\n".join(g.text for g in self.guards.values())

    def next_number(self) -> int:
        """The next event's ``sequence_number``."""
        self._seq += 1
        return self._seq - 1

    def _sse(self, event: dict[str, Any]) -> bytes:
        return named_sse(event, self.next_number())

    def _extension(self, decision: Decision | None) -> dict[str, Any]:
        ext = self._ext_of(decision)
        if self._calls is not None and self._calls.verdicts:
            ext["tool_calls"] = [v.json() for v in self._calls.verdicts]
        return ext

    def _remember(self, event: dict[str, Any]) -> None:
        if event.get("type") == "response.output_item.added" and isinstance(
            event.get("item"), dict
        ):
            self._items[_index(event, "output_index")] = copy.deepcopy(event["item"])

    async def _intercept(self, event: dict[str, Any]) -> list[bytes] | None:
        """A tool call's or a thought's event, judged or checked; None for any other event."""
        taken = self._calls.take(event) if self._calls is not None else None
        if taken is None:
            try:
                taken = await self._thinking.take(event)
            except ThinkingBlocked as stop:
                return self._end_with_refusal(stop.decision)
        if taken is None:
            return None
        for released in taken:
            self._remember(released)
        return [self._sse(e) for e in taken]

    async def handle(self, event: dict[str, Any]) -> list[bytes]:
        """The bytes to send for one upstream event (none, one, or several).

        Deny by default: only event types the gateway knows go out, rebuilt from the fields it
        knows, so text in any other event or field never reaches the client unchecked.
        """
        kind = event.get("type")
        intercepted = await self._intercept(event)
        if intercepted is not None:
            return intercepted
        if kind in LIFECYCLE and isinstance(event.get("response"), dict):
            announced = event["response"].get("id")
            if self.first_id is None and isinstance(announced, str) and announced:
                self.first_id = announced
            self._response = copy.deepcopy(event["response"])
            opened = {**event["response"], "output": []}
            opened.pop("output_text", None)
            return [self._sse({"type": kind, "response": opened})]
        if kind in FINAL and isinstance(event.get("response"), dict):
            return await self._final(event)
        if kind == "response.output_text.delta":
            return await self._delta(event)
        if kind == "response.output_text.done":
            return await self._text_done(event)
        if kind == "error":
            code = event.get("code") if isinstance(event.get("code"), str) else "upstream_error"
            said = {"type": "error", "code": code, "message": "the model server reported an error"}
            return [self._sse({**said, "param": None})]
        return await self._structure(str(kind), event)

    async def _structure(self, kind: str, event: dict[str, Any]) -> list[bytes]:
        """Items and parts opening or closing: rebuilt, their text settled; others dropped."""
        item, part = event.get("item"), event.get("part")
        at: dict[str, Any] = {"output_index": _index(event, "output_index")}
        if kind.startswith("response.output_item.") and isinstance(item, dict):
            if item.get("type") != "message":
                return [self._sse(event)] if item.get("type") == "function_call" else []
            item = {**item, "content": [] if kind.endswith(".added") else item.get("content")}
            if kind.endswith(".added"):
                self._items[at["output_index"]] = copy.deepcopy(item)
            else:
                out = await self._settle_item(at["output_index"], item)
                if self.stopped:
                    return out
            return [self._sse({"type": kind, **at, "item": item})]
        if kind.startswith("response.content_part.") and isinstance(part, dict):
            if part.get("type") != "output_text":
                return []  # refusal parts and other shapes: no unchecked text
            at |= {"item_id": event.get("item_id"), "content_index": _index(event, "content_index")}
            clean = {"type": "output_text", "text": str(part.get("text") or ""), "annotations": []}
            if kind.endswith(".added"):
                clean["text"] = ""
            else:
                out = await self._settle_part(_key(event), clean)
                if self.stopped:
                    return out
            return [self._sse({"type": kind, **at, "part": clean})]
        if kind in CALL_EVENTS:  # no tool guard here (it would have taken them): as sent
            return [self._sse(event)]
        return []

    async def _delta(self, event: dict[str, Any]) -> list[bytes]:
        key = _key(event)
        guard = self.guards.get(key) or self.guards.setdefault(key, self._new_guard())
        out = await guard.feed(str(event.get("delta") or ""))
        if out.blocked is not None:
            return self._block(key, event, out.blocked)
        return self._release(key, event, out.text)

    async def _text_done(self, event: dict[str, Any]) -> list[bytes]:
        key = _key(event)
        guard = self.guards.get(key)
        if guard is None:  # the text came whole, never streamed: check it now
            guard = self.guards[key] = self._holding(str(event.get("text") or ""))
        out = await guard.finish()
        if out.blocked is not None:
            return self._block(key, event, out.blocked)
        parts = self._release(key, event, out.text)
        done = {**self._at(key, event), "type": "response.output_text.done"}
        return [*parts, self._sse(done | {"text": self._sent.get(key, ""), "logprobs": []})]

    def _at(self, key: Key, event: dict[str, Any]) -> dict[str, Any]:
        """Where a part's text event points, rebuilt (no field of the upstream's is copied)."""
        item_id = event.get("item_id") or self._items.get(key[0], {}).get("id")
        return {"item_id": item_id, "output_index": key[0], "content_index": key[1]}

    def _release(self, key: Key, event: dict[str, Any], text: str) -> list[bytes]:
        if not text:
            return []
        self._sent[key] = self._sent.get(key, "") + text
        delta = {"type": "response.output_text.delta", **self._at(key, event)}
        return [self._sse(delta | {"delta": text, "logprobs": []})]

    async def _settle_part(self, key: Key, part: dict[str, Any]) -> list[bytes]:
        """Make ``part`` carry only released text; a part never checked is checked here."""
        if part.get("type") != "output_text":
            return []
        if key not in self.guards:
            guard = self.guards[key] = self._holding(str(part.get("text") or ""))
            released = await guard.finish()
            if released.blocked is not None:
                return self._block(
                    key, {"output_index": key[0], "content_index": key[1]}, released.blocked
                )
            self._sent[key] = released.text
        part["text"] = self._sent.get(key, "")
        return []

    async def _settle_item(self, index: int, item: dict[str, Any]) -> list[bytes]:
        """A message item with only its ``output_text`` parts, each carrying checked text."""
        keep_output_text(item)
        for position, part in enumerate(item["content"]):
            out = await self._settle_part((index, position), part)
            if self.stopped:
                return out
        return []

    async def _final(self, event: dict[str, Any]) -> list[bytes]:
        flushed: list[bytes] = []
        for key, guard in list(self.guards.items()):  # text still held goes out first
            if guard.held:
                flushed += await self._text_done(
                    {"type": "response.output_text.done", **self._at(key, {})}
                )
                if self.stopped:
                    return flushed
        response = event["response"]
        response.pop("output_text", None)
        output = response.get("output") if isinstance(response.get("output"), list) else []
        for index, item in enumerate(output):  # positions as streamed, before any item is dropped
            if isinstance(item, dict) and item.get("type") == "message":
                out = await self._settle_item(index, item)
                if self.stopped:
                    return [*flushed, *out]
        known = ("message", "reasoning", "function_call")
        response["output"] = [i if isinstance(i, dict) else {} for i in output]
        try:
            await self._thinking.settle_output(response)
        except ThinkingBlocked as stop:
            return [*flushed, *self._end_with_refusal(stop.decision)]
        calls: list[bytes] = []
        if self._calls is not None:
            released = self._calls.release()  # nothing blocked the answer: its calls go now
            for e in released:
                self._remember(e)
            calls = [self._sse(e) for e in released]
            self._calls.rewrite(response)
        response["output"] = [i for i in response["output"] if i.get("type") in known]
        notice: list[bytes] = []
        if self._calls is not None and self._calls.all_held:
            held = Judgement([], self._calls.verdicts)
            item = notice_message(held.notice(), self._request_id)
            index = max(self._items, default=-1) + 1
            notice = [self._sse(e) for e in message_events(item, index)]
            response["output"] = [*(response.get("output") or []), item]
            filtered(response)
        response["safeship"] = self._extension(self.worst)
        self._ended(response)
        final = self._sse({"type": event.get("type"), "response": response})
        return [*flushed, *calls, *notice, final]

    def _block(self, key: Key, event: dict[str, Any], decision: Decision) -> list[bytes]:
        """End the part with the refusal, close it and its item, and end the stream."""
        self.stopped = True
        before = self._sent.get(key, "")
        at = self._at(key, event)
        refusal = ("\n\n" if before else "") + refusal_text(decision.refusal)
        text = before + refusal
        self._sent[key] = text
        part = {"type": "output_text", "text": text, "annotations": []}
        item = self._items.get(key[0]) or refusal_message(decision, self._request_id)
        item = {**item, "status": "completed", "content": self._parts(key[0])}
        out = [
            {"type": "response.output_text.delta", **at, "delta": refusal, "logprobs": []},
            {"type": "response.output_text.done", **at, "text": text, "logprobs": []},
            {"type": "response.content_part.done", **at, "part": part},
            {"type": "response.output_item.done", "output_index": key[0], "item": item},
        ]
        response = copy.deepcopy(self._response) or {
            "id": f"resp_safeship_{self._request_id}",
            "object": "response",
        }
        response["output"] = [
            {**self._items[i], "status": "completed", "content": self._parts(i)}
            if self._items[i].get("type") == "message"
            else self._items[i]
            for i in sorted(self._items)
        ] or [item]
        filtered(response)
        response["safeship"] = self._extension(decision)
        self._ended(response)
        out.append({"type": "response.completed", "response": response})
        return [self._sse(e) for e in out]

    def _end_with_refusal(self, decision: Decision) -> list[bytes]:
        """A thought was blocked: the answer ends with a refusal message of its own."""
        self.stopped = True
        item = refusal_message(decision, self._request_id)
        events = message_events(item, max(self._items, default=-1) + 1)
        response = copy.deepcopy(self._response) or {
            "id": f"resp_safeship_{self._request_id}",
            "object": "response",
        }
        response["output"] = [item]
        filtered(response)
        response["safeship"] = self._extension(decision)
        self._ended(response)
        events.append({"type": "response.completed", "response": response})
        return [self._sse(e) for e in events]

    def _ended(self, response: dict[str, Any]) -> None:
        """Note the id of the final response (a continuation names it)."""
        found = response.get("id")
        self.final_id = found if isinstance(found, str) else None

    def _parts(self, index: int) -> list[dict[str, Any]]:
        return [
            {"type": "output_text", "text": self._sent[key], "annotations": []}
            for key in sorted(self._sent)
            if key[0] == index
        ]


def message_events(item: dict[str, Any], index: int) -> list[dict[str, Any]]:
    """A one-part message item as the events that stream it at ``output_index`` ``index``."""
    text = item["content"][0]["text"]
    at = {"item_id": item["id"], "output_index": index, "content_index": 0}
    empty = {"type": "output_text", "text": "", "annotations": []}
    return [
        {
            "type": "response.output_item.added",
            "output_index": index,
            "item": {**item, "content": []},
        },
        {"type": "response.content_part.added", **at, "part": empty},
        {"type": "response.output_text.delta", **at, "delta": text, "logprobs": []},
        {"type": "response.output_text.done", **at, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **at, "part": {**empty, "text": text}},
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]


def refusal_events(response: dict[str, Any]) -> list[bytes]:
    """A refusal ``response`` as the event sequence a real stream of it would have."""
    opened = {**response, "status": "in_progress", "output": [], "incomplete_details": None}
    events = [
        {"type": "response.created", "response": opened},
        *message_events(response["output"][0], 0),
        {"type": "response.completed", "response": response},
    ]
    return [named_sse(event, n) for n, event in enumerate(events)]


def named_sse(event: dict[str, Any], sequence_number: int) -> bytes:
    """One Responses API server-sent event: its type as the event name, then the JSON."""
    event["sequence_number"] = sequence_number
    data = json.dumps(event, separators=(",", ":"))
    return f"event: {event.get('type')}\ndata: {data}\n\n".encode()


def _index(event: dict[str, Any], name: str) -> int:
    value = event.get(name)
    return value if isinstance(value, int) else 0


def _key(event: dict[str, Any]) -> Key:
    return _index(event, "output_index"), _index(event, "content_index")


async def relay_responses(
    events: AsyncIterator[dict[str, Any]], relay: ResponsesRelay
) -> AsyncIterator[bytes]:
    """Turn upstream Responses events into checked SSE bytes."""
    try:
        async for event in events:
            for part in await relay.handle(event):
                yield part
            if relay.stopped:
                return
        # the upstream stopped without its done events: check and release what is held
        for key, guard in list(relay.guards.items()):
            if guard.held:
                for part in await relay.handle(
                    {
                        "type": "response.output_text.done",
                        "output_index": key[0],
                        "content_index": key[1],
                    }
                ):
                    yield part
                if relay.stopped:
                    return
    except GatewayError as exc:  # headers are gone: report in-band; held text is never released
        yield named_sse({"type": "error", **exc.body()}, relay.next_number())
