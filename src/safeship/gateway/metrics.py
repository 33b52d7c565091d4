"""Prometheus metrics of one gateway app, on its own registry (no process-global state).

A private ``CollectorRegistry`` per app lets tests, and two apps in one process, count
independently. Names follow Prometheus conventions so Flagger or Argo Rollouts can gate a rollout
on the block rate, the error rate and the added latency.

Under ``safeship serve --workers N`` (``PROMETHEUS_MULTIPROC_DIR`` set before the worker
started) a scrape reaches one worker, chosen by the kernel, yet must show the whole host: every
worker's samples go to files in that directory, and ``render`` merges them with
``MultiProcessCollector``. The counters the runtime controls and the sink keep in plain Python
attributes are mirrored into multiprocess counters (by their increase) every second and at each
scrape, and ``safeship_gateway_workers`` counts the workers alive.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from safeship.types import Action, Decision

_LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_GUARD_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
Samples = Callable[[], list[tuple[str, str, float]]]
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """The shared metrics directory of a multi-worker server, if this process is one of them."""
    return os.environ.get(MULTIPROC_ENV) or None


class GatewayMetrics:
    """The gateway's counters and histograms."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.multiprocess = multiprocess_dir() is not None
        self._watched: tuple[Samples, Callable[[], int]] | None = None
        self._mirrored: dict[str, tuple[Counter, float]] = {}
        self._buffered: Gauge | None = None
        self.requests = Counter(
            "safeship_gateway_requests",
            "Requests by endpoint and status",
            ["endpoint", "status"],
            registry=r,
        )
        self.decisions = Counter(
            "safeship_gateway_decisions",
            "Guard decisions by stage and action",
            ["stage", "action"],
            registry=r,
        )
        self.blocks = Counter(
            "safeship_gateway_blocks",
            "Blocked texts by stage and category",
            ["stage", "category"],
            registry=r,
        )
        self.warnings = Counter(
            "safeship_gateway_warnings",
            "Texts allowed with a warning, by stage and category (e.g. unsupported_language)",
            ["stage", "category"],
            registry=r,
        )
        self.errors = Counter(
            "safeship_gateway_errors",
            "Errors by type (HTTP errors, detector failures)",
            ["type"],
            registry=r,
        )
        self.latency = Histogram(
            "safeship_gateway_request_seconds",
            "End-to-end request latency",
            ["endpoint"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.guard_latency = Histogram(
            "safeship_gateway_guard_seconds",
            "Time spent in guard checks",
            ["stage"],
            buckets=_GUARD_BUCKETS,
            registry=r,
        )
        self.detector_latency = Histogram(
            "safeship_gateway_detector_seconds",
            "Time of each detector layer in guard checks, by stage and layer: which one drives "
            "the guard's tail (an embedding stage, a long text)",
            ["stage", "detector"],
            buckets=_GUARD_BUCKETS,
            registry=r,
        )
        self._detector_children: dict[tuple[str, str], Histogram] = {}
        self.upstream_latency = Histogram(
            "safeship_gateway_upstream_seconds",
            "Upstream time to response headers",
            ["endpoint"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )

        self.shadow = Counter(
            "safeship_gateway_shadow_decisions",
            "Shadow-policy decisions by stage, same as or different from the live action",
            ["stage", "outcome"],
            registry=r,
        )

        if self.multiprocess:
            self._buffered = Gauge(
                "safeship_sink_buffered",
                "Telemetry events waiting for the store",
                multiprocess_mode="livesum",
                registry=r,
            )
            workers = Gauge(
                "safeship_gateway_workers",
                "Worker processes serving this gateway",
                multiprocess_mode="livesum",
                registry=r,
            )
            workers.set(1)

    def watch(self, samples: Samples, buffered: Callable[[], int]) -> None:
        """Export counters kept by the runtime controls and the telemetry sink at scrape time."""
        if self.multiprocess:
            self._watched = (samples, buffered)
            self.sync_runtime()
        else:
            self.registry.register(_RuntimeCollector(samples, buffered))

    def sync_runtime(self) -> None:
        """Mirror the watched counters into this worker's multiprocess files (by increase)."""
        if self._watched is None:
            return
        samples, buffered = self._watched
        for name, doc, value in samples():
            counter, last = self._mirrored.get(name) or (Counter(name, doc, registry=None), 0.0)
            if value > last:
                counter.inc(value - last)
            self._mirrored[name] = (counter, max(value, last))
        if self._buffered is not None:
            self._buffered.set(buffered())

    def close(self) -> None:
        """A worker's last act: its live gauges leave the merged view (no effect otherwise)."""
        if self.multiprocess:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

    def count_decision(self, decision: Decision) -> None:
        """Count one final decision: its action, block or warning categories, failed detectors."""
        stage = decision.stage.value
        self.decisions.labels(stage, decision.action.value).inc()
        if decision.blocked:
            category = decision.refusal.category if decision.refusal else "unknown"
            self.blocks.labels(stage, category).inc()
        elif decision.action is Action.WARN:
            for category in decision.categories or ("unknown",):
                self.warnings.labels(stage, category).inc()
        for _ in decision.errored:
            self.errors.labels("detector").inc()

    def observe_detectors(self, decision: Decision) -> None:
        """Observe each layer's own time in one check (its ``timings_ms``).

        The labelled children are kept, so a request pays a dict lookup per layer, not
        ``labels()`` (about 2 us each, nine layers, twice a request).
        """
        stage = decision.stage.value
        for layer, ms in decision.timings_ms.items():
            child = self._detector_children.get((stage, layer))
            if child is None:
                child = self.detector_latency.labels(stage, layer)
                self._detector_children[(stage, layer)] = child
            child.observe(ms / 1000)

    def render(self) -> bytes:
        """The text exposition format (every worker's, merged, under ``--workers``)."""
        if not self.multiprocess:
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        self.sync_runtime()
        _forget_dead_workers()
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return generate_latest(merged)


def _forget_dead_workers() -> None:
    """Drop the live gauges of workers that died without a clean exit (``kill -9``, OOM).

    Their files stay behind when the supervisor starts a replacement, and
    ``safeship_gateway_workers`` (and the buffered gauge) would count them forever.
    Counters keep a dead worker's counts, as they should.
    """
    from prometheus_client import multiprocess

    directory = multiprocess_dir()
    if directory is None:
        return
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid_text = path.stem.rsplit("_", 1)[-1]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            multiprocess.mark_process_dead(int(pid_text))  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class _RuntimeCollector(Collector):
    """Reads the controls' and sink's own counters when Prometheus scrapes (no double count)."""

    def __init__(
        self,
        samples: Callable[[], list[tuple[str, str, float]]],
        buffered: Callable[[], int],
    ) -> None:
        self._samples = samples
        self._buffered = buffered

    def collect(self) -> Iterator[Metric]:
        """One counter family per runtime counter, and the sink's buffer as a gauge."""
        for name, doc, value in self._samples():
            yield CounterMetricFamily(name, doc, value=value)
        yield GaugeMetricFamily(
            "safeship_sink_buffered",
            "Telemetry events waiting for the store",
            value=self._buffered(),
        )
