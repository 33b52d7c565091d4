"""Build the runtime controls and the telemetry store from the gateway config, and close them.

Start-up order follows the controls' and store's own notes: limiter, flags, escalator, the
spent confirmation tokens and the Responses conversation memory (no connection yet: a down Redis
shows up as fail modes, not a failed start), then the redactor warmed in a thread (always: the
Responses memory redacts too), the store with its migrations in a thread, and the sink's writer
started.
Anything injected (tests, embedders) is used as is and left for its owner to close.

``Runtime.samples`` feeds the Prometheus collector: limiter denials and storage failures, flag
escalation and spent-token storage errors, Responses continuations checked without their earlier
turns and conversation-memory failures, sink writes, buffer and every kind of drop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from safeship.controls import (
    Escalator,
    FeatureFlags,
    LimitRule,
    MemoryViolationStore,
    RateLimiter,
    RedisFlagStore,
    RedisViolationStore,
)
from safeship.gateway.adapters import ControlsLimiter, FlagRouter, StoreSink
from safeship.gateway.config import GatewayConfig
from safeship.gateway.conversation_memory import (
    ConversationMemory,
    MemoryConversations,
    RedisConversations,
)
from safeship.gateway.ports import DecisionSink, Flags, Limiter, NullSink
from safeship.gateway.spent_tokens import MemorySpentTokens, RedisSpentTokens, SpentTokens
from safeship.store import Redactor, SqlStore, TelemetrySink, default_redactor

log = logging.getLogger("safeship.gateway")
Sample = tuple[str, str, float]  # metric name, help, value
PURGE_EVERY_S = 3600.0
CLOSE_S = 2.0


async def close_within(closing: Awaitable[None], what: str, seconds: float | None = None) -> None:
    """Await a connection close, giving up after ``seconds``.

    Why: a Redis client's close waits for its sockets to finish closing, and a socket left
    half-closed (a server gone, a command cancelled mid-reply) can keep that wait open forever.
    At shutdown that would hang the process - under ``--workers``, a worker the supervisor
    then leaves running - so a close that takes too long is abandoned and logged.
    """
    limit = CLOSE_S if seconds is None else seconds
    try:
        await asyncio.wait_for(closing, limit)
    except TimeoutError:
        log.warning("closing the %s took over %.0f s; abandoned", what, limit)
    except Exception as exc:  # closing is best effort; the process is going away
        log.warning("closing the %s failed (%s)", what, type(exc).__name__)


@dataclass
class Runtime:
    """The ports the requests use, and the real objects behind them (None when injected)."""

    limiter: Limiter
    flags: Flags
    sink: DecisionSink
    rate: ControlsLimiter | None = None
    feature_flags: FeatureFlags | None = None
    store: SqlStore | None = None
    store_sink: StoreSink | None = None
    retention_days: float | None = None
    flush_timeout_s: float = 5.0
    spent_tokens: SpentTokens = field(default_factory=MemorySpentTokens)
    conversations: ConversationMemory = field(default_factory=MemoryConversations)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        """Warm the redactor, migrate the store, start the writer and the retention job.

        The redactor is warmed whether or not there is a store: the Responses memory redacts
        every turn it keeps, and building it (PII recognisers, about a second) on the first
        request would stall the event loop. It is built once per process, so later starts
        (tests building many apps, a reload) take a thread hop, not a rebuild.
        """
        redactor = await self._warm_redactor()
        if self.store is None or self.store_sink is None:
            return
        try:
            applied = await asyncio.to_thread(self.store.migrate)
            if applied:
                log.info("store migrations applied: %s", ", ".join(applied))
        except Exception as exc:  # a down database must not stop the gateway: the sink retries
            log.error(
                "store unavailable at start-up (%s); telemetry will retry", type(exc).__name__
            )
        if not self.store_sink.raw_text and self.store_sink.redactor is None:
            # the store must not write raw text: without a redactor, start-up fails here
            self.store_sink.redactor = redactor or await asyncio.to_thread(default_redactor)
        self.store_sink.sink.start()
        if self.retention_days is not None:
            loop = asyncio.get_running_loop()
            self._tasks.append(loop.create_task(self._purge_forever(), name="safeship-retention"))

    async def _warm_redactor(self) -> Redactor | None:
        """The store's redactor, built in a thread; None (logged) if it cannot be built."""
        try:
            return await asyncio.to_thread(default_redactor)
        except Exception as exc:  # memory then skips remembering; a redacting store retries
            log.warning("the redactor could not be built (%s)", type(exc).__name__)
            return None

    async def _purge_forever(self) -> None:
        assert self.store is not None and self.retention_days is not None
        while True:
            cutoff = datetime.now(UTC) - timedelta(days=self.retention_days)
            try:
                done = await asyncio.to_thread(self.store.purge, cutoff)
                if done.decisions or done.reports:
                    log.info(
                        "retention purged %d decisions, %d reports", done.decisions, done.reports
                    )
            except Exception as exc:
                log.warning("retention purge failed (%s)", type(exc).__name__)
            await asyncio.sleep(PURGE_EVERY_S)

    async def aclose(self) -> None:
        """Flush what can be flushed, then close the connections this runtime opened."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.store_sink is not None:  # conversions and the flush share one deadline
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.flush_timeout_s
            await self.store_sink.drain(self.flush_timeout_s)
            await self.store_sink.sink.aclose(max(0.0, deadline - loop.time()))
        # every client at once: one dead server costs one CLOSE_S, not one per client
        await asyncio.gather(*(close_within(c, what) for c, what in self._closers()))
        if self.store is not None:
            await asyncio.to_thread(self.store.close)

    def _closers(self) -> list[tuple[Awaitable[None], str]]:
        """The close of every Redis-backed client this runtime holds, with its name."""
        owners: list[tuple[object, str]] = [
            (self.spent_tokens, "spent-token store"),
            (self.conversations, "conversation memory"),
        ]
        if self.rate is not None:
            owners = [
                (self.rate.limiter, "rate limiter"),
                (self.rate.throttle, "throttle limiter"),
                (self.rate.escalator._store, "escalation store"),
                *owners,
            ]
        if self.feature_flags is not None:
            owners.append((self.feature_flags.store, "flag store"))
        closers = [(getattr(o, "aclose", None), what) for o, what in owners]
        return [(close(), what) for close, what in closers if close is not None]

    def samples(self) -> list[Sample]:
        """Counter values for ``/metrics``; drops are always exported, never silent."""
        errors = self.spent_tokens.storage_errors
        out: list[Sample] = [
            ("safeship_confirm_storage_errors", "Spent-token store failures", errors),
            (
                "safeship_responses_context_missing",
                "Responses continuations whose earlier turns were unknown or expired",
                self.conversations.missing,
            ),
            (
                "safeship_responses_memory_storage_errors",
                "Conversation memory store failures",
                self.conversations.storage_errors,
            ),
        ]
        if self.rate is not None:
            s = self.rate.limiter.stats()
            out += [
                ("safeship_limiter_denied", "Requests denied by a rate limit", s.denied),
                ("safeship_limiter_storage_errors", "Limit storage failures", s.storage_errors),
                ("safeship_limiter_failed_open", "Limit checks failed open", s.failed_open),
                ("safeship_limiter_failed_closed", "Limit checks failed closed", s.failed_closed),
                (
                    "safeship_escalation_storage_errors",
                    "Escalation store failures",
                    self.rate.escalator.storage_errors,
                ),
            ]
        if self.feature_flags is not None:
            errors = self.feature_flags.storage_errors
            out.append(("safeship_flags_storage_errors", "Flag store failures", errors))
        if self.store_sink is not None:
            t = self.store_sink.sink.stats()
            out += [
                ("safeship_sink_accepted", "Telemetry events queued", t.accepted),
                ("safeship_sink_written", "Telemetry events written", t.written),
                ("safeship_sink_write_errors", "Telemetry write attempts failed", t.write_errors),
                (
                    "safeship_sink_dropped_overflow",
                    "Events dropped: buffer full",
                    t.dropped_overflow,
                ),
                ("safeship_sink_dropped_rejected", "Events dropped: rejected", t.dropped_rejected),
                (
                    "safeship_sink_dropped_shutdown",
                    "Events dropped at shutdown",
                    t.dropped_shutdown,
                ),
                (
                    "safeship_sink_dropped_conversion",
                    "Events dropped before queueing (backlog or bad event)",
                    self.store_sink.dropped,
                ),
            ]
        return out

    def buffered(self) -> int:
        """Events waiting for the store (a gauge)."""
        return 0 if self.store_sink is None else self.store_sink.sink.stats().buffered


def build_runtime(
    config: GatewayConfig,
    *,
    limiter: Limiter | None = None,
    flags: Flags | None = None,
    sink: DecisionSink | None = None,
) -> Runtime:
    """The runtime for ``config``; injected ports replace the configured ones."""
    c = config.controls
    url = c.redis_url
    rate = None
    if limiter is None:
        violations = (
            RedisViolationStore(url, f"{c.key_prefix}:violations")
            if url
            else MemoryViolationStore()
        )
        throttle_rule = LimitRule(name="throttle", scope="user", rate=c.throttle_rate)
        rate = ControlsLimiter(
            RateLimiter.from_url(c.limits, url, key_prefix=f"{c.key_prefix}:limits"),
            Escalator(c.escalation, violations),
            RateLimiter.from_url([throttle_rule], url, key_prefix=f"{c.key_prefix}:throttle"),
        )
        limiter = rate
    feature_flags = None
    if flags is None:
        store = RedisFlagStore(url, f"{c.key_prefix}:flags") if url else None
        feature_flags = FeatureFlags(store, defaults=c.flags, cache_ttl_s=c.flag_cache_ttl_s)
        flags = FlagRouter(feature_flags)
    spent: SpentTokens = (
        RedisSpentTokens(url, f"{c.key_prefix}:confirm") if url else MemorySpentTokens()
    )
    ttl = config.responses_memory_ttl_s
    conversations: ConversationMemory = (
        RedisConversations(url, f"{c.key_prefix}:conversations", ttl_s=ttl)
        if url
        else MemoryConversations(ttl_s=ttl)
    )
    sql = store_sink = None
    if sink is None and config.store.url is not None:
        sql = SqlStore(config.store.url)
        telemetry = TelemetrySink(sql, max_buffer=config.store.max_buffer)
        store_sink = StoreSink(telemetry, raw_text=config.store.raw_text)
    return Runtime(
        limiter=limiter,
        flags=flags,
        sink=sink or store_sink or NullSink(),
        rate=rate,
        feature_flags=feature_flags,
        store=sql,
        store_sink=store_sink,
        retention_days=config.store.retention_days if sql is not None else None,
        flush_timeout_s=config.store.flush_timeout_s,
        spent_tokens=spent,
        conversations=conversations,
    )
