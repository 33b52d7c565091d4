"""Rate limits and quotas per API key, user, IP and feature, on requests and tokens.

Counting is delegated to the ``limits`` library (sliding-window counters, O(1) per hit even
for a cost of thousands of tokens). Storage is in memory by default; give a ``redis://`` URL when
several replicas run (:meth:`RateLimiter.from_url`), so one limit holds across all of them.

Every rule carries its own fail mode for when the storage is unreachable: ``open`` lets the
request through and counts the failure, ``closed`` denies it. Either way the caller gets a
:class:`LimitDecision`, never an exception: a down Redis must turn into a decision the gateway
can act on (a 429 or nothing), not a 500.

Identifiers (user ids, IPs, key ids) are hashed before they become storage keys, so Redis never
holds raw personal data.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from safeship.controls._redis import DEFAULT_TIMEOUT_S, Breaker

if TYPE_CHECKING:
    from redis.asyncio import ConnectionPool

log = logging.getLogger(__name__)

Scope = Literal["key", "user", "ip", "feature", "global"]
Unit = Literal["requests", "tokens"]
FailMode = Literal["open", "closed"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StorageDown(Exception):
    """A check skipped because the storage failed moments ago (see ``Breaker``)."""


class LimitRule(_Frozen):
    """One limit: ``rate`` (``"60/minute"``, ``"100000/day"``) of ``unit`` per ``scope`` value.

    A rule whose scope value is missing from the subject (no user id, say) does not apply.
    ``features`` restricts a rule to some features (empty: every feature).
    """

    name: str
    scope: Scope
    unit: Unit = "requests"
    rate: str
    fail_mode: FailMode = "open"
    features: tuple[str, ...] = ()

    @field_validator("rate")
    @classmethod
    def _parses(cls, value: str) -> str:
        parse(value)  # raises ValueError naming the bad string, which pydantic locates
        return value

    @property
    def item(self) -> RateLimitItem:
        """The parsed ``limits`` item."""
        return parse(self.rate)


class Subject(_Frozen):
    """Who and what a request is: each field feeds the rules of the same scope."""

    key_id: str | None = None
    user: str | None = None
    ip: str | None = None
    feature: str | None = None

    def scope_value(self, scope: Scope) -> str | None:
        """The identifier a rule of ``scope`` counts against (``None``: rule does not apply)."""
        if scope == "global":
            return "all"
        return {"key": self.key_id, "user": self.user, "ip": self.ip, "feature": self.feature}[
            scope
        ]


class LimitDecision(_Frozen):
    """Whether a request may proceed; ``retry_after_s`` is the 429 ``Retry-After`` value."""

    allowed: bool
    rule: str | None = Field(default=None, description="The rule that denied, if any.")
    retry_after_s: int = 0
    degraded: tuple[str, ...] = Field(
        default=(), description="Rules that could not reach their storage (fail mode applied)."
    )

    def headers(self) -> dict[str, str]:
        """HTTP headers for the response (``Retry-After`` on a denial)."""
        return {"Retry-After": str(self.retry_after_s)} if not self.allowed else {}


class LimiterStats(_Frozen):
    """Counters for metrics: storage failures by fail mode, and denials."""

    denied: int = 0
    storage_errors: int = 0
    failed_open: int = 0
    failed_closed: int = 0


class RateLimiter:
    """Checks a subject against every applicable rule; all rules must allow.

    Every applicable rule is hit at once (atomic increments in the storage), so a burst split
    over many replicas is never admitted beyond a limit. A denied request still counts against
    the other rules it hit, which errs on the strict side.
    """

    def __init__(
        self,
        rules: Sequence[LimitRule],
        storage: Storage | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rules = tuple(rules)
        self._storage = storage or MemoryStorage()
        self._pool: ConnectionPool | None = None
        self._strategy = SlidingWindowCounterRateLimiter(self._storage)
        self._clock = clock
        self._denied = 0
        self._errors = 0
        self._open = 0
        self._closed = 0
        self._breaker = Breaker(clock=clock)

    @classmethod
    def from_url(
        cls,
        rules: Sequence[LimitRule],
        url: str | None,
        *,
        key_prefix: str = "safeship:limits",
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> RateLimiter:
        """A limiter counting in memory (``None`` or ``memory://``) or in Redis at ``url``.

        Replicas that must share limits use the same URL and ``key_prefix``. Nothing connects
        here; a down Redis shows up as the rules' fail modes on the first check.
        """
        if url is None or url.startswith("memory://"):
            return cls(rules)
        from redis.asyncio import ConnectionPool

        plain = url.removeprefix("async+")
        pool = ConnectionPool.from_url(
            plain, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )
        storage = RedisStorage(
            f"async+{plain}",
            implementation="redispy",
            wrap_exceptions=True,
            key_prefix=key_prefix,
            connection_pool=pool,  # type: ignore[arg-type]  # passed through to redis-py
        )
        limiter = cls(rules, storage)
        limiter._pool = pool
        return limiter

    async def aclose(self) -> None:
        """Close the Redis connections this limiter opened (call from the app's lifespan)."""
        if self._pool is not None:
            await self._pool.aclose()

    def _applies(self, rule: LimitRule, subject: Subject) -> str | None:
        if rule.features and subject.feature not in rule.features:
            return None
        value = subject.scope_value(rule.scope)
        if value is None:
            return None
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        return f"{rule.name}:{rule.scope}:{digest}"

    async def check(self, subject: Subject, tokens: int = 0) -> LimitDecision:
        """Count one request (and ``tokens`` against token rules) and decide.

        Use the prompt's token estimate here and :meth:`charge` for the completion's tokens.
        """
        todo = [
            (rule, ident, 1 if rule.unit == "requests" else tokens)
            for rule in self.rules
            if (ident := self._applies(rule, subject)) is not None
        ]
        todo = [(rule, ident, cost) for rule, ident, cost in todo if cost > 0]
        outcomes: list[bool | BaseException]
        if todo and self._breaker.open:  # the storage just failed: do not wait
            outcomes = [StorageDown("skipped while the storage recovers")] * len(todo)
        else:  # all rules concurrently: one storage round trip, whatever the rule count
            outcomes = await asyncio.gather(
                *(self._strategy.hit(rule.item, ident, cost=cost) for rule, ident, cost in todo),
                return_exceptions=True,
            )
            if any(isinstance(o, BaseException) for o in outcomes):
                self._breaker.trip()
        degraded: list[str] = []
        closed: list[LimitRule] = []
        denied: list[tuple[LimitRule, str, int]] = []
        for (rule, ident, cost), outcome in zip(todo, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                degraded.append(rule.name)
                if not self._storage_failed(rule, outcome):
                    closed.append(rule)
            elif not outcome:
                denied.append((rule, ident, cost))
        if not denied and not closed:
            return LimitDecision(allowed=True, degraded=tuple(degraded))
        if denied:
            self._denied += 1
        # every refusing rule's wait, the longest reported: retrying after a shorter one
        # would only be refused again (and counted against the other rules)
        waits = await asyncio.gather(*(self._retry_after(r, i, c) for r, i, c in denied))
        longest = [(w, r.name) for w, (r, _, _) in zip(waits, denied, strict=True)]
        longest += [(1, r.name) for r in closed]
        wait, name = max(longest, key=lambda pair: pair[0])
        return LimitDecision(allowed=False, rule=name, retry_after_s=wait, degraded=tuple(degraded))

    async def _retry_after(self, rule: LimitRule, ident: str, cost: int = 1) -> int:
        """Seconds until ``cost`` more fits under ``rule``.

        The window's reset time is when one unit frees up; a token rule asking for more waits
        until enough has decayed (the sliding window frees its previous window's count about
        evenly across the current one), and a cost above the whole quota waits a full window.
        """
        expiry = rule.item.get_expiry()
        try:  # window stats only on a denial, to keep the allowed path to one round trip
            stats = await self._strategy.get_window_stats(rule.item, ident)
        except Exception:
            return 1
        first = max(1, math.ceil(stats.reset_time - self._clock()))
        if cost <= 1:
            return first
        if cost > rule.item.amount:
            return max(first, expiry)
        needed = cost - max(0, stats.remaining)
        return max(first, min(2 * expiry, math.ceil(needed / rule.item.amount * expiry)))

    async def charge(self, subject: Subject, tokens: int) -> None:
        """Add ``tokens`` used by a completion to the token rules; never raises, never denies.

        A response already sent cannot be refused; an exhausted quota shows on the next check.
        The window refuses a hit larger than what is left (and then counts nothing), so a
        completion bigger than the rest of the quota uses the rest up instead: without that, one
        large answer after another would never be counted at all.
        """
        for rule in self.rules:
            ident = self._applies(rule, subject)
            if ident is None or rule.unit != "tokens" or tokens <= 0:
                continue
            if self._breaker.open:
                self._errors += 1  # not charged: the storage is recovering
                continue
            try:
                if not await self._strategy.hit(rule.item, ident, cost=tokens):
                    left = (await self._strategy.get_window_stats(rule.item, ident)).remaining
                    if left > 0:
                        await self._strategy.hit(rule.item, ident, cost=left)
            except Exception as exc:
                self._breaker.trip()
                self._storage_failed(rule, exc)

    def _storage_failed(self, rule: LimitRule, exc: BaseException) -> bool:
        """Count a storage failure; True when the rule fails open."""
        self._errors += 1
        if not isinstance(exc, StorageDown):  # skipped checks are counted, not logged each time
            log.warning(
                "rate-limit storage unreachable for rule %s (%s); failing %s for %.0f s",
                rule.name,
                type(exc).__name__,
                rule.fail_mode,
                self._breaker.seconds,
            )
        if rule.fail_mode == "open":
            self._open += 1
            return True
        self._closed += 1
        return False

    def stats(self) -> LimiterStats:
        """A snapshot of the counters (export them as Prometheus counters)."""
        return LimiterStats(
            denied=self._denied,
            storage_errors=self._errors,
            failed_open=self._open,
            failed_closed=self._closed,
        )

    async def reset(self) -> None:
        """Clear every counter in the storage (tests and admin use)."""
        await self._storage.reset()
