"""A deterministic OpenAI-compatible model server, for tests, demos and the load benchmark.

The caller decides the answer: a last user message (or prompt) starting with ``say:`` is answered
with the rest verbatim (``{at}`` becoming ``@``), anything else with ``echo: <message>``. That
lets a test make the "model" leak PII or a canary without a real model, and an e-mail address the
input check never saw. A chat message ``call: [{"name": ..., "arguments": {...}}, ...]`` makes
the model propose those tool calls instead (streamed as OpenAI does: the name first, then the
arguments in pieces), so the tool-call guard can be tested. ``/v1/responses`` answers the same way
in the Responses API's shapes (:mod:`.mock_responses`), and ``/v1/embeddings`` with small
vectors hashed from each input (:func:`embedding_reply`). The same replies are served three
ways: as pure functions, as an ``httpx.MockTransport`` (unit tests, no sockets) and as a FastAPI app
(integration tests and benchmarks behind uvicorn, see ``serve_in_thread``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import socket
import struct
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from safeship.gateway.mock_responses import (
    answer_items,
    as_chat_body,
    response_events,
    response_object,
)

SSE = "text/event-stream"
MODELS = {"object": "list", "data": [{"id": "mock-1", "object": "model", "owned_by": "safeship"}]}


def tool_calls_asked(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The tool calls a ``call: [...]`` chat message asks for (None: an ordinary answer)."""
    users = [m for m in body.get("messages") or [] if m.get("role") == "user"]
    content = users[-1].get("content") if users else None
    if not isinstance(content, str) or not content.startswith("call:"):
        return None
    out = []
    for i, asked in enumerate(json.loads(content[5:])):
        arguments = asked.get("arguments", {})
        raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
        function = {"name": asked["name"], "arguments": raw}
        out.append({"id": f"call_{i}", "type": "function", "function": function})
    return out


def reply_text(body: dict[str, Any], replies: Sequence[tuple[str, str]] = ()) -> str:
    """What the mock model answers to a chat or completion request.

    ``replies`` pairs a question with a canned answer: a message that starts with a known
    question is answered with its answer followed by the rest of the message, so load tests can
    send natural chat turns, get natural answers and still keep every text unique.
    """
    if "messages" in body:
        users = [m for m in body["messages"] if m.get("role") == "user"]
        content = users[-1].get("content", "") if users else ""
        text = content if isinstance(content, str) else json.dumps(content)
    else:
        prompt = body.get("prompt", "")
        text = prompt if isinstance(prompt, str) else str(prompt[0] if prompt else "")
    if text.startswith("say:"):
        return text[4:].lstrip().replace("{at}", "@")
    for question, answer in replies:
        if text.startswith(question):
            return answer + text[len(question) :]
    return f"echo: {text}"


