import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from safeship.store.events import DecisionEvent, UserReport
from safeship.store.sink import SinkStats, TelemetrySink
from safeship.store.sql import SqlStore
from safeship.types import Action, Stage, TrustTier


def event(i: int, tenant: str = "acme") -> DecisionEvent:
    return DecisionEvent(
        request_id=f"r{i}",
        tenant=tenant,
        feature="chat",
        tier=TrustTier.ANONYMOUS,
        stage=Stage.INPUT,
        action=Action.ALLOW,
    )


async def wait_for(predicate: object, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        assert loop.time() < end, "condition not reached in time"
        await asyncio.sleep(0.01)


async def test_events_and_reports_are_written_in_batches(tmp_path: Path) -> None:
    store = SqlStore(tmp_path / "t.db")
    sink = TelemetrySink(store, batch_size=10, linger_s=0.01)
    sink.start()
    for i in range(25):
        assert sink.emit(event(i))
    assert sink.emit(UserReport(request_id="r1", tenant="acme", reason="harmful"))
    assert await sink.flush(5)
    assert len(store.recent_decisions("acme", limit=100)) == 25
    assert len(store.recent_reports("acme")) == 1
    stats = await sink.aclose()
    assert (stats.accepted, stats.written, stats.dropped, stats.buffered) == (26, 26, 0, 0)
    store.close()


async def test_locked_sqlite_buffers_and_retries_until_the_lock_goes(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = SqlStore(path, busy_timeout_ms=20)
    store.migrate()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    sink = TelemetrySink(store, linger_s=0.0, retry_initial_s=0.02, retry_max_s=0.05)
    sink.start()
    for i in range(5):
        assert sink.emit(event(i))  # never blocks, never raises
    await wait_for(lambda: sink.stats().write_errors >= 2)
    stats = sink.stats()
    assert stats.written == 0 and stats.buffered == 5 and stats.dropped == 0
    holder.execute("ROLLBACK")
    holder.close()
    assert await sink.flush(5)
    assert sink.stats().written == 5 and len(store.recent_decisions("acme")) == 5
    await sink.aclose()
    store.close()


async def test_postgres_down_buffers_then_overflow_is_counted() -> None:
    store = SqlStore("postgresql://postgres@127.0.0.1:1/test", connect_timeout_s=1)  # wrong port
    sink = TelemetrySink(store, max_buffer=10, batch_size=5, linger_s=0.0, retry_initial_s=0.05)
    sink.start()
    accepted = [sink.emit(event(i)) for i in range(30)]
    await wait_for(lambda: sink.stats().write_errors >= 1)
    assert sum(accepted) == 10 and accepted[:10] == [True] * 10
    for i in range(30, 40):  # the writer holds one batch: 5 more slots, then drops again
        sink.emit(event(i))
    stats = sink.stats()
    assert stats.written == 0
    assert stats.accepted == stats.buffered  # every accepted event is still held, none lost
    assert stats.dropped_overflow >= 20
    closed = await sink.aclose(timeout_s=0.1)
    assert closed.dropped_shutdown == stats.buffered and closed.buffered == 0
    assert closed.dropped == closed.accepted + closed.dropped_overflow - closed.written
    store.close()


class RejectingStore:
    def __init__(self) -> None:
        self.calls = 0

    def write_decisions(self, events: Sequence[DecisionEvent]) -> int:
        self.calls += 1
        raise ValueError("row rejected")

    def write_reports(self, reports: Sequence[UserReport]) -> int:
        return len(reports)


async def test_a_batch_the_store_keeps_rejecting_is_dropped_and_counted() -> None:
    store = RejectingStore()
    sink = TelemetrySink(store, linger_s=0.0, retry_initial_s=0.0, max_rejections=3)  # type: ignore[arg-type]
    sink.start()
    sink.emit(event(1))
    assert await sink.flush(5)
    stats = sink.stats()
    assert store.calls == 3 and stats.dropped_rejected == 1 and stats.written == 0
    await sink.aclose()


class PoisonedStore(RejectingStore):
    """Rejects any batch holding the poisoned request; stores the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.stored: list[str] = []

    def write_decisions(self, events: Sequence[DecisionEvent]) -> int:
        self.calls += 1
        if any(e.request_id == "poison" for e in events):
            raise ValueError("row rejected")
        self.stored += [e.request_id for e in events]
        return len(events)


async def test_one_rejected_event_costs_only_itself() -> None:
    """A caller's odd character must not erase the other events of its batch (audit records)."""
    store = PoisonedStore()
    sink = TelemetrySink(store, linger_s=0.0, retry_initial_s=0.0, max_rejections=3)  # type: ignore[arg-type]
    for i in range(40):
        sink.emit(event(i) if i != 17 else event(0).model_copy(update={"request_id": "poison"}))
    sink.start()
    assert await sink.flush(5)
    stats = sink.stats()
    assert sorted(store.stored) == sorted(f"r{i}" for i in range(40) if i != 17)
    assert stats.dropped_rejected == 1 and stats.written == 39
    await sink.aclose()


async def test_text_with_nul_or_a_lone_surrogate_is_stored(tmp_path: Path) -> None:
    store = SqlStore(str(tmp_path / "odd.db"))
    store.migrate()
    odd = event(1).model_copy(update={"text": "a\ud800b\x00c"})
    assert store.write_decisions([odd, event(2)]) == 2
    texts = {e.request_id: e.text for e in store.recent_decisions("acme")}
    assert texts["r1"] == "a\ufffdb\ufffdc"
    store.close()


async def test_emit_before_start_is_kept_and_written_later(tmp_path: Path) -> None:
    n = 3
    store = SqlStore(tmp_path / "t.db")
    sink = TelemetrySink(store, linger_s=0.0)
    for i in range(n):
        sink.emit(event(i))
    assert sink.stats().buffered == n
    sink.start()
    assert await sink.flush(5)
    assert sink.stats().written == n
    await sink.aclose()
    store.close()


class SlowStore:
    """A store whose write takes ``delay_s`` and then really stores the batch."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.stored: list[DecisionEvent] = []

    def write_decisions(self, events: Sequence[DecisionEvent]) -> int:
        import time

        time.sleep(self.delay_s)
        self.stored += events
        return len(events)

    def write_reports(self, reports: Sequence[UserReport]) -> int:
        return len(reports)


async def test_a_write_running_at_close_that_finishes_counts_as_written() -> None:
    """Before, a batch in the writer thread at close was counted as dropped *and* stored."""
    store = SlowStore(delay_s=0.3)
    sink = TelemetrySink(store, linger_s=0.0)  # type: ignore[arg-type]
    sink.start()
    for i in range(3):
        sink.emit(event(i))
    await wait_for(lambda: sink.stats().buffered == 3 and sink._writing is not None)
    stats = await sink.aclose(timeout_s=0.05, grace_s=2.0)  # flush times out mid-write
    assert len(store.stored) == 3
    assert (stats.written, stats.dropped_shutdown, stats.buffered) == (3, 0, 0)


async def test_a_write_outlasting_the_grace_is_counted_as_dropped() -> None:
    store = SlowStore(delay_s=0.5)
    sink = TelemetrySink(store, linger_s=0.0)  # type: ignore[arg-type]
    sink.start()
    sink.emit(event(1))
    await wait_for(lambda: sink._writing is not None)
    stats = await sink.aclose(timeout_s=0.01, grace_s=0.05)
    assert (stats.written, stats.dropped_shutdown) == (0, 1)


class CountingStore(SlowStore):
    """A slow store that records the most writes it ever had running at once."""

    def __init__(self, delay_s: float) -> None:
        super().__init__(delay_s)
        import threading

        self._lock = threading.Lock()
        self.running = 0
        self.most_at_once = 0

    def write_decisions(self, events: Sequence[DecisionEvent]) -> int:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            return super().write_decisions(events)
        finally:
            with self._lock:
                self.running -= 1


async def closed_mid_write(store: CountingStore) -> tuple[TelemetrySink, SinkStats]:
    """A started sink closed while its first write (event 1) still runs past the grace."""
    sink = TelemetrySink(store, linger_s=0.0)  # type: ignore[arg-type]
    sink.start()
    sink.emit(event(1))
    await wait_for(lambda: sink._writing is not None)
    return sink, await sink.aclose(timeout_s=0.01, grace_s=0.02)


async def test_a_sink_restarted_while_a_write_outlasts_its_grace_never_writes_twice_at_once() -> (
    None
):
    """Before, the restarted sink got a new writer thread beside the one still writing."""
    store = CountingStore(delay_s=0.4)
    sink, closed = await closed_mid_write(store)
    assert closed.dropped_shutdown == 1
    sink.start()
    sink.emit(event(2))
    assert await sink.flush(5)
    await sink.aclose()
    assert store.most_at_once == 1
    assert sorted(e.request_id for e in store.stored) == sorted(
        [event(1).request_id, event(2).request_id]
    )


async def test_a_second_close_while_the_straggler_still_runs_keeps_one_writer() -> None:
    """Before, the second close forgot the write still running and replaced the writer."""
    store = CountingStore(delay_s=0.5)
    sink, _ = await closed_mid_write(store)
    sink.start()
    await sink.aclose(timeout_s=0.01, grace_s=0.02)  # nothing new written; the first still runs
    sink.start()
    sink.emit(event(2))
    assert await sink.flush(5)
    await sink.aclose()
    assert store.most_at_once == 1 and len(store.stored) == 2


async def test_a_close_whose_queued_write_is_cancelled_neither_raises_nor_loses_a_count() -> None:
    """Before, the write queued behind the straggler was cancelled with the task, and the
    close raised CancelledError (nobody had cancelled the caller) and lost its event's count."""
    store = CountingStore(delay_s=0.5)
    sink, _ = await closed_mid_write(store)
    sink.start()
    sink.emit(event(2))
    await wait_for(lambda: sink._writing is not None)  # queued behind the first write
    stats = await sink.aclose(timeout_s=0.01, grace_s=0.02)
    assert (stats.accepted, stats.written, stats.dropped_shutdown) == (2, 0, 2)
    assert stats.buffered == 0 and store.most_at_once == 1


async def test_a_sink_started_again_after_close_still_writes() -> None:
    """Before, the closed writer pool made every later write fail as a 'rejected' event."""
    store = SlowStore(delay_s=0.0)
    sink = TelemetrySink(store, linger_s=0.0)  # type: ignore[arg-type]
    sink.start()
    await sink.aclose()
    sink.start()
    sink.emit(event(1))
    assert await sink.flush(5)
    stats = await sink.aclose()
    assert (stats.written, stats.dropped) == (1, 0) and len(store.stored) == 1
