"""A policy reload on one replica reaches every replica and worker that shares its Redis.

Why: ``POST /admin/policy/reload`` swaps the guards of the process that answers it. Behind a load
balancer, or with ``safeship serve --workers N`` (where the kernel picks the worker of each
connection), the other processes would keep enforcing the old policy until someone reached
each of them. So after a successful local reload the gateway writes a fresh announcement to
Redis (``<key_prefix>:policy_announcement``), and every process polls it (twice a second by
default, like the flag cache) and reloads its own policy files when it changes. Each process
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
import secrets
import time
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
RETRY_S = 5.0


class PolicySync:
    """Announces local reloads and follows announced ones.

    An announcement is a fresh random token, not a counter: a Redis that restarts without its
    data and counts again from 1 could hand out a number a worker has already seen, and that
    worker would never reload. A worker reads the current token before it loads its policies,
    so an announcement made while it starts (seconds of warm-up, or a restart of a crashed
    worker) is not missed; a reload that fails here is retried with backoff until it succeeds
    or a newer announcement comes.

    Args:
        redis: The client of the controls' Redis.
        key: Where the current announcement lives.
        config: The gateway config whose policy files a reload reads.
        poll_s: Seconds between reads of the announcement.
    """

    def __init__(
        self, redis: Redis, key: str, config: GatewayConfig, poll_s: float = POLL_S
    ) -> None:
        self._redis = redis
        self._key = key
        self._config = config
        self._poll_s = poll_s
        self._policies: PolicySet | None = None
        self._seen: str | None = None
        self._failed: str | None = None
        self._retry_at = 0.0
        self._backoff_s = RETRY_S
        self._task: asyncio.Task[None] | None = None
        self._down = False
        self.storage_errors = 0
        self.reloads = 0
        self.reload_errors = 0

    @classmethod
    def for_config(cls, config: GatewayConfig) -> PolicySync | None:
        """The sync of a config with ``controls.redis_url``; None without one (one process)."""
        c = config.controls
        if c.redis_url is None:
            return None
        return cls(connect(c.redis_url), f"{c.key_prefix}:policy_announcement", config)

    async def prepare(self) -> None:
        """Remember the current announcement: call before the policies are loaded."""
        self._seen = await self._read() or ""

    async def start(self, policies: PolicySet) -> None:
        """Follow announcements for ``policies`` (one is reloaded now if it came meanwhile)."""
        self._policies = policies
        await self.poll()
        self._task = asyncio.get_running_loop().create_task(
            self._poll_forever(), name="safeship-policy-sync"
        )

    async def announce(self) -> str | None:
        """Tell the other processes to reload; the announcement, or None if Redis is down."""
        token = f"{time.time_ns():x}-{secrets.token_hex(4)}"
        try:
            await self._redis.set(self._key, token)
        except Exception as exc:
            self.storage_errors += 1
            log.error(
                "policy reloaded here, but other replicas were not told: Redis unreachable (%s)",
                type(exc).__name__,
            )
            return None
        self._seen, self._failed = token, None
        return token

    async def _read(self) -> str | None:
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
        return "" if raw is None else str(raw)

    async def poll(self) -> bool:
        """Read the announcement once and reload if it is new here; True if reloaded."""
        token = await self._read()
        if token is None or self._policies is None:
            return False
        if token == self._seen and token != self._failed:
            return False
        now = time.monotonic()
        if token == self._failed and now < self._retry_at:
            return False  # this announcement failed here: retry later, with backoff
        try:
            versions = await self._policies.reload(self._config)
        except Exception as exc:  # any failure keeps the old set; the loop must live on
            self.reload_errors += 1
            self._backoff_s = RETRY_S if token != self._failed else min(60.0, self._backoff_s * 2)
            self._failed, self._seen, self._retry_at = token, token, now + self._backoff_s
            log.error(
                "worker %d: announced policy reload failed here, old policy kept, retry in "
                "%.0f s: %s",
                os.getpid(),
                self._backoff_s,
                type(exc).__name__,
            )
            return False
        self._seen, self._failed = token, None
        self.reloads += 1
        log.info(
            "worker %d: policy reloaded on announcement: %s",
            os.getpid(),
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
