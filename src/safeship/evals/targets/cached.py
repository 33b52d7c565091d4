"""A target that remembers its answers: the same conversation is sent to the model only once.

Why: a raw-vs-guarded comparison sends every prompt the guard lets through to the model twice,
once per variant. For a deterministic model (greedy decoding, temperature 0, fixed seed, one
build) the second call returns the same text, so recomputing it only costs time; on a shared CPU
that is minutes. Wrapping the model once and handing the *same* wrapper to the raw target and to
the guarded target's inner model halves the model work while the guarded target still calls its
model for every prompt it allows (the call is answered from memory).

Only successful replies are remembered: an error is retried on the next call, never replayed.
Do not wrap a sampling model (temperature > 0): its second answer would differ, and replaying
the first would hide that variance.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from safeship.evals.targets._base import Target, TargetReply
from safeship.types import Message


def conversation_key(messages: Sequence[Message]) -> str:
    """A stable key for a conversation: every message's role and content, in order."""
    return json.dumps([m.model_dump(exclude_none=True) for m in messages], sort_keys=True)


class CachedTarget:
    """``inner`` with its successful replies remembered per conversation (in memory).

    Attributes:
        calls: conversations actually sent to ``inner``.
        hits: conversations answered from memory.
    """

    def __init__(self, inner: Target) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls = 0
        self.hits = 0
        self._replies: dict[str, TargetReply] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def remember(self, messages: Sequence[Message], reply: TargetReply) -> None:
        """Seed the memory with a stored answer (e.g. a persisted raw run); errors are ignored."""
        if reply.ok:
            self._replies[conversation_key(messages)] = reply

    async def generate(self, messages: Sequence[Message]) -> TargetReply:
        """The remembered reply for this conversation, else ``inner``'s (remembered if ok)."""
        key = conversation_key(messages)
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a lock belongs to one event loop; each asyncio.run is new
            self._loop, self._locks = loop, {}
        # one lock per conversation: two identical requests in flight cost one model call
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._replies.get(key)
            if cached is not None:
                self.hits += 1
                return cached
            self.calls += 1
            reply = await self.inner.generate(messages)
            if reply.ok:
                self._replies[key] = reply
            return reply
