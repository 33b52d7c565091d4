"""A policy reload on one replica reaches every replica and worker that shares its Redis.

Why: ``POST /admin/policy/reload`` swaps the guards of the process that answers it. Behind a load
balancer, or with ``safeship serve --workers N`` (where the kernel picks the worker of each
connection), the other processes would keep enforcing the old policy until someone reached
each of them. So after a successful local reload the gateway bumps a generation counter in
Redis (``<key_prefix>:policy_generation``), and every process polls it (twice a second by
default, like the flag cache) and reloads its own policy files when it moves. Each process
reads its own files: on one host that is the same file; across hosts, deploy the file first.

A reload that fails on some process (its file invalid or unreadable there) keeps that process's
old set, is logged with the process id and counted in ``safeship_policy_sync_reload_errors``;
a down Redis costs a counted storage error per poll and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import TYPE_CHECKING, Any

from safeship.controls._redis import connect
from safeship.gateway.config import GatewayConfig
from safeship.gateway.policies import PolicySet
from safeship.gateway.wiring import close_within

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("safeship.gateway")
Sample = tuple[str, str, float]
POLL_S = 0.5


class PolicySync:
    """Announces local reloads and follows announced ones.

    Args:
        redis: The client of the controls' Redis.
        key: The generation counter's key.
        policies: This process's policy set, reloaded when the generation moves.
        config: The gateway config whose policy files a reload reads.
        poll_s: Seconds between reads of the counter.
    """

    def __init__(
        self,
        redis: Redis,
        key: str,
        policies: PolicySet,
        config: GatewayConfig,
        poll_s: float = POLL_S,
    ) -> None:
        self._redis = redis
        self._key = key
        self._policies = policies
        self._config = config
        self._poll_s = poll_s
        self._seen: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._down = False
        self.storage_errors = 0
        self.reloads = 0
        self.reload_errors = 0

    @classmethod
    def for_config(cls, config: GatewayConfig, policies: PolicySet) -> PolicySync | None:
        """The sync of a config with ``controls.redis_url``; None without one (one process)."""
        c = config.controls
        if c.redis_url is None:
            return None
        return cls(connect(c.redis_url), f"{c.key_prefix}:policy_generation", policies, config)

    async def start(self) -> None:
        """Remember the current generation (no reload at start-up) and start polling."""
        self._seen = await self._read()
        self._task = asyncio.get_running_loop().create_task(
            self._poll_forever(), name="safeship-policy-sync"
        )

    async def announce(self) -> int | None:
        """Tell the other processes to reload; the new generation, or None if Redis is down."""
        try:
            generation = int(await self._redis.incr(self._key))
        except Exception as exc:
            self.storage_errors += 1
            log.error(
                "policy reloaded here, but other replicas were not told: Redis unreachable (%s)",
                type(exc).__name__,
            )
            return None
        self._seen = generation
        return generation

    async def _read(self) -> int | None:
        try:
            raw: Any = await self._redis.get(self._key)
        except Exception as exc:
            self.storage_errors += 1
            if not self._down:  # once per outage, not twice a second
                log.warning("policy sync: Redis unreachable (%s)", type(exc).__name__)
            self._down = True
            return None
        if self._down:
            log.info("policy sync: Redis reachable again")
            self._down = False
        return 0 if raw is None else int(raw)

    async def poll(self) -> bool:
        """Read the generation once and reload if another process moved it; True if reloaded."""
        generation = await self._read()
        if generation is None or generation == self._seen:
            return False
        self._seen = generation
        try:
            versions = await self._policies.reload(self._config)
        except Exception as exc:  # any failure keeps the old set; the loop must live on
            self.reload_errors += 1
            log.error(
                "worker %d: announced policy reload (generation %d) failed here, old policy "
                "kept: %s",
                os.getpid(),
                generation,
                type(exc).__name__,
            )
            return False
        self.reloads += 1
        log.info(
            "worker %d: policy reloaded on announcement (generation %d): %s",
            os.getpid(),
            generation,
            versions.get("live"),
        )
        return True

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self._poll_s)
            await self.poll()

    def samples(self) -> list[Sample]:
        """Counter values for ``/metrics``."""
        return [
            (
                "safeship_policy_sync_storage_errors",
                "Policy sync Redis failures",
                self.storage_errors,
            ),
            ("safeship_policy_sync_reloads", "Reloads announced by another process", self.reloads),
            (
                "safeship_policy_sync_reload_errors",
                "Announced reloads that failed here (old policy kept)",
                self.reload_errors,
            ),
        ]

    async def aclose(self) -> None:
        """Stop polling and close the client."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await close_within(self._redis.aclose(), "policy sync client")
