"""``--workers``: what a worker needs from the parent, and metrics merged across processes.

The merged ``/metrics`` is checked across real processes: prometheus_client picks its
multiprocess value class at import, so each "worker" here is a spawned interpreter started
with ``PROMETHEUS_MULTIPROC_DIR`` set, as uvicorn's workers are.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from safeship.cli.serve import build_config
from safeship.gateway import GatewayConfig
from safeship.gateway import workers as workers_module
from safeship.gateway.metrics import MULTIPROC_ENV
from safeship.gateway.workers import CONFIG_ENV, check_workers, worker_app

FULL: dict[str, Any] = {
    "upstream": {"base_url": "http://127.0.0.1:9/v1", "api_key_env": "UPSTREAM_KEY"},
    "api_keys": [{"id": "a", "sha256": "a" * 64, "tenant": "t", "feature": "chat"}],
    "candidate_policies": {"next": "/tmp/next.yaml"},
    "controls": {
        "redis_url": "redis://127.0.0.1:6379/0",
        "limits": [{"name": "u", "scope": "user", "rate": "5/minute", "fail_mode": "closed"}],
    },
    "store": {"url": None},
    "tools": {
        "chat": {
            "allow": [
                {
                    "name": "refund",
                    "irreversible": True,
                    "schema": {"type": "object", "properties": {"id": {"type": "integer"}}},
                }
            ],
            "confirm_secret_env": "SAFESHIP_TEST_TOOL_SECRET",
        }
    },
}


def test_more_than_one_worker_needs_redis() -> None:
    no_redis = GatewayConfig.model_validate({"upstream": {"base_url": "http://127.0.0.1:9/v1"}})
    check_workers(no_redis, 1)
    with pytest.raises(ValueError, match=r"controls\.redis_url.*--redis-url"):
        check_workers(no_redis, 2)
    for bad in (0, 65):
        with pytest.raises(ValueError, match="between 1 and 64"):
            check_workers(no_redis, bad)
    quick = build_config(None, None, "http://127.0.0.1:9/v1", None, "redis://127.0.0.1:6379/3")
    assert quick.controls.redis_url == "redis://127.0.0.1:6379/3"
    check_workers(quick, 4)


def test_a_worker_rebuilds_exactly_the_parents_config(monkeypatch: pytest.MonkeyPatch) -> None:
    config = GatewayConfig.model_validate(FULL)
    monkeypatch.setenv(CONFIG_ENV, json.dumps(config.model_dump(mode="json", by_alias=True)))
    built: list[GatewayConfig] = []
    monkeypatch.setattr(
        "safeship.gateway.app.create_app", lambda cfg: built.append(cfg) or FastAPI()
    )
    worker_app()
    assert built == [config]
    assert (
        built[0].tools["chat"].allow[0].json_schema == FULL["tools"]["chat"]["allow"][0]["schema"]
    )


def test_a_worker_without_the_parents_config_says_how_to_start_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    with pytest.raises(RuntimeError, match="safeship serve --workers"):
        worker_app()


def test_workers_share_one_tool_secret_unless_one_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    config = GatewayConfig.model_validate(FULL)
    monkeypatch.delenv("SAFESHIP_TEST_TOOL_SECRET", raising=False)
    workers_module._share_tool_secrets(config)
    made = os.environ["SAFESHIP_TEST_TOOL_SECRET"]
    assert len(made) == 64
    workers_module._share_tool_secrets(config)
    assert os.environ["SAFESHIP_TEST_TOOL_SECRET"] == made  # set once, then kept
    monkeypatch.setenv("SAFESHIP_TEST_TOOL_SECRET", "operator-chosen")
    workers_module._share_tool_secrets(config)
    assert os.environ["SAFESHIP_TEST_TOOL_SECRET"] == "operator-chosen"


def _worker(requests: int, samples: list[float], leave: bool, out: Any) -> None:
    """One worker: count requests, mirror a runtime counter as it grows, maybe exit cleanly."""
    from safeship.gateway.metrics import GatewayMetrics

    metrics = GatewayMetrics()
    seen = iter(samples)
    current = [0.0]

    def read() -> list[tuple[str, str, float]]:
        return [("safeship_limiter_denied", "denied", current[0])]

    metrics.watch(read, lambda: 3)
    for value in seen:
        current[0] = value
        metrics.sync_runtime()
    for _ in range(requests):
        metrics.requests.labels("chat", "200").inc()
    metrics.latency.labels("chat").observe(0.004)
    out.put(metrics.render().decode())
    if leave:
        metrics.close()


def test_metrics_add_up_every_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    # the first worker dies without its clean exit (kill -9): its live gauge must not count
    for requests, samples, leave in ((3, [2.0, 5.0], False), (2, [1.0, 4.0], False)):
        proc = ctx.Process(target=_worker, args=(requests, samples, leave, out))
        proc.start()
        proc.join(60)
        assert proc.exitcode == 0
    out.get(timeout=5)
    merged = out.get(timeout=5)  # the second worker's scrape, after the first one left
    assert 'safeship_gateway_requests_total{endpoint="chat",status="200"} 5.0' in merged
    assert 'safeship_gateway_request_seconds_count{endpoint="chat"} 2.0' in merged
    assert "safeship_limiter_denied_total 9.0" in merged  # 5 + 4, by increase, not 2+5+1+4
    assert "safeship_gateway_workers 1.0" in merged  # the dead first worker is not counted
    assert "safeship_sink_buffered 3.0" in merged
