"""A non-blocking, batching telemetry sink between the request path and the store.

``emit()`` only puts the event on a bounded :class:`asyncio.Queue` and returns at once; a
background task takes batches off the queue and writes them in a worker thread. When the
database is locked or down the task keeps the batch and retries with exponential backoff, while
new events keep queueing. When the queue is full, new events are dropped and *counted*
(``dropped_overflow``), never lost silently; a request never waits for, or fails because of,
telemetry.

Errors that retrying cannot fix (a row the database rejects) are retried a few times, then that
batch is dropped and counted as ``dropped_rejected`` so one bad event cannot wedge the sink.
Counters are exposed by :meth:`TelemetrySink.stats` for the gateway's Prometheus metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import Future, ThreadPoolExecutor

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict

from safeship.store.base import Store
from safeship.store.events import DecisionEvent, UserReport

log = logging.getLogger(__name__)

Item = DecisionEvent | UserReport
_TRANSIENT = (sa.exc.OperationalError, sa.exc.InterfaceError, OSError, TimeoutError)


class SinkStats(BaseModel):
    """Counters since start (export as Prometheus counters; ``buffered`` is a gauge)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accepted: int
    written: int
    write_errors: int
    dropped_overflow: int
    dropped_rejected: int
    dropped_shutdown: int
    buffered: int

    @property
    def dropped(self) -> int:
        """Every event lost, whatever the reason."""
        return self.dropped_overflow + self.dropped_rejected + self.dropped_shutdown


