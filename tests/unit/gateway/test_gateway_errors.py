"""Errors keep one JSON shape and name the field; faults never hang or become a 500."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from gateway_support import chat, config, gateway

from safeship.guard import Guard


def assert_error(r: httpx.Response, status: int, type_: str, field: str | None = None) -> None:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) == {"type", "message", "field"}
    assert err["type"] == type_ and err["message"]
    if field is not None:
        assert err["field"] == field


async def test_malformed_json_is_400(guard: Guard) -> None:
    async with gateway(guard) as client:
        r = await client.post(
            "/v1/chat/completions",
            content=b'{"model": "m", "messages": [',
            headers={"content-type": "application/json"},
        )
    assert_error(r, 400, "invalid_json", "<body>")
    assert "line 1" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": 3, "messages": [{"role": "user", "content": "x"}]}, "model"),
        ({"model": "m", "messages": "hello"}, "messages"),
        ({"model": "m", "messages": [{"role": "user", "content": 5}]}, "messages.0.content"),
        ({"model": "m", "messages": [{"role": "wizard", "content": "x"}]}, "messages.0.role"),
        ({"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}, "stream"),
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
        ([1, 2], "<body>"),
    ],
)
async def test_wrong_types_are_400_naming_the_field(guard: Guard, body: object, field: str) -> None:
    async with gateway(guard) as client:
        r = await client.post("/v1/chat/completions", json=body)
    assert_error(r, 400, "invalid_request", field)


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"model": "m", "input": None}, "input", "valid string or Input should be a valid list"),
        ({"model": "m", "input": [{"role": "user", "content": 5}]}, "input.0.content", "string"),
        ({"model": "m", "input": [{"role": "wizard"}]}, "input.0.role", "'user'"),
        (
            {"model": "m", "input": [{"role": "user", "content": [{}]}]},
            "input.0.content.0.type",
            "required",
        ),
        ({"model": "m", "input": "x", "instructions": 3}, "instructions", "string"),
    ],
)
async def test_a_union_fields_deepest_problem_is_named(
    guard: Guard, body: object, field: str, says: str
) -> None:
    """``input`` is a string or a list of items: the error names the item at fault."""
    async with gateway(guard) as client:
        r = await client.post("/v1/responses", json=body)
    assert_error(r, 400, "invalid_request", field)
    assert says in r.json()["error"]["message"]


async def test_stream_with_several_choices_is_refused(guard: Guard) -> None:
    async with gateway(guard) as client:
        r = await client.post("/v1/chat/completions", json=chat("hi", stream=True, n=2))
    assert_error(r, 400, "invalid_request", "n")


async def test_oversize_body_is_413(guard: Guard) -> None:
    async with gateway(guard, config(max_body_bytes=2048)) as client:
        r = await client.post("/v1/chat/completions", json=chat("x" * 5000))

        async def chunked() -> object:
            for _ in range(10):
                yield b"x" * 1000

        r2 = await client.post("/v1/chat/completions", content=chunked())
    assert_error(r, 413, "body_too_large", "<body>")
    assert_error(r2, 413, "body_too_large", "<body>")


def failing(exc: Exception) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc

    return httpx.MockTransport(handle)


async def test_upstream_down_is_502(guard: Guard) -> None:
    transport = failing(httpx.ConnectError("refused"))
    async with gateway(guard, transport=transport) as client:
        r = await client.post("/v1/chat/completions", json=chat("hi"))
        s = await client.post("/v1/chat/completions", json=chat("hi", stream=True))
        m = await client.get("/v1/models")
    for resp in (r, s, m):
        assert_error(resp, 502, "upstream_unavailable")


async def test_upstream_timeout_is_504(guard: Guard) -> None:
    async with gateway(guard, transport=failing(httpx.ReadTimeout("slow"))) as client:
        r = await client.post("/v1/chat/completions", json=chat("hi"))
    assert_error(r, 504, "upstream_timeout")


async def test_slow_upstream_hits_the_total_timeout(guard: Guard) -> None:
    async def handle(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={})

    cfg = config(upstream={"base_url": "http://upstream.test/v1", "total_timeout_s": 0.2})
    async with gateway(guard, cfg, transport=httpx.MockTransport(handle)) as client:
        r = await asyncio.wait_for(client.post("/v1/chat/completions", json=chat("hi")), 3)
    assert_error(r, 504, "upstream_timeout")


async def test_upstream_errors_pass_through_and_garbage_is_502(guard: Guard) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if b"garbage" in request.content:
            return httpx.Response(200, content=b"<html>")
        if b"broken" in request.content:
            return httpx.Response(500, content=b"oops")
        err = {
            "error": {"type": "invalid_request_error", "message": "no such model", "param": "model"}
        }
        return httpx.Response(404, json=err)

    async with gateway(guard, transport=httpx.MockTransport(handle)) as client:
        missing = await client.post("/v1/chat/completions", json=chat("hi"))
        garbage = await client.post("/v1/chat/completions", json=chat("garbage"))
        broken = await client.post("/v1/chat/completions", json=chat("broken"))
    assert_error(missing, 404, "invalid_request_error", "model")
    assert_error(garbage, 502, "upstream_invalid_response")
    assert_error(broken, 502, "upstream_error")


async def test_upstream_failing_mid_stream_ends_the_stream_cleanly(guard: Guard) -> None:
    class Broken(httpx.AsyncByteStream):
        async def __aiter__(self) -> object:
            yield b'data: {"id": "1", "choices": [{"index": 0, "delta": {"content": "partial text"}}]}\n\n'
            raise httpx.ReadError("connection reset")

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Broken(), headers={"content-type": "text/event-stream"})

    async with gateway(guard, transport=httpx.MockTransport(handle)) as client:
        r = await client.post("/v1/chat/completions", json=chat("hi", stream=True))
    assert r.status_code == 200
    assert '"upstream_unavailable"' in r.text and r.text.endswith("data: [DONE]\n\n")
    assert "partial text" not in r.text  # held back, never checked, never sent


async def test_unknown_route_has_the_stable_shape(guard: Guard) -> None:
    async with gateway(guard) as client:
        r = await client.get("/v1/nothing-here")
    assert_error(r, 404, "not_found")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": [{"type": "text"}]}]},
            "messages.0.content.0",
        ),
        (
            "/v1/responses",
            {"model": "m", "input": [{"role": "user", "content": [{"type": "input_text"}]}]},
            "input.0.content.0",
        ),
    ],
)
async def test_a_text_part_without_text_is_a_400_naming_it(
    guard: Guard, path: str, body: dict[str, Any], field: str
) -> None:
    """Before, the guard's reader raised on it after validation: a 500."""
    async with gateway(guard) as client:
        r = await client.post(path, json=body)
    assert r.status_code == 400 and r.json()["error"]["field"] == field
