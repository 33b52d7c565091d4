"""``safeship serve --workers 2`` for real: one port, two processes, one Redis between them.

The server runs as a subprocess in front of the mock upstream; every request opens its own
connection (the kernel hands each to either worker), and the checks are the ones a second
worker could break: a limit counted once for the host, a kill switch and a policy reload that
reach both workers, ``/metrics`` adding up both workers' counts, and start-up refused without
Redis.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tests.integration.gateway.served import free_port, stop, wait_for

from safeship.gateway import hash_key
from safeship.gateway.mock import create_mock_upstream, serve_in_thread

pytestmark = pytest.mark.integration

OPERATOR = "adm-op-workers"
OP = {"Authorization": f"Bearer {OPERATOR}"}
POLICY = """
version: 1
name: workers-{generation}
default_feature: chat
features:
  chat:
    input: [{{detector: secrets}}]
    output: [{{detector: secrets}}]
    actions: {{default: block, secrets: redact}}
    rules:
      deny:
        - name: banned
          keywords: ["{banned}"]
          category: prompt_injection
"""
SAFESHIP = Path(sys.executable).with_name("safeship")


@pytest.fixture()
def upstream() -> Iterator[str]:
    with serve_in_thread(create_mock_upstream()) as url:
        yield f"{url}/v1"


def write_policy(path: Path, generation: int, banned: str) -> None:
    path.write_text(POLICY.format(generation=generation, banned=banned))


def start(command: list[str], work: Path) -> tuple[subprocess.Popen[bytes], Path]:
    log = work / "serve.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with log.open("wb") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=work)
    return proc, log


def chat(text: str, user: str) -> dict[str, Any]:
    return {"model": "mock-1", "messages": [{"role": "user", "content": text}], "user": user}


async def fan_out(url: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """Send every body at once, each on its own connection (so both workers take some)."""

    async def one(body: dict[str, Any]) -> httpx.Response:
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(f"{url}/v1/chat/completions", json=body)

    return list(await asyncio.gather(*(one(b) for b in bodies)))


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition ``text`` (0 if absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{name}(?:\{{{re.escape(wanted)}\}})? (\S+)$" if labels else rf"^{name} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_two_workers_share_limits_switches_reloads_and_metrics(
    tmp_path: Path, upstream: str, redis_url: str, prefix: str
) -> None:
    policy = tmp_path / "policy.yaml"
    write_policy(policy, 1, "purple elephant protocol")
    config = {
        "upstream": {"base_url": upstream},
        "policy": str(policy),
        "store": {"url": None},
        "controls": {
            "redis_url": redis_url,
            "key_prefix": prefix,
            "limits": [{"name": "per-user", "scope": "user", "rate": "12/minute"}],
        },
        "admin": {"token_sha256": hash_key(OPERATOR)},
    }
    (tmp_path / "gateway.yaml").write_text(yaml.safe_dump(config))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(SAFESHIP), "serve", "--config", "gateway.yaml", "--port", str(port)]
    proc, log = start([*command, "--workers", "2"], tmp_path)
    try:
        wait_for(f"{url}/readyz", proc, log, "safeship serve --workers 2")
        deadline = time.monotonic() + 60
        while metric(httpx.get(f"{url}/metrics").text, "safeship_gateway_workers") != 2:
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)

        # one limit for the host: 12 per minute for this user, whichever worker counts
        limited = asyncio.run(fan_out(url, [chat("hello", "u-limit")] * 16))
        codes = sorted(r.status_code for r in limited)
        assert codes.count(200) == 12 and codes.count(429) == 4, codes
        merged = httpx.get(f"{url}/metrics").text
        endpoint = "chat"
        assert (
            metric(merged, "safeship_gateway_requests_total", endpoint=endpoint, status="200") == 12
        )
        assert (
            metric(merged, "safeship_gateway_requests_total", endpoint=endpoint, status="429") == 4
        )
        # the limiter's own counter is mirrored into the merged view within a second
        mirrored = time.monotonic()
        while metric(httpx.get(f"{url}/metrics").text, "safeship_limiter_denied_total") != 4:
            assert time.monotonic() - mirrored < 2.0, "limiter denials not merged after 2 s"
            time.sleep(0.1)

        # a reload on the worker that answers reaches the other one
        write_policy(policy, 2, "hello there gateway")
        reloaded = httpx.post(f"{url}/admin/policy/reload", headers=OP)
        assert reloaded.status_code == 200, reloaded.text
        assert reloaded.json()["announced"] is True
        assert reloaded.json()["policies"]["live"].startswith("workers-2")
        time.sleep(1.5)
        after = asyncio.run(
            fan_out(url, [chat("hello there gateway", f"u-reload-{i}") for i in range(8)])
        )
        assert all(r.json()["safeship"]["action"] == "block" for r in after), [
            r.text for r in after
        ]
        followed = re.findall(r"worker (\d+): policy reloaded on announcement", log.read_text())
        assert len(followed) == 1, log.read_text()[-2000:]

        # a kill switch flipped through one worker stops both within a second
        assert httpx.post(f"{url}/admin/flags/chat/kill", headers=OP).status_code == 200
        time.sleep(1.0)
        killed = asyncio.run(fan_out(url, [chat("hi", f"u-kill-{i}") for i in range(8)]))
        assert {r.status_code for r in killed} == {503}
    finally:
        stop(proc)
    assert proc.returncode == 0, log.read_text()[-2000:]
    assert "Traceback" not in log.read_text()


def test_workers_without_redis_are_refused_at_start_up(tmp_path: Path, upstream: str) -> None:
    port = free_port()
    command = [
        str(SAFESHIP), "serve", "--upstream", upstream, "--port", str(port), "--workers", "2",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode != 0
    assert "controls.redis_url" in done.stderr and "--redis-url" in done.stderr
    assert "Traceback" not in done.stderr
