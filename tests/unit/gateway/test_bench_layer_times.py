"""bench.gateway_load reads each detector layer's time off a gateway's /metrics, and its CPU."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from bench.gateway_load import _cpu_s, _descendants, _stat, layer_times

from safeship.gateway.metrics import GatewayMetrics
from safeship.types import Action, Decision, Stage


def _decision(stage: Stage, **timings_ms: float) -> Decision:
    return Decision(
        action=Action.ALLOW, stage=stage, feature="f", tier="anonymous", timings_ms=timings_ms
    )


def test_layer_times_reads_counts_means_and_the_p99_bucket() -> None:
    metrics = GatewayMetrics()
    for _ in range(99):
        metrics.observe_detectors(_decision(Stage.OUTPUT, toxicity=0.3, harmful_response=0.1))
    metrics.observe_detectors(_decision(Stage.OUTPUT, toxicity=0.3, harmful_response=40.0))
    metrics.observe_detectors(_decision(Stage.INPUT, pii=0.2))
    rows = {(stage, layer): rest for stage, layer, *rest in layer_times(metrics.render().decode())}
    assert set(rows) == {("output", "toxicity"), ("output", "harmful_response"), ("input", "pii")}
    n, mean, bound = rows[("output", "harmful_response")]
    assert n == 100 and mean == pytest.approx((99 * 0.1 + 40.0) / 100, rel=1e-6)
    assert bound == pytest.approx(0.5)  # 99 of 100 checks fell under the 0.5 ms bucket
    assert rows[("output", "toxicity")][0] == 100 and rows[("input", "pii")][0] == 1
    assert layer_times("") == []


BURNER = """
import time
end = time.process_time() + 1.0
while time.process_time() < end:
    pass
time.sleep(60)
"""
SERVER = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {BURNER!r}])"


def test_cpu_of_a_server_adds_up_its_workers() -> None:
    """A ``--workers`` gateway does its work in child processes: the bench must count them."""
    server = subprocess.Popen([sys.executable, "-c", SERVER])
    try:
        deadline = time.monotonic() + 30
        while _cpu_s(server.pid) < 1.0:
            assert time.monotonic() < deadline, "the worker's CPU never showed up"
            time.sleep(0.1)
        own = _stat(server.pid)
        assert (int(own[11]) + int(own[12])) / os.sysconf("SC_CLK_TCK") < 0.9  # idle itself
    finally:
        for pid in reversed(_descendants(server.pid)):
            os.kill(pid, signal.SIGKILL)
        server.wait()