def completion(body: dict[str, Any], replies: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """A whole (non-streamed) response."""
    text, chat, calls = reply_text(body, replies), "messages" in body, tool_calls_asked(body)
    choice: dict[str, Any] = {"index": 0, "finish_reason": "stop", "logprobs": None}
    if calls:
        choice["message"] = {"role": "assistant", "content": None, "tool_calls": calls}
        choice["finish_reason"] = "tool_calls"
    elif chat:
        choice["message"] = {"role": "assistant", "content": text}
    else:
        choice["text"] = text
    return {
        "id": "mock-cmpl-1",
        "object": "chat.completion" if chat else "text_completion",
        "created": int(time.time()),
        "model": body.get("model", "mock-1"),
        "choices": [choice],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def chunks(
    body: dict[str, Any], size: int = 8, replies: Sequence[tuple[str, str]] = ()
) -> list[dict[str, Any]]:
    """The streamed response: a role chunk, the text in ``size``-character pieces, a finish."""
    text, chat = reply_text(body, replies), "messages" in body
    base = {
        "id": "mock-cmpl-1",
        "object": "chat.completion.chunk" if chat else "text_completion",
        "created": int(time.time()),
        "model": body.get("model", "mock-1"),
    }

    def make(piece: str | None, finish: str | None, role: bool = False) -> dict[str, Any]:
        if chat:
            delta: dict[str, Any] = {"role": "assistant", "content": ""} if role else {}
            if piece is not None:
                delta["content"] = piece
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
        else:
            choice = {"index": 0, "text": piece or "", "finish_reason": finish}
        return {**base, "choices": [choice]}

    out = [make(None, None, role=True)] if chat else []
    calls = tool_calls_asked(body)
    if calls:
        return [*out, *_tool_call_chunks(base, calls, size)]
    out += [make(text[i : i + size], None) for i in range(0, len(text), size)]
    return [*out, make(None, "stop")]


def _tool_call_chunks(
    base: dict[str, Any], calls: list[dict[str, Any]], size: int
) -> list[dict[str, Any]]:
    """Tool calls as OpenAI streams them: id and name first, then argument pieces, a finish."""

    def make(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    out = []
    for i, call in enumerate(calls):
        function = {"name": call["function"]["name"], "arguments": ""}
        head = {"index": i, "id": call["id"], "type": "function", "function": function}
        out.append(make({"tool_calls": [head]}))
        raw = call["function"]["arguments"]
        out += [
            make({"tool_calls": [{"index": i, "function": {"arguments": raw[j : j + size]}}]})
            for j in range(0, len(raw), size)
        ]
    return [*out, make({}, "tool_calls")]


def embedding_vector(item: str | list[int], dimensions: int = 8) -> list[float]:
    """A deterministic vector for one input: its hash's bytes as multiples of 1/256 in [-0.5, 0.5).

    Multiples of 1/256 are exact in float32, so a vector survives the base64 round trip the
    ``openai`` client asks for by default and tests can compare it with ``==``.
    """
    raw = hashlib.shake_256(json.dumps(item).encode()).digest(dimensions)
    return [b / 256 - 0.5 for b in raw]


def embedding_reply(body: dict[str, Any]) -> dict[str, Any]:
    """The answer to ``POST /v1/embeddings`` in OpenAI's shape (``encoding_format`` honoured).

    ``dimensions`` sets the vector length (8 by default); usage counts words of text inputs and
    ids of token inputs, so a test can see the upstream's usage come back unchanged.
    """
    given = body.get("input")
    items: list[Any] = (
        [given] if isinstance(given, str) or (given and isinstance(given[0], int)) else given or []
    )
    dimensions = body.get("dimensions") or 8
    data = []
    for index, item in enumerate(items):
        vector = embedding_vector(item, dimensions)
        encoded: Any = vector
        if body.get("encoding_format") == "base64":
            encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(len(i.split()) if isinstance(i, str) else len(i) for i in items)
    return {
        "object": "list",
        "data": data,
        "model": body.get("model", "mock-embed-1"),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def sse_body(events: list[dict[str, Any]]) -> bytes:
    """Events as one SSE body ending in ``[DONE]``."""
    lines = [f"data: {json.dumps(e)}\n\n" for e in events]
    return "".join([*lines, "data: [DONE]\n\n"]).encode()


def mock_transport(size: int = 8) -> httpx.MockTransport:
    """The mock server as an in-process transport for an ``httpx.AsyncClient``."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/models"):
            return httpx.Response(200, json=MODELS)
        body = json.loads(request.content)
        if request.url.path.endswith("/embeddings"):
            return httpx.Response(200, json=embedding_reply(body))
        if request.url.path.endswith("/responses"):
            return _responses_reply(body, size)
        if body.get("stream"):
            headers = {"content-type": "text/event-stream"}
            return httpx.Response(200, content=sse_body(chunks(body, size)), headers=headers)
        return httpx.Response(200, json=completion(body))

    return httpx.MockTransport(handle)


def _responses_reply(body: dict[str, Any], size: int) -> httpx.Response:
    """The Responses API answer, whole or as an SSE body (named events, no ``[DONE]``)."""
    text, calls = reply_text(as_chat_body(body)), tool_calls_asked(as_chat_body(body))
    if not body.get("stream"):
        return httpx.Response(200, json=response_object(body, answer_items(text, calls)))
    events = response_events(body, text, size, calls)
    payload = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
    return httpx.Response(200, content=payload.encode(), headers={"content-type": SSE})


def create_mock_upstream(
    size: int = 8, delay_s: float = 0.0, replies: Sequence[tuple[str, str]] = ()
) -> FastAPI:
    """The mock server as an ASGI app; ``delay_s`` is slept before each streamed piece.

    ``replies``: canned answers to known questions (see :func:`reply_text`).
    """
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/v1/models")
    async def models() -> JSONResponse:
        return JSONResponse(MODELS)

    async def answer(request: Request) -> Response:
        body = await request.json()
        if not body.get("stream"):
            return JSONResponse(completion(body, replies))

        async def events() -> AsyncIterator[bytes]:
            for event in chunks(body, size, replies):
                if delay_s:
                    await asyncio.sleep(delay_s)
                yield f"data: {json.dumps(event)}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def responses(request: Request) -> Response:
        body = await request.json()
        text = reply_text(as_chat_body(body), replies)
        calls = tool_calls_asked(as_chat_body(body))
        if not body.get("stream"):
            return JSONResponse(response_object(body, answer_items(text, calls)))

        async def events() -> AsyncIterator[bytes]:
            for event in response_events(body, text, size, calls):
                if delay_s and event["type"] == "response.output_text.delta":
                    await asyncio.sleep(delay_s)
                yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()

        return StreamingResponse(events(), media_type=SSE)

    app.add_api_route("/v1/chat/completions", answer, methods=["POST"])
    app.add_api_route("/v1/embeddings", _embed, methods=["POST"])
    app.add_api_route("/v1/completions", answer, methods=["POST"])
    app.add_api_route("/v1/responses", responses, methods=["POST"])
    return app


async def _embed(request: Request) -> JSONResponse:
    """The ASGI mock's ``/v1/embeddings``."""
    return JSONResponse(embedding_reply(await request.json()))


@contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a background thread; yields its ``http://host:port``.

    The socket is bound before the server starts (port 0: the OS picks a free one), so there is
    no race for a port, and start-up is awaited with a deadline so a broken app cannot hang.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("server failed to start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