class TelemetrySink:
    """Buffers events and writes them to a :class:`Store` in batches, in the background.

    Args:
        store: Where events go.
        max_buffer: Events held while the store is slow or down; beyond it, drops are counted.
        batch_size: Most events written in one transaction.
        linger_s: How long the writer waits to fill a batch once an event arrives.
        retry_initial_s: First retry delay after a failed write (doubles up to ``retry_max_s``).
        retry_max_s: Longest delay between retries.
        max_rejections: Attempts for a batch failing with a non-transient error before dropping it.
    """

    def __init__(
        self,
        store: Store,
        *,
        max_buffer: int = 10_000,
        batch_size: int = 200,
        linger_s: float = 0.2,
        retry_initial_s: float = 0.2,
        retry_max_s: float = 10.0,
        max_rejections: int = 3,
    ) -> None:
        self.store = store
        self._queue: asyncio.Queue[Item] = asyncio.Queue(maxsize=max_buffer)
        self._batch_size = batch_size
        self._linger = linger_s
        self._retry_initial = retry_initial_s
        self._retry_max = retry_max_s
        self._max_rejections = max_rejections
        self._task: asyncio.Task[None] | None = None
        self._inflight = 0
        # One writer thread, and the write it is doing, so a close can tell a batch that was
        # written while the sink stopped from one that was lost.
        self._writer = self._new_writer()
        self._writing: tuple[Future[None], int] | None = None
        self._straggler: Future[None] | None = None  # the write running at the last close
        self._counts = dict.fromkeys(
            ("accepted", "written", "write_errors", "overflow", "rejected", "shutdown"), 0
        )

    @staticmethod
    def _new_writer() -> ThreadPoolExecutor:
        """The one writer thread (started on its first write, so an idle sink holds none)."""
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="safeship-sink")

    def start(self) -> None:
        """Start the background writer (call from the running loop, e.g. the app lifespan).

        A sink closed with ``aclose`` can be started again in the same event loop; its queue
        belongs to that loop, so another loop needs a new sink (the gateway builds one per
        lifespan).
        """
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="safeship-sink")

    def emit(self, item: Item) -> bool:
        """Queue ``item`` without waiting; False (and a counted drop) when the buffer is full."""
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self._counts["overflow"] += 1
            if self._counts["overflow"] in (1, 10) or self._counts["overflow"] % 1000 == 0:
                log.warning(
                    "telemetry buffer full: %d events dropped so far", self._counts["overflow"]
                )
            return False
        self._counts["accepted"] += 1
        return True

    async def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until every queued event is written (or dropped); False on timeout."""
        try:
            await asyncio.wait_for(self._queue.join(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def aclose(self, timeout_s: float = 5.0, grace_s: float = 1.0) -> SinkStats:
        """Write what can be written within ``timeout_s``, stop, and count the rest as dropped.

        A write already running in the writer thread cannot be cancelled: it is given
        ``grace_s`` more to finish, and counted as written if it did. Before, it was counted as
        dropped even when its rows reached the store.
        """
        inflight = 0
        if self._task is not None:
            await self.flush(timeout_s)
            inflight = self._inflight
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            inflight -= await self._settle_running_write(grace_s)
        if self._straggler is None or self._straggler.done():
            self._writer.shutdown(wait=False)
            self._writer = self._new_writer()  # a sink started again after a close still writes
        # else the one writer thread is kept: a sink started again queues its writes behind
        # the write still running, never beside it (two writers on one store at once)
        left = inflight + self._queue.qsize()
        self._counts["shutdown"] += left
        if left:
            log.warning("telemetry sink closed with %d unwritten events (counted as dropped)", left)
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()
        self._inflight = 0
        return self.stats()

    async def _settle_running_write(self, grace_s: float) -> int:
        """Events of the write still running at close that reached the store (0 if none)."""
        if self._straggler is not None and self._straggler.done():
            self._straggler = None  # a write still running from an earlier close stays known
        if self._writing is None:
            return 0
        future, n = self._writing
        self._writing = None
        if future.cancelled():  # queued behind a straggler and cancelled with the task
            return 0
        self._straggler = future  # the writer runs one write at a time: the latest is last
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), grace_s)
        except asyncio.CancelledError:
            if not future.cancelled():
                raise  # the caller was cancelled, not the write
        except Exception:  # noqa: BLE001, S110 - a failed or slow write is judged below
            pass
        if future.done() and not future.cancelled() and future.exception() is None:
            self._counts["written"] += n
            return n
        if not future.done():
            log.warning(
                "telemetry write of %d events still running at close; counted as dropped", n
            )
        return 0

    def stats(self) -> SinkStats:
        """A snapshot of the counters."""
        c = self._counts
        return SinkStats(
            accepted=c["accepted"],
            written=c["written"],
            write_errors=c["write_errors"],
            dropped_overflow=c["overflow"],
            dropped_rejected=c["rejected"],
            dropped_shutdown=c["shutdown"],
            buffered=self._queue.qsize() + self._inflight,
        )

    async def _next_batch(self) -> list[Item]:
        batch = [await self._queue.get()]
        if self._queue.qsize() < self._batch_size - 1 and self._linger > 0:
            await asyncio.sleep(self._linger)
        while len(batch) < self._batch_size and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._next_batch()
            self._inflight = len(batch)
            try:
                await self._write_until_done(batch)
            finally:
                self._inflight = 0
                for _ in batch:
                    self._queue.task_done()

    async def _write_until_done(self, batch: list[Item], attempts: int | None = None) -> None:
        """Write ``batch``, retrying transient failures.

        A rejected batch is halved until the rejected event stands alone; halves get one
        attempt each, since a rejection is not transient.
        """
        delay = self._retry_initial
        rejections = 0
        allowed = self._max_rejections if attempts is None else attempts
        while True:
            try:
                future = self._writer.submit(self._write, batch)
                self._writing = (future, len(batch))
                await asyncio.wrap_future(future)
                self._writing = None
            except Exception as exc:
                self._writing = None
                self._counts["write_errors"] += 1
                if not isinstance(exc, _TRANSIENT):
                    rejections += 1
                    if rejections >= allowed and len(batch) > 1:
                        # one bad row must not cost the others: halve until it stands alone
                        middle = len(batch) // 2
                        await self._write_until_done(batch[:middle], attempts=1)
                        await self._write_until_done(batch[middle:], attempts=1)
                        return
                    if rejections >= allowed:
                        self._counts["rejected"] += len(batch)
                        log.error(
                            "telemetry store rejected an event (%s); dropped",
                            type(exc).__name__,
                        )
                        return
                log.warning(
                    "telemetry store write failed (%s); %d events buffered, retry in %.1fs",
                    type(exc).__name__,
                    len(batch) + self._queue.qsize(),
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_max)
                continue
            self._counts["written"] += len(batch)
            return

    def _write(self, batch: list[Item]) -> None:
        decisions = [i for i in batch if isinstance(i, DecisionEvent)]
        reports = [i for i in batch if isinstance(i, UserReport)]
        if decisions:
            self.store.write_decisions(decisions)
        if reports:
            self.store.write_reports(reports)
