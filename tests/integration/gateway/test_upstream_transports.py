"""Both upstream transports over real sockets: the same answers, the same clean errors.

The gateway's own upstream client is an ``httpx.AsyncClient`` on httpx's transport or on
aiohttp's (``upstream.transport``); these tests build the gateway without injecting a client, so
the configured transport is the one that talks to a real server on loopback.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import StreamingResponse

from safeship.gateway import GatewayConfig, create_app
from safeship.gateway.config import UpstreamConfig
from safeship.gateway.errors import GatewayError
from safeship.gateway.mock import create_mock_upstream, serve_in_thread
from safeship.gateway.upstream import Upstream, upstream_client
from safeship.guard import Guard
from safeship.policy.load import parse_policy

pytestmark = pytest.mark.integration
TRANSPORTS = ["httpx", "aiohttp"]
POLICY = """
version: 1
name: transports
default_feature: chat
features:
  chat:
    input: [{detector: secrets}]
    output: [{detector: secrets}]
    actions: {default: block, secrets: redact}
"""


def chat(text: str, **kw: Any) -> dict[str, Any]:
    return {"model": "mock-1", "messages": [{"role": "user", "content": text}], **kw}


@asynccontextmanager
async def gateway(upstream: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    config = GatewayConfig.model_validate({"upstream": upstream, "store": {"url": None}})
    guard = Guard(parse_policy(POLICY, "transports.yaml"), embedder=None)
    app = create_app(config, guard=guard)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_chat_stream_and_redaction_are_the_same_on_both_transports(kind: str) -> None:
    key = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    with serve_in_thread(create_mock_upstream()) as url:
        async with gateway({"base_url": f"{url}/v1", "transport": kind}) as client:
            plain = await client.post("/v1/chat/completions", json=chat("say: hello there"))
            redacted = await client.post("/v1/chat/completions", json=chat(f"say: token {key}"))
            streamed = await client.post(
                "/v1/chat/completions", json=chat("say: streamed words", stream=True)
            )
            models = await client.get("/v1/models")
    assert plain.status_code == 200
    assert plain.json()["choices"][0]["message"]["content"] == "hello there"
    said = redacted.json()["choices"][0]["message"]["content"]
    assert key not in said and said.startswith("token ")
    assert streamed.status_code == 200 and streamed.text.endswith("data: [DONE]\n\n")
    pieces = [
        json.loads(line[5:])["choices"][0]["delta"].get("content", "")
        for line in streamed.text.splitlines()
        if line.startswith("data: {")
    ]
    assert "".join(pieces) == "streamed words"
    assert models.status_code == 200 and models.json()["data"]


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_an_upstream_that_is_down_is_a_quick_502_on_both_transports(kind: str) -> None:
    upstream = {"base_url": f"http://127.0.0.1:{closed_port()}/v1", "transport": kind}
    async with gateway(upstream) as client:
        start = time.monotonic()
        r = await client.post("/v1/chat/completions", json=chat("hi"))
        s = await client.post("/v1/chat/completions", json=chat("hi", stream=True))
        took = time.monotonic() - start
    assert took < 5
    for reply in (r, s):
        assert reply.status_code == 502
        assert reply.json()["error"]["type"] == "upstream_unavailable"


def stalling_upstream() -> FastAPI:
    """Answers nothing for far longer than the gateway's read timeout."""
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def answer(request: Request) -> StreamingResponse:
        async def events() -> AsyncIterator[bytes]:
            for _ in range(300):
                if await request.is_disconnected():
                    return
                await asyncio.sleep(0.1)
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_a_stalled_upstream_is_a_504_in_time_on_both_transports(kind: str) -> None:
    with serve_in_thread(stalling_upstream()) as url:
        upstream = {"base_url": f"{url}/v1", "transport": kind, "read_timeout_s": 0.5}
        async with gateway(upstream) as client:
            start = time.monotonic()
            r = await client.post("/v1/chat/completions", json=chat("hi"))
            took = time.monotonic() - start
    assert took < 5
    assert r.status_code == 504 and r.json()["error"]["type"] == "upstream_timeout"


def test_auto_picks_aiohttp_when_it_is_installed_and_httpx_can_be_forced() -> None:
    from httpx_aiohttp import AiohttpTransport

    auto = upstream_client(UpstreamConfig(base_url="http://x/v1"))
    plain = upstream_client(UpstreamConfig(base_url="http://x/v1", transport="httpx"))
    assert isinstance(auto._transport, AiohttpTransport)
    assert isinstance(plain._transport, httpx.AsyncHTTPTransport)


async def test_an_aiohttp_error_httpx_does_not_know_is_a_502_not_a_500() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise aiohttp.ClientPayloadError("truncated body")

    client = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    upstream = Upstream(client, UpstreamConfig(base_url="http://x/v1"), None)
    with pytest.raises(GatewayError) as caught:
        await upstream.call("POST", "/chat/completions", {})
    await client.aclose()
    assert caught.value.status == 502 and "ClientPayloadError" in caught.value.message


def cookie_setting_upstream(seen: list[str | None]) -> FastAPI:
    """Sets a session cookie on every answer and records the Cookie header it was sent."""
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def answer(request: Request) -> Any:
        from starlette.responses import JSONResponse

        seen.append(request.headers.get("cookie"))
        reply = JSONResponse(
            {
                "id": "c1",
                "object": "chat.completion",
                "model": "mock-1",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "ok"},
                        "finish_reason": "stop",
                    }
                ],
            }
        )
        reply.set_cookie("lb_session", f"caller-{len(seen)}")
        return reply

    return app


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_a_cookie_the_upstream_sets_for_one_caller_never_reaches_the_next(kind: str) -> None:
    seen: list[str | None] = []
    with serve_in_thread(cookie_setting_upstream(seen)) as url:
        # a host name, not an IP: aiohttp's default jar keeps cookies only for names
        named = url.replace("127.0.0.1", "localhost")
        async with gateway({"base_url": f"{named}/v1", "transport": kind}) as client:
            first = await client.post("/v1/chat/completions", json=chat("hello"))
            second = await client.post("/v1/chat/completions", json=chat("hello again"))
    assert first.status_code == second.status_code == 200
    assert seen == [None, None]


def test_a_shared_client_with_the_default_jar_would_leak_the_cookie() -> None:
    """The control for the test above: the same upstream does set a cookie that sticks."""
    seen: list[str | None] = []
    with serve_in_thread(cookie_setting_upstream(seen)) as url:
        with httpx.Client(base_url=url.replace("127.0.0.1", "localhost")) as plain:
            for _ in range(2):
                plain.post("/v1/chat/completions", json=chat("hi"))
    assert seen == [None, "lb_session=caller-1"]
