"""A Python callable as a target: ``python:MODULE:FUNC``.

The callable receives OpenAI-style message dicts and returns the answer text; it may be sync or
async. Sync callables run in a worker thread so a slow one does not stall the other requests.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import time
from collections.abc import Callable, Sequence
from typing import Any

from safeship.evals.targets._base import TargetReply, error_text
from safeship.types import Message


class CallableTarget:
    """Wraps ``fn(messages: list[dict]) -> str`` (or an async one)."""

    def __init__(self, fn: Callable[[list[dict[str, Any]]], Any], name: str | None = None) -> None:
        self.fn = fn
        self.name = name or f"python:{getattr(fn, '__module__', '?')}:{fn.__qualname__}"

    @classmethod
    def from_path(cls, path: str) -> CallableTarget:
        """Import ``MODULE:FUNC``; raises ``ValueError`` when it does not name a callable."""
        module, sep, attr = path.partition(":")
        if not sep or not module or not attr:
            raise ValueError(f"expected python:MODULE:FUNC, got python:{path}")
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
        if not callable(obj):
            raise ValueError(f"python:{path} is not callable")
        return cls(obj, name=f"python:{path}")

    async def generate(self, messages: Sequence[Message]) -> TargetReply:
        """Call the function; an exception or a non-string answer becomes an error reply."""
        payload = [m.model_dump(exclude_none=True) for m in messages]
        start = time.perf_counter()
        try:
            if inspect.iscoroutinefunction(self.fn):
                out = await self.fn(payload)
            else:
                out = await asyncio.to_thread(self.fn, payload)
                if inspect.isawaitable(out):
                    out = await out
        except Exception as exc:  # a crashing model is an error, never a refusal
            return TargetReply(error=error_text(exc), latency_ms=_ms(start))
        if isinstance(out, TargetReply):
            return out
        if not isinstance(out, str):
            return TargetReply(
                error=f"callable returned {type(out).__name__}, not str", latency_ms=_ms(start)
            )
        return TargetReply(text=out, latency_ms=_ms(start))


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000
