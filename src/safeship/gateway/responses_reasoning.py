"""A reasoning model's thinking on the Responses API: ``reasoning`` items, checked or stripped.

The config's ``reasoning`` setting (see :mod:`.reasoning`) applies here too. The thinking lives
in ``reasoning`` output items, as ``summary`` parts (``summary_text``) and ``content`` parts
(``reasoning_text``), streamed by ``response.reasoning_summary_text.*`` and
``response.reasoning_text.*`` events.

- ``check``: each thinking text is held until its ``done`` event and checked whole (summaries
  are short, and a thought is judged best whole), then released as one delta; every later copy
  (part and item ``done`` events, the final response) carries the checked text, and a text that
  only ever arrives in a copy is checked there. A block ends the answer with the refusal.
- ``strip``: reasoning items and their events never leave.
- ``pass``: everything goes out as the server sent it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from safeship.gateway.reasoning import ReasoningMode
from safeship.gateway.responses_tools import int_or_zero
from safeship.types import Decision

Check = Callable[[str], Awaitable[tuple[str, Decision | None]]]
Slot = tuple[int, str, int]  # output_index, "summary" or "content", part index
PARTS = {"summary": "summary_text", "content": "reasoning_text"}
TEXT_EVENTS = {
    "response.reasoning_summary_text.": ("summary", "summary_index"),
    "response.reasoning_text.": ("content", "content_index"),
}


class ThinkingBlocked(Exception):
    """A thinking text failed its check."""

    def __init__(self, decision: Decision) -> None:
        super().__init__("reasoning blocked")
        self.decision = decision


def _is_reasoning_item(event: dict[str, Any]) -> bool:
    item = event.get("item")
    return isinstance(item, dict) and item.get("type") == "reasoning"


class ReasoningItems:
    """Applies the ``reasoning`` mode to one response's reasoning items.

    Args:
        mode: The config's ``reasoning`` setting.
        check: Checks one whole thinking text: the text that may go out (redactions applied)
            and the decision if it blocks.
    """

    def __init__(self, mode: ReasoningMode, check: Check) -> None:
        self.mode = mode
        self._check = check
        self._released: dict[Slot, str] = {}

    async def _settle(self, slot: Slot, text: str) -> str:
        if slot not in self._released:
            released, blocked = await self._check(text)
            if blocked is not None:
                raise ThinkingBlocked(blocked)
            self._released[slot] = released
        return self._released[slot]

    async def take(self, event: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The events to send for a thinking ``event``; None if it carries no thinking.

        Raises:
            ThinkingBlocked: A thinking text failed its check.
        """
        kind = str(event.get("type") or "")
        is_item = kind.startswith("response.output_item.") and _is_reasoning_item(event)
        if self.mode == "pass" or not (is_item or kind.startswith("response.reasoning")):
            return None
        if self.mode == "strip":
            return []
        index = int_or_zero(event.get("output_index"))
        if is_item:
            await self.settle_item(index, event["item"])
            return [event]
        text_event = next((v for k, v in TEXT_EVENTS.items() if kind.startswith(k)), None)
        if text_event is not None:
            return await self._text(event, kind, index, *text_event)
        part = event.get("part")
        if not (kind.startswith("response.reasoning_summary_part.") and isinstance(part, dict)):
            return []  # a thinking event this gateway does not know could carry unchecked text
        slot = (index, "summary", int_or_zero(event.get("summary_index")))
        done = kind.endswith(".done")
        part["text"] = await self._settle(slot, str(part.get("text") or "")) if done else ""
        return [event]

    async def _text(
        self, event: dict[str, Any], kind: str, index: int, field: str, position: str
    ) -> list[dict[str, Any]]:
        """A thinking text's delta (held) or done event (checked whole, released as one delta)."""
        if kind.endswith(".delta"):
            return []
        slot = (index, field, int_or_zero(event.get(position)))
        released = await self._settle(slot, str(event.get("text") or ""))
        done = {**event, "text": released}
        if not released:
            return [done]
        delta = {k: v for k, v in event.items() if k != "text"}
        delta |= {"type": kind.removesuffix(".done") + ".delta", "delta": released}
        return [delta, done]

    async def settle_item(self, index: int, item: dict[str, Any]) -> None:
        """Make a reasoning item carry only checked thinking (checking texts seen first here)."""
        for field, part_type in PARTS.items():
            parts = item.get(field)
            if parts is None:
                continue
            kept = [  # a part of another shape could carry unchecked text: it is dropped
                p for p in (parts if isinstance(parts, list) else [])
                if isinstance(p, dict) and p.get("type") == part_type
            ]  # fmt: skip
            item[field] = kept
            for position, part in enumerate(kept):
                text = str(part.get("text") or "")
                slot = (index, field, position)
                part["text"] = await self._settle(slot, text) if text else ""

    async def settle_output(self, response: dict[str, Any]) -> None:
        """Apply the mode to the reasoning items of a whole ``response`` object."""
        output = response.get("output")
        if self.mode == "pass" or not isinstance(output, list):
            return
        if self.mode == "strip":
            response["output"] = [
                i for i in output if not (isinstance(i, dict) and i.get("type") == "reasoning")
            ]
            return
        for index, item in enumerate(output):
            if isinstance(item, dict) and item.get("type") == "reasoning":
                await self.settle_item(index, item)
