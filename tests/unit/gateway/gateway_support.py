"""Gateway test helpers: the test policy, an in-process app over a MockTransport, SSE parsing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from safeship.gateway import GatewayConfig, create_app
from safeship.gateway.mock import mock_transport
from safeship.guard import Guard
from safeship.policy.load import parse_policy

POLICY = r"""
version: 1
name: gateway-test
default_feature: chat
features:
  chat:
    input:
      - detector: secrets
    output:
      - detector: secrets
      - detector: canary
        params: {markers: ["CANARY-7f3a9"]}
    actions: {default: block, secrets: redact}
    rules:
      deny:
        - name: email-address       # a fast stand-in for the pii detector (slow to load)
          regex: ['[\w.+-]+@[\w-]+(\.[\w-]+)+']
          category: pii
          action: redact
        - name: jailbreak
          keywords: ["ignore all previous instructions"]
          category: prompt_injection
        - name: forbidden-output
          keywords: ["launch codes"]
          stages: [output]
          category: violent_crimes
    refusals:
      violent_crimes:
        message: I can't share that.
        redirect: Ask me about something else.
  locked:
    input: [{detector: always_flag, params: {category: prompt_injection}}]
  crashy_closed:
    input: [{detector: always_error, fail_mode: closed}]
  crashy_open:
    input: [{detector: always_error, fail_mode: open}]
"""

Handler = Callable[[httpx.Request], httpx.Response]


# A schema-checked lookup: the read-only tool every agent test offers.
LOOKUP_ORDER = {
    "name": "lookup_order",
    "schema": {
        "type": "object",
        "properties": {"id": {"type": "integer"}},
        "required": ["id"],
    },
}
# A shop agent's tools: a schema-checked lookup and an irreversible refund with a deny rule.
SHOP_TOOLS = {
    "chat": {
        "allow": [
            LOOKUP_ORDER,
            {
                "name": "refund",
                "irreversible": True,
                "deny": [{"argument": "amount", "regex": "^[0-9]{4,}"}],
            },
        ]
    }
}


def make_guard() -> Guard:
    g = Guard(parse_policy(POLICY, "gateway-test.yaml"), embedder=None)
    g.warmup()
    return g


def config(**kw: Any) -> GatewayConfig:
    data: dict[str, Any] = {
        "upstream": {"base_url": "http://upstream.test/v1"},
        "store": {"url": None},  # no ./safeship.db from unit tests; store tests pass their own
        **kw,
    }
    return GatewayConfig.model_validate(data)


@asynccontextmanager
async def gateway(
    guard: Guard,
    cfg: GatewayConfig | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    **kw: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield a client talking to it in-process."""
    upstream = httpx.AsyncClient(transport=transport or mock_transport())
    app = create_app(cfg or config(), client=upstream, guard=guard, **kw)
    async with app.router.lifespan_context(app):
        transport_in = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport_in, base_url="http://gw") as client:
            yield client
    await upstream.aclose()


def chat(text: str, **kw: Any) -> dict[str, Any]:
    return {"model": "mock-1", "messages": [{"role": "user", "content": text}], **kw}


def sse_events(body: str) -> list[Any]:
    """Parse an SSE body into JSON events; ``[DONE]`` stays a string."""
    out: list[Any] = []
    for line in body.splitlines():
        if line.startswith("data: "):
            payload = line[6:]
            out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


def streamed_text(events: list[Any]) -> str:
    return "".join(
        (e["choices"][0].get("delta") or {}).get("content") or ""
        for e in events
        if isinstance(e, dict) and e.get("choices")
    )


class Recording:
    """The mock upstream, keeping every body it was sent."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self._inner = mock_transport()

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.bodies.append(json.loads(request.content))
            return self._inner.handler(request)  # type: ignore[attr-defined,no-any-return]

        return httpx.MockTransport(handle)
