"""Feature flags: on/off, kill switch, percentage rollout, a policy version per bucket, shadow mode.

A :class:`FeatureFlag` per feature lives in a :class:`FlagStore` (memory, or Redis shared by
every replica). :class:`FeatureFlags` reads through a local cache whose time-to-live
(0.5 s by default) bounds how stale a replica can be, so a kill switch flipped on one replica is
obeyed by all of them within a second, with one Redis read per feature per half second.

Rollout: a user's bucket is ``sha256(salt:user) mod 10000``; users whose bucket is below
``rollout_percent * 100`` get the candidate policy. The bucket never depends on the percentage,
so ramping up only adds users and never moves one out (changing the salt reshuffles everyone).
In shadow mode the candidate slice is still enforced by the live policy, and the candidate is
evaluated on the side and logged for diffing.

The flag named ``"*"`` is global: killing it stops every feature.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from safeship.controls._redis import connect

log = logging.getLogger(__name__)

GLOBAL = "*"
BUCKETS = 10_000
Arm = Literal["live", "candidate", "shadow"]


class FeatureFlag(BaseModel):
    """Runtime switches of one feature (``feature="*"``: all features)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    feature: str
    enabled: bool = True
    killed: bool = False
    rollout_percent: float = Field(default=0.0, ge=0.0, le=100.0)
    live_policy: str = ""
    candidate_policy: str | None = None
    shadow: bool = False
    salt: str | None = Field(default=None, description="Bucketing salt (default: the feature).")


