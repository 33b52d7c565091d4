"""Prometheus metrics of one gateway app, on its own registry (no process-global state).

A private ``CollectorRegistry`` per app lets tests, and two apps in one process, count
independently. Names follow Prometheus conventions so Flagger or Argo Rollouts can gate a rollout
on the block rate, the error rate and the added latency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from safeship.types import Action, Decision

_LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_GUARD_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


class GatewayMetrics:
    """The gateway's counters and histograms."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
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

    def watch(
        self,
        samples: Callable[[], list[tuple[str, str, float]]],
        buffered: Callable[[], int],
    ) -> None:
        """Export counters kept by the runtime controls and the telemetry sink at scrape time."""
        self.registry.register(_RuntimeCollector(samples, buffered))

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
        """The text exposition format."""
        return generate_latest(self.registry)


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
