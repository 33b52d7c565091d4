"""Per-user escalation on repeated blocked attempts: warn -> throttle -> suspend, with decay.

Each blocked attempt adds one to a user's violation score; the score halves every
``half_life_s`` seconds, so a user who stops probing drifts back to ``none`` on their own and an
old mistake never suspends anyone. Levels are thresholds on the decayed score, read as it stood
``grace_s`` earlier: without that grace, the score of three attempts is 2.9999 a millisecond later
and ``throttle_at: 3`` would never hold for the next request (nor ``warn_at: 1`` after one).

The score lives in memory (one replica) or in Redis (shared by every replica; the update runs as
one Lua script, so two replicas recording at once never lose a violation). If Redis is
unreachable the escalator answers with ``fail_level`` and marks the state ``degraded``; it never
raises into a request.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from safeship.controls._redis import Breaker, connect

log = logging.getLogger(__name__)


class Level(StrEnum):
    """How hard to push back on a user, in increasing order."""

    NONE = "none"
    WARN = "warn"
    THROTTLE = "throttle"
    SUSPEND = "suspend"


class EscalationPolicy(BaseModel):
    """Score thresholds for each level and the decay half-life."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warn_at: float = Field(default=1.0, gt=0)
    throttle_at: float = Field(default=3.0, gt=0)
    suspend_at: float = Field(default=6.0, gt=0)
    half_life_s: float = Field(default=3600.0, gt=0)
    grace_s: float | None = Field(
        default=None, ge=0, description="a reached level holds this long; None: half_life_s / 12"
    )
    fail_level: Level = Level.NONE
    min_score: float = Field(
        default=0.8,
        ge=0.0,
        le=1.0,
        description=(
            "a block counts against the caller only when the detector behind it scored at least "
            "this much (a deny rule always counts, a detector error never): a borderline block "
            "still blocks, but a classifier's doubt must not walk a user towards suspension"
        ),
    )

    @model_validator(mode="after")
    def _ordered(self) -> EscalationPolicy:
        if not self.warn_at <= self.throttle_at <= self.suspend_at:
            raise ValueError("thresholds must satisfy warn_at <= throttle_at <= suspend_at")
        return self

    def held(self, score: float) -> float:
        """The score as levels read it: undecayed by ``grace_s`` (see the module notes)."""
        grace = self.half_life_s / 12 if self.grace_s is None else self.grace_s
        return float(score * 2 ** (grace / self.half_life_s))

    def level(self, score: float) -> Level:
        """The level a decayed score reaches."""
        score = self.held(score)
        if score >= self.suspend_at:
            return Level.SUSPEND
        if score >= self.throttle_at:
            return Level.THROTTLE
        if score >= self.warn_at:
            return Level.WARN
        return Level.NONE


class EscalationState(BaseModel):
    """A user's current standing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: Level
    score: float
    degraded: bool = False


class ViolationStore(Protocol):
    """Where decayed scores live; ``add`` with ``amount=0`` just reads."""

    async def add(self, key: str, amount: float, now: float, half_life_s: float) -> float:
        """Decay the score of ``key`` to ``now``, add ``amount``, store and return it."""
        ...


def _decayed(score: float, since: float, now: float, half_life_s: float) -> float:
    return float(score * 0.5 ** (max(0.0, now - since) / half_life_s))


class MemoryViolationStore:
    """Scores in a dict: one process only."""

    def __init__(self) -> None:
        self._scores: dict[str, tuple[float, float]] = {}

    async def add(self, key: str, amount: float, now: float, half_life_s: float) -> float:
        """Decay, add and store (see :class:`ViolationStore`)."""
        score, since = self._scores.get(key, (0.0, now))
        value = _decayed(score, since, now, half_life_s) + amount
        if value < 1e-3:
            self._scores.pop(key, None)
        else:
            self._scores[key] = (value, now)
        return value


# Decay to ``now`` and add. The stored time never moves backwards (a replica whose clock runs
# behind would otherwise rewind it, and the next read on a faster clock would decay the same
# span twice: a suspended user's own refused requests would shorten the suspension), and a
# plain read (amount 0) writes nothing, so status checks neither change a score nor create keys.
_LUA_ADD = """
local s = tonumber(redis.call('HGET', KEYS[1], 's') or '0')
local t = tonumber(redis.call('HGET', KEYS[1], 't') or ARGV[2])
local now = tonumber(ARGV[2])
local amount = tonumber(ARGV[1])
local dt = now - t
if dt < 0 then dt = 0 end
local v = s * math.pow(0.5, dt / tonumber(ARGV[3])) + amount
if amount > 0 then
  if now < t then now = t end
  redis.call('HSET', KEYS[1], 's', tostring(v), 't', tostring(now))
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3]) * 12))
end
return tostring(v)
"""


class RedisViolationStore:
    """Scores in Redis hashes, updated atomically by a Lua script; keys expire in 12 half-lives."""

    def __init__(self, url: str, prefix: str = "safeship:violations") -> None:
        self._redis = connect(url)
        self._prefix = prefix
        self._script = self._redis.register_script(_LUA_ADD)

    async def add(self, key: str, amount: float, now: float, half_life_s: float) -> float:
        """Decay, add and store atomically (see :class:`ViolationStore`)."""
        result = await self._script(keys=[f"{self._prefix}:{key}"], args=[amount, now, half_life_s])
        return float(result)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


class Escalator:
    """Records blocked attempts per user and reports the level they have reached."""

    def __init__(
        self,
        policy: EscalationPolicy | None = None,
        store: ViolationStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy or EscalationPolicy()
        self._store: ViolationStore = store or MemoryViolationStore()
        self._clock = clock
        self.storage_errors = 0
        self._breaker = Breaker()

    async def record(
        self, user: str, weight: float = 1.0, certainty: float = 1.0
    ) -> EscalationState:
        """Count one blocked attempt by ``user`` and return the new standing.

        A block the guard was less sure of than ``policy.min_score`` is not counted; the
        standing is returned unchanged.
        """
        if certainty < self.policy.min_score:
            return await self.status(user)
        return await self._update(user, weight)

    async def status(self, user: str) -> EscalationState:
        """The standing of ``user`` now, without counting anything."""
        return await self._update(user, 0.0)

    async def _update(self, user: str, amount: float) -> EscalationState:
        key = hashlib.sha256(user.encode("utf-8", "surrogatepass")).hexdigest()[:24]  # no raw id
        degraded = EscalationState(level=self.policy.fail_level, score=0.0, degraded=True)
        if self._breaker.open:  # it just failed: apply the fail level now
            self.storage_errors += 1
            return degraded
        try:
            score = await self._store.add(key, amount, self._clock(), self.policy.half_life_s)
        except Exception as exc:  # the store is down: apply the configured fail level
            self.storage_errors += 1
            self._breaker.trip()  # a hanging store must not cost every call its timeout
            log.warning("escalation store unreachable (%s)", type(exc).__name__)
            return degraded
        return EscalationState(level=self.policy.level(score), score=score)