class Assignment(BaseModel):
    """What one request of one user gets: served or not, which policy enforces, which shadows."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    feature: str
    enabled: bool
    killed: bool
    bucket: int | None
    arm: Arm
    policy_version: str
    shadow_policy_version: str | None = None


def bucket_of(salt: str, user: str) -> int:
    """The stable rollout bucket of ``user`` in ``[0, 10000)``."""
    digest = hashlib.sha256(f"{salt}:{user}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def assign(
    flag: FeatureFlag, user: str | None, global_flag: FeatureFlag | None = None
) -> Assignment:
    """Pure assignment of ``user`` under ``flag`` (anonymous users, ``None``, stay on live)."""
    killed = flag.killed or bool(global_flag and global_flag.killed)
    enabled = flag.enabled and not killed and (global_flag is None or global_flag.enabled)
    bucket = None if user is None else bucket_of(flag.salt or flag.feature, user)
    in_slice = (
        bucket is not None
        and flag.candidate_policy is not None
        and bucket < round(flag.rollout_percent * BUCKETS / 100)
    )
    arm: Arm = "live" if not in_slice else ("shadow" if flag.shadow else "candidate")
    return Assignment(
        feature=flag.feature,
        enabled=enabled,
        killed=killed,
        bucket=bucket,
        arm=arm,
        policy_version=(flag.candidate_policy or "") if arm == "candidate" else flag.live_policy,
        shadow_policy_version=flag.candidate_policy if arm == "shadow" else None,
    )


class FlagStore(Protocol):
    """Where flags live."""

    async def get(self, feature: str) -> FeatureFlag | None:
        """The stored flag of ``feature``, if any."""
        ...

    async def put(self, flag: FeatureFlag) -> None:
        """Store ``flag``, replacing the previous one of its feature."""
        ...

    async def all(self) -> list[FeatureFlag]:
        """Every stored flag."""
        ...


class MemoryFlagStore:
    """Flags in a dict: one process only."""

    def __init__(self, flags: Iterable[FeatureFlag] = ()) -> None:
        self._flags = {f.feature: f for f in flags}

    async def get(self, feature: str) -> FeatureFlag | None:
        """See :class:`FlagStore`."""
        return self._flags.get(feature)

    async def put(self, flag: FeatureFlag) -> None:
        """See :class:`FlagStore`."""
        self._flags[flag.feature] = flag

    async def all(self) -> list[FeatureFlag]:
        """See :class:`FlagStore`."""
        return sorted(self._flags.values(), key=lambda f: f.feature)


class RedisFlagStore:
    """Flags as JSON in one Redis hash shared by every replica."""

    def __init__(self, url: str, key: str = "safeship:flags") -> None:
        self._redis = connect(url)
        self._key = key

    async def get(self, feature: str) -> FeatureFlag | None:
        """See :class:`FlagStore`."""
        raw: Any = await self._redis.hget(self._key, feature)  # type: ignore[misc]
        return None if raw is None else FeatureFlag.model_validate_json(raw)

    async def put(self, flag: FeatureFlag) -> None:
        """See :class:`FlagStore`."""
        await self._redis.hset(self._key, flag.feature, flag.model_dump_json())  # type: ignore[misc]

    async def all(self) -> list[FeatureFlag]:
        """See :class:`FlagStore`."""
        raw: Any = await self._redis.hgetall(self._key)  # type: ignore[misc]
        return sorted(
            (FeatureFlag.model_validate_json(v) for v in raw.values()), key=lambda f: f.feature
        )

    async def merge(
        self, feature: str, change: Callable[[FeatureFlag | None], FeatureFlag]
    ) -> FeatureFlag:
        """Read, change and write one flag atomically (WATCH/MULTI, retried on a conflict).

        Why: two admins changing the same flag at once (a kill switch and a rollout ramp, on
        two replicas) must not lose either write; a plain read-then-write lost the kill switch.
        """
        from redis.exceptions import WatchError

        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(self._key)
                    raw: Any = await pipe.hget(self._key, feature)  # type: ignore[misc]
                    flag = change(None if raw is None else FeatureFlag.model_validate_json(raw))
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.hset(self._key, feature, flag.model_dump_json())
                    await pipe.execute()
                    return flag
                except WatchError:
                    continue

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


class FeatureFlags:
    """Reads flags through a short local cache and assigns users to rollout arms.

    ``defaults`` give the flag of a feature the store does not know (else: enabled, live only).
    If the store is unreachable the last value seen is used (or the default) and the failure is
    counted in ``storage_errors``; a flag read never raises.
    """

    def __init__(
        self,
        store: FlagStore | None = None,
        defaults: Iterable[FeatureFlag] = (),
        cache_ttl_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store: FlagStore = store or MemoryFlagStore()
        self._defaults = {f.feature: f for f in defaults}
        self._ttl = cache_ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[FeatureFlag, float]] = {}
        self.storage_errors = 0

    def cached(self, feature: str) -> FeatureFlag:
        """The last flag seen for ``feature`` without any I/O (the default if never read)."""
        hit = self._cache.get(feature)
        return hit[0] if hit else self._defaults.get(feature, FeatureFlag(feature=feature))

    async def flag(self, feature: str) -> FeatureFlag:
        """The flag of ``feature``, at most ``cache_ttl_s`` old."""
        hit = self._cache.get(feature)
        now = self._clock()
        if hit and now - hit[1] < self._ttl:
            return hit[0]
        try:
            found = await self.store.get(feature)
        except Exception as exc:
            self.storage_errors += 1
            log.warning("flag store unreachable (%s); using last known flags", type(exc).__name__)
            fallback = self.cached(feature)
            # held for one time-to-live too: a store that hangs must not cost every request
            # its timeout (twice: the feature and the global flag) until it is back
            self._cache[feature] = (fallback, now)
            return fallback
        value = found or self._defaults.get(feature, FeatureFlag(feature=feature))
        self._cache[feature] = (value, now)
        return value

    async def assign(self, feature: str, user: str | None) -> Assignment:
        """Whether ``feature`` is served to ``user`` and under which policy versions."""
        return assign(await self.flag(feature), user, await self.flag(GLOBAL))

    async def set(self, flag: FeatureFlag) -> None:
        """Store ``flag`` (raises if the store is down: admin calls must know they failed)."""
        await self.store.put(flag)
        self._cache[flag.feature] = (flag, self._clock())

    async def update(self, feature: str, **changes: Any) -> FeatureFlag:
        """Change some fields of the current flag of ``feature`` and store the result.

        A store that can merge atomically (Redis) does the read and the write as one, so
        concurrent changes to one flag from several replicas are all kept.
        """

        def change(stored: FeatureFlag | None) -> FeatureFlag:
            current = stored or self.cached(feature)
            return FeatureFlag.model_validate(
                {**current.model_dump(), **changes, "feature": feature}
            )

        merge = getattr(self.store, "merge", None)
        if merge is not None:
            flag: FeatureFlag = await merge(feature, change)
            self._cache[feature] = (flag, self._clock())
            return flag
        flag = change(await self.store.get(feature))  # one process: no await in between
        await self.set(flag)
        return flag

    async def kill(self, feature: str = GLOBAL) -> FeatureFlag:
        """Flip the kill switch of ``feature`` (default: every feature)."""
        return await self.update(feature, killed=True)

    async def revive(self, feature: str = GLOBAL) -> FeatureFlag:
        """Release the kill switch of ``feature``."""
        return await self.update(feature, killed=False)
