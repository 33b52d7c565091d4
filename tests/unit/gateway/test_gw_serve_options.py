"""``safeship serve``'s uvicorn settings, and the Responses memory TTL from the config.

X-Forwarded-For must be trusted only from proxies the operator lists: uvicorn's own default
trusts it from 127.0.0.1, so a same-host client could pick the address anonymous escalation is
keyed by. Both ways of serving (one process, ``--workers``) are checked through the CLI with
``uvicorn.run`` captured, and the captured settings are then served for real.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from gateway_support import config
from pydantic import ValidationError
from typer.testing import CliRunner

from safeship.cli.main import app as cli
from safeship.gateway import wiring
from safeship.gateway.config import parse_gateway_config
from safeship.gateway.conversation_memory import MemoryConversations, RedisConversations
from safeship.gateway.metrics import MULTIPROC_ENV
from safeship.gateway.workers import CONFIG_ENV, GRACEFUL_SHUTDOWN_S

UPSTREAM = "http://127.0.0.1:9/v1"


def _served_options(
    monkeypatch: pytest.MonkeyPatch, here: Path, *args: str, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """The keyword arguments ``safeship serve ARGS`` hands to ``uvicorn.run`` (under ``env``)."""
    env = env or {}
    seen: dict[str, Any] = {}

    def run(app: object, **kw: Any) -> None:
        seen.update(kw)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.chdir(here)  # no ./safeship.db in the tree
    monkeypatch.setenv(MULTIPROC_ENV, "")  # run_workers sets these; restored after the test
    monkeypatch.setenv(CONFIG_ENV, "")
    if "FORWARDED_ALLOW_IPS" not in env:
        monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--upstream", UPSTREAM, *args], env=env)
    assert result.exit_code == 0, result.output
    return seen


@pytest.mark.parametrize("workers", [[], ["--workers", "2", "--redis-url", "redis://h:1/0"]])
def test_no_proxy_is_trusted_unless_listed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, workers: list[str]
) -> None:
    default = _served_options(monkeypatch, tmp_path, *workers)
    assert default["proxy_headers"] is False
    assert "forwarded_allow_ips" not in default
    listed = _served_options(
        monkeypatch, tmp_path, *workers, "--forwarded-allow-ips", " 10.0.0.5, 10.0.0.6"
    )
    assert listed["proxy_headers"] is True
    assert listed["forwarded_allow_ips"] == "10.0.0.5,10.0.0.6"
    assert (listed.get("workers"), listed.get("factory")) == (
        (2, True) if workers else (None, None)
    )


@pytest.mark.parametrize("workers", [[], ["--workers", "2", "--redis-url", "redis://h:1/0"]])
def test_uvicorns_forwarded_allow_ips_variable_still_lists_the_proxies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, workers: list[str]
) -> None:
    """Deployments set ``FORWARDED_ALLOW_IPS`` for uvicorn; ignoring it would key every
    anonymous caller by the proxy's address after an upgrade, with no warning."""
    env = {"FORWARDED_ALLOW_IPS": "10.0.0.5"}
    from_env = _served_options(monkeypatch, tmp_path, *workers, env=env)
    assert (from_env["proxy_headers"], from_env["forwarded_allow_ips"]) == (True, "10.0.0.5")
    flag = _served_options(
        monkeypatch, tmp_path, *workers, "--forwarded-allow-ips", "10.0.0.6", env=env
    )
    assert flag["forwarded_allow_ips"] == "10.0.0.6"  # the flag wins over the variable


async def _client_host_seen(options: dict[str, Any]) -> str:
    """Serve an app echoing ``client.host`` with ``options``; ask it with a forged XFF."""

    async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        host = (scope.get("client") or ("-", 0))[0].encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": host})

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kw = {k: v for k, v in options.items() if k in ("proxy_headers", "forwarded_allow_ips")}
    server = uvicorn.Server(
        uvicorn.Config(echo, host="127.0.0.1", port=port, log_level="warning", **kw)
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient() as client:
            r = await client.get(
                f"http://127.0.0.1:{port}/", headers={"X-Forwarded-For": "6.6.6.6"}
            )
        return r.text
    finally:
        server.should_exit = True
        await task


async def test_a_forged_forwarded_for_is_ignored_by_the_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert await _client_host_seen(_served_options(monkeypatch, tmp_path)) == "127.0.0.1"
    trusting = _served_options(monkeypatch, tmp_path, "--forwarded-allow-ips", "127.0.0.1")
    assert await _client_host_seen(trusting) == "6.6.6.6"  # the listed proxy is believed


def test_the_responses_memory_ttl_comes_from_the_config() -> None:
    assert config().responses_memory_ttl_s == 6 * 3600
    memory = wiring.build_runtime(config(responses_memory_ttl_s=60)).conversations
    assert isinstance(memory, MemoryConversations) and memory.ttl_s == 60
    shared = config(responses_memory_ttl_s=90, controls={"redis_url": "redis://127.0.0.1:9/0"})
    redis = wiring.build_runtime(shared).conversations
    assert isinstance(redis, RedisConversations) and redis.ttl_s == 90


@pytest.mark.parametrize("ttl", [1e-9, 0.0001, 59.9, True, "3600"])
def test_the_responses_memory_ttl_is_a_number_of_at_least_a_minute(ttl: object) -> None:
    """A tiny TTL expires every entry at once: each continuation is ``missing`` and the split
    attack check is silently off. A boolean or a string is a mistake, not a number."""
    with pytest.raises(ValidationError, match="responses_memory_ttl_s"):
        config(responses_memory_ttl_s=ttl)


def test_a_whole_number_ttl_from_yaml_is_accepted() -> None:
    cfg = parse_gateway_config("upstream: {base_url: 'http://u/v1'}\nresponses_memory_ttl_s: 60")
    assert cfg.responses_memory_ttl_s == 60


@pytest.mark.parametrize("workers", [[], ["--workers", "2", "--redis-url", "redis://h:1/0"]])
def test_a_stopping_server_gives_requests_in_flight_a_deadline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, workers: list[str]
) -> None:
    options = _served_options(monkeypatch, tmp_path, *workers)
    assert options["timeout_graceful_shutdown"] == GRACEFUL_SHUTDOWN_S


async def test_a_request_that_never_ends_does_not_keep_the_server_up() -> None:
    """With the served options, a stopping server cancels a stuck request after the deadline
    (uvicorn's default waits for it for ever, and a ``--workers`` supervisor waits on that)."""
    from safeship.gateway.workers import uvicorn_options

    started = asyncio.Event()

    async def stuck(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        started.set()
        await asyncio.Event().wait()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = {**uvicorn_options(access_log=False), "timeout_graceful_shutdown": 0.5}
    server = uvicorn.Server(
        uvicorn.Config(stuck, host="127.0.0.1", port=port, lifespan="off", **options)
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    async with httpx.AsyncClient() as client:
        request = asyncio.create_task(client.get(f"http://127.0.0.1:{port}/"))
        await asyncio.wait_for(started.wait(), 5)
        server.should_exit = True
        await asyncio.wait_for(serving, 5)  # without the deadline this waits for ever
        try:
            answered = await request
        except httpx.HTTPError:
            return  # the connection closed under it: also an end
        assert answered.status_code >= 500  # the cancelled request is answered as an error
