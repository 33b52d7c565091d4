"""Request ids, request metrics and one log line per request, as plain ASGI middleware.

Plain ASGI rather than ``BaseHTTPMiddleware`` so streamed responses pass through untouched and
the latency covers the whole body, not just the headers. The log line carries ids, tenant,
feature, status and time - never headers (API keys) or bodies (prompts).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safeship.gateway.metrics import GatewayMetrics

log = logging.getLogger("safeship.gateway")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
ENDPOINTS = {
    "/v1/chat/completions": "chat",
    "/v1/completions": "completions",
    "/v1/responses": "responses",
    "/v1/models": "models",
    "/v1/guard/check": "guard_check",
    "/v1/embeddings": "embeddings",
    "/v1/moderations": "moderations",
    "/healthz": "healthz",
    "/readyz": "readyz",
    "/metrics": "metrics",
}


def _request_id(scope: Scope) -> str:
    """The caller's ``x-request-id`` if it is a safe token, else a fresh one."""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _SAFE_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


class ObserveMiddleware:
    """Tags each request with an id and records its status and latency."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one HTTP request; other scopes (lifespan) pass straight through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)["x-request-id"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - start
            endpoint = ENDPOINTS.get(scope.get("path", ""), "other")
            self.metrics.requests.labels(endpoint, str(status)).inc()
            self.metrics.latency.labels(endpoint).observe(seconds)
            if status >= 400:
                self.metrics.errors.labels(f"http_{status}").inc()
            log.debug(
                "%s %s -> %d in %.1f ms request=%s tenant=%s feature=%s",
                scope.get("method"),
                endpoint,
                status,
                seconds * 1000,
                request_id,
                state.get("tenant", "-"),
                state.get("feature", "-"),
            )
