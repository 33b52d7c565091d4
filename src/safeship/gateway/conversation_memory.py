"""The user turns behind each Responses API answer, so a continuation is checked in context.

A Responses request that continues a conversation with ``previous_response_id`` sends only the
new input: the earlier turns live at the provider. The guard's input check is multi-turn (it
scores the recent user turns joined together), so without them an attack split over two calls
would pass. So the gateway remembers, per response id it served, the last ``history_turns``
user turns of that conversation *as the guard read them*, passed through the telemetry store's
redactor (see :mod:`.responses_history`), and a continuation's input check reads them first.

Entries are scoped by tenant: the key is a digest of tenant and response id, so one tenant
cannot read another's turns by guessing an id, and the store never holds an id in the clear.

In memory by default (one process: least recently used entries go first, bounded in count and
bytes, each expiring after ``ttl_s``); in Redis when the gateway has ``controls.redis_url``
(``SET`` with the TTL), so every replica and worker finds the turns whichever served the
previous call. Both take the TTL from the gateway config's ``responses_memory_ttl_s`` (6 h by
default). Redis entries are bounded by that TTL only (each up to ``MAX_ENTRY_CHARS``, about
128 KB of UTF-8), so the Redis ``maxmemory`` must cover the answers served in one TTL. A
failing Redis is never a 500: a lookup reports ``unavailable``, a write is dropped, both are
counted, and Redis is skipped for a moment (``Breaker``) rather than waited on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from safeship.controls._redis import Breaker, connect

log = logging.getLogger("safeship.gateway")
TTL_S = 6 * 3600.0  # the default of the gateway config's ``responses_memory_ttl_s``
MAX_ENTRIES = 10_000
MAX_BYTES = 32 * 1024 * 1024
MAX_ENTRY_CHARS = 32_000  # an entry's turns together; the oldest text goes first
Found = Literal["found", "missing", "unavailable"]


@dataclass(frozen=True)
class Recall:
    """What a lookup found: the remembered user turns (oldest first), and whether it did.

    ``missing``: the id is unknown here, expired, or another tenant's; ``unavailable``: the
    store failed, so nothing can be said.
    """

    status: Found
    turns: tuple[str, ...] = ()


def _key(tenant: str, response_id: str) -> str:
    """The stored name of one tenant's response: a digest, so ids are never readable."""
    return hashlib.sha256(
        f"{tenant}\x00{response_id}".encode("utf-8", "surrogatepass")
    ).hexdigest()[:40]


def fit(turns: Sequence[str], max_chars: int = MAX_ENTRY_CHARS) -> tuple[str, ...]:
    """``turns`` cut to ``max_chars`` in all, dropping the oldest text first.

    The end of a turn is kept rather than its start: an attack split over turns joins the end
    of one turn to the start of the next.
    """
    kept: list[str] = []
    room = max_chars
    for turn in reversed(turns):
        if room <= 0:
            break
        kept.append(turn[-room:])
        room -= len(kept[-1])
    return tuple(reversed(kept))


class ConversationMemory(Protocol):
    """Where each served response's user turns wait for a continuation."""

    storage_errors: int
    missing: int

    async def recall(self, tenant: str, response_id: str) -> Recall:
        """The turns remembered for ``response_id`` under ``tenant``."""
        ...

    async def remember(self, tenant: str, response_id: str, turns: Sequence[str]) -> None:
        """Keep ``turns`` for ``response_id`` under ``tenant`` (best effort: never raises)."""
        ...


class MemoryConversations:
    """Turns in an LRU dict: one process only, bounded in entries and bytes, each with a TTL."""

    def __init__(
        self,
        ttl_s: float = TTL_S,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.storage_errors = 0
        self.missing = 0
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, tuple[str, ...], int]] = OrderedDict()
        self._bytes = 0

    @property
    def bytes(self) -> int:
        """The UTF-8 size of every turn held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    async def recall(self, tenant: str, response_id: str) -> Recall:
        """The live entry (now most recently used), or ``missing``."""
        key = _key(tenant, response_id)
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._clock():
            if entry is not None:
                self._drop(key)
            self.missing += 1
            return Recall("missing")
        self._entries.move_to_end(key)
        return Recall("found", entry[1])

    async def remember(self, tenant: str, response_id: str, turns: Sequence[str]) -> None:
        """Store the turns; the least recently used entries go while over a bound."""
        kept = fit(turns)
        size = sum(len(t.encode("utf-8", "surrogatepass")) for t in kept)
        key = _key(tenant, response_id)
        if key in self._entries:
            self._drop(key)
        if size > self.max_bytes:
            return
        self._entries[key] = (self._clock() + self.ttl_s, kept, size)
        self._bytes += size
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        self._bytes -= self._entries.pop(key)[2]


class RedisConversations:
    """Turns as Redis keys (JSON) with a TTL; shared by every replica and worker."""

    def __init__(
        self, url: str, prefix: str = "safeship:conversations", ttl_s: float = TTL_S
    ) -> None:
        self._redis = connect(url)
        self._prefix = prefix
        self._breaker = Breaker()
        self.ttl_s = ttl_s
        self.storage_errors = 0
        self.missing = 0

    def _failed(self, exc: Exception, what: str) -> None:
        self.storage_errors += 1
        self._breaker.trip()
        log.warning("conversation memory %s failed (%s)", what, type(exc).__name__)

    async def recall(self, tenant: str, response_id: str) -> Recall:
        """``GET`` the entry; ``unavailable`` when Redis fails (or failed a moment ago)."""
        if self._breaker.open:
            self.storage_errors += 1
            return Recall("unavailable")
        try:
            raw = await self._redis.get(f"{self._prefix}:{_key(tenant, response_id)}")
        except Exception as exc:
            self._failed(exc, "lookup")
            return Recall("unavailable")
        turns = _decoded(raw)
        if turns is None:
            self.missing += 1
            return Recall("missing")
        return Recall("found", turns)

    async def remember(self, tenant: str, response_id: str, turns: Sequence[str]) -> None:
        """``SET`` the entry with the TTL; a failure is counted and the entry dropped."""
        if self._breaker.open:
            self.storage_errors += 1
            return
        value = json.dumps(list(fit(turns)))
        ms = max(1, int(self.ttl_s * 1000))
        try:
            await self._redis.set(f"{self._prefix}:{_key(tenant, response_id)}", value, px=ms)
        except Exception as exc:
            self._failed(exc, "write")

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def _decoded(raw: object) -> tuple[str, ...] | None:
    """A stored entry's turns; None for no entry or one this code did not write."""
    if not isinstance(raw, str):
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        return None
    return tuple(value)
