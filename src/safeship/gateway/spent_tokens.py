"""Spent confirmation tokens: a token confirms one call, once.

A confirmation token (see :mod:`.tools`) is a signature over one exact call, valid until it
expires; the signature alone cannot tell a first use from a replay. So a request *claims* the
tokens it carries here before its answer is judged: a token someone else holds (a confirmed
call already released, or a concurrent replay of the same request) cannot be claimed, and the
call it would confirm is held again with a fresh confirmation. When the request ends, the
tokens that confirmed nothing are given back; a token that confirmed a call stays spent until
it expires. A request that dies before it gives its tokens back leaves them spent: a new
confirmation, never a second call.

The store is in memory by default (one process: bounded, entries dropped when their token
expires) and Redis when the gateway has ``controls.redis_url`` (``SET NX`` with the token's
remaining lifetime, so every replica and worker agrees). It fails closed: if Redis is down, or
the memory store is full of live tokens, a token cannot be claimed, so it confirms nothing and
the call is held with a new confirmation - never a 500, never a second release. Like the other
controls, a failing Redis is skipped for a moment (``Breaker``) rather than waited on per call.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, Protocol

from safeship.controls._redis import Breaker, connect
from safeship.gateway.tools import Judgement, ToolGuard, confirm_tokens

log = logging.getLogger("safeship.gateway")
MAX_SPENT = 100_000
MAX_TOKENS = 16  # tokens claimed per request: an answer rarely proposes more confirmed calls


def _key(token: str) -> str:
    """The stored name of a token: its digest, so the store never holds a usable token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class SpentTokens(Protocol):
    """Where claimed tokens live until they expire."""

    storage_errors: int

    async def claim(self, token: str, expires: float) -> str | None:
        """Hold ``token`` until ``expires`` (epoch seconds); the claim id, None if not held."""
        ...

    async def give_back(self, token: str, claim: str) -> None:
        """Release a claim that confirmed nothing (best effort: a failure leaves it spent)."""
        ...


class MemorySpentTokens:
    """Claims in a dict: one process only; at most ``max_entries`` live tokens."""

    def __init__(
        self, max_entries: int = MAX_SPENT, clock: Callable[[], float] = time.time
    ) -> None:
        self.max_entries = max_entries
        self.storage_errors = 0
        self._clock = clock
        self._held: dict[str, tuple[float, str]] = {}

    async def claim(self, token: str, expires: float) -> str | None:
        """Claim ``token`` unless it is held; refuse when full of live tokens (fail closed)."""
        now = self._clock()
        key = _key(token)
        held = self._held.get(key)
        if held is not None and held[0] > now:
            return None
        if len(self._held) >= self.max_entries:
            self._held = {k: v for k, v in self._held.items() if v[0] > now}
            if len(self._held) >= self.max_entries:
                self.storage_errors += 1
                log.warning("spent-token store full; a confirmation was not accepted")
                return None
        claim = secrets.token_hex(8)
        self._held[key] = (expires, claim)
        return claim

    async def give_back(self, token: str, claim: str) -> None:
        """Forget the claim if it is still ours."""
        key = _key(token)
        held = self._held.get(key)
        if held is not None and held[1] == claim:
            del self._held[key]


# Delete the key only while it still holds our claim id.
_LUA_GIVE_BACK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisSpentTokens:
    """Claims as Redis keys set with ``NX``, expiring with their token; shared by replicas."""

    def __init__(
        self, url: str, prefix: str = "safeship:confirm", clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = connect(url)
        self._prefix = prefix
        self._clock = clock
        self._give_back = self._redis.register_script(_LUA_GIVE_BACK)
        self._breaker = Breaker()
        self.storage_errors = 0

    async def claim(self, token: str, expires: float) -> str | None:
        """``SET NX`` for the token's remaining lifetime; None if held or Redis fails."""
        if self._breaker.open:
            self.storage_errors += 1
            return None
        ms = max(1, int((expires - self._clock()) * 1000))
        claim = secrets.token_hex(8)
        try:
            done = await self._redis.set(f"{self._prefix}:{_key(token)}", claim, nx=True, px=ms)
        except Exception as exc:  # fail closed: an unclaimed token confirms nothing
            self.storage_errors += 1
            self._breaker.trip()
            log.warning("spent-token store unreachable (%s)", type(exc).__name__)
            return None
        return claim if done else None

    async def give_back(self, token: str, claim: str) -> None:
        """Delete the key if it still holds our claim; on failure it simply stays spent."""
        try:
            await self._give_back(keys=[f"{self._prefix}:{_key(token)}"], args=[claim])
        except Exception as exc:
            log.warning("spent-token release failed (%s)", type(exc).__name__)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


class Confirmations:
    """One request's confirmation tokens: claimed before its answer is judged, settled after.

    ``judge`` has the shape the chat and Responses paths call (streamed or whole), and sees
    only the tokens this request managed to claim.
    """

    def __init__(
        self, store: SpentTokens, guard: ToolGuard, header: str | None, tenant: str, feature: str
    ) -> None:
        self._store = store
        self._guard = guard
        self._tenant = tenant
        self._feature = feature
        self._offered = confirm_tokens(header)[:MAX_TOKENS]
        self._claims: dict[str, str] = {}
        self._refused: list[str] = []
        self._used: set[str] = set()

    async def claim(self) -> None:
        """Claim every token that could still be genuine (once; later calls do nothing)."""
        offered, self._offered = self._offered, []
        for token in dict.fromkeys(offered):
            expires = self._guard.live(token, self._tenant, self._feature)
            if expires is None:
                continue
            claim = await self._store.claim(token, expires)
            if claim is None:
                self._refused.append(token)
            else:
                self._claims[token] = claim

    def judge(self, calls: list[dict[str, Any]]) -> Judgement:
        """The tool guard's judgement with the claimed, still unused tokens.

        A call held again gets a confirmation other than the tokens refused or used here.
        """
        unused = [t for t in self._claims if t not in self._used]
        spent = [*self._refused, *self._used]
        judged = self._guard.judge(calls, unused, self._tenant, self._feature, spent)
        self._used.update(v.confirmed_by for v in judged.verdicts if v.confirmed_by)
        return judged

    async def settle(self) -> None:
        """Give back the claims that confirmed nothing; the used ones stay spent."""
        claims, self._claims = self._claims, {}
        for token, claim in claims.items():
            if token not in self._used:
                await self._store.give_back(token, claim)
