"""The app factory: wire config, guard, upstream client and controls into one FastAPI app.

Everything is built in ``create_app`` and the lifespan and kept on ``app.state.gateway``; nothing
is global, and the guard, the HTTP client and the controls are injectable so tests run against an
``httpx.MockTransport`` upstream and a guard on deterministic detectors. Resources the app creates
itself it also closes; injected ones belong to the caller.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from safeship.errors import PolicyProblem
from safeship.gateway import check, proxy
from safeship.gateway.config import GatewayConfig, GatewayConfigError
from safeship.gateway.errors import GatewayError, gateway_error_handler
from safeship.gateway.identity import KeyRing
from safeship.gateway.metrics import GatewayMetrics
from safeship.gateway.middleware import ObserveMiddleware
from safeship.gateway.ports import AllEnabled, DecisionSink, Flags, Limiter, NoLimits, NullSink
from safeship.gateway.screening import Screener
from safeship.gateway.state import GatewayState
from safeship.gateway.upstream import Upstream
from safeship.guard import Guard

log = logging.getLogger("safeship.gateway")


def _check_features(config: GatewayConfig, guard: Guard) -> None:
    """Fail at start-up, not on the first request, if the config names a missing feature."""
    problems = []
    named = [("feature_default", config.feature_default)]
    named += [(f"api_keys.{i}.feature", k.feature) for i, k in enumerate(config.api_keys)]
    for field, feature in named:
        try:
            guard.policy.feature(feature)
        except KeyError as exc:
            problems.append(PolicyProblem("<gateway config>", None, field, str(exc.args[0])))
    if problems:
        raise GatewayConfigError(problems)


def _build_guard(config: GatewayConfig) -> Guard:
    return Guard.from_file(config.policy) if config.policy is not None else Guard.default()


def create_app(
    config: GatewayConfig,
    *,
    client: httpx.AsyncClient | None = None,
    guard: Guard | None = None,
    limiter: Limiter | None = None,
    flags: Flags | None = None,
    sink: DecisionSink | None = None,
) -> FastAPI:
    """Build the gateway app; resources are created (or adopted) in its lifespan."""
    metrics = GatewayMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_client = client is None
        http = client or httpx.AsyncClient(
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50)
        )
        own_guard = guard is None
        active = guard if guard is not None else await asyncio.to_thread(_build_guard, config)
        try:
            _check_features(config, active)
            await asyncio.to_thread(active.warmup)
            env = config.upstream.api_key_env
            app.state.gateway = GatewayState(
                config=config,
                guard=active,
                upstream=Upstream(http, config.upstream, os.environ.get(env) if env else None),
                keys=KeyRing(config),
                screener=Screener(active, metrics, sink or NullSink(), limiter or NoLimits()),
                metrics=metrics,
                limiter=limiter or NoLimits(),
                flags=flags or AllEnabled(),
            )
            _log_startup(config, active)
            yield
        finally:
            if own_client:
                await http.aclose()
            if own_guard:
                active.close()

    app = FastAPI(
        title="safeship gateway",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.add_middleware(ObserveMiddleware, metrics=metrics)
    app.add_exception_handler(GatewayError, gateway_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
    app.include_router(proxy.router)
    app.include_router(check.router)
    _add_ops_routes(app, metrics)
    return app


def _log_startup(config: GatewayConfig, guard: Guard) -> None:
    if config.quick_mode:
        log.warning(
            "quick mode: no API keys configured; every caller is anonymous and any "
            "Authorization header is ignored"
        )
    else:
        log.info(
            "%d API keys loaded; anonymous access %s",
            len(config.api_keys),
            "allowed" if config.allow_anonymous else "refused",
        )
    log.info("guarding %s with policy %s", config.upstream.base_url, guard.loaded.version)


def _add_ops_routes(app: FastAPI, metrics: GatewayMetrics) -> None:
    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """Liveness: the process answers."""
        return JSONResponse({"status": "ok"})

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: the guard is loaded and warmed up."""
        gw: GatewayState | None = getattr(request.app.state, "gateway", None)
        if gw is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse({"status": "ready", "policy_version": gw.guard.loaded.version})

    @app.get("/metrics")
    async def prometheus() -> Response:
        """Prometheus exposition."""
        return Response(metrics.render(), media_type=metrics.content_type)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return GatewayError(exc.status_code, kind, str(exc.detail)).response()


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    # type and path only: an exception message may quote request text
    log.error("unhandled %s in %s", type(exc).__name__, request.url.path)
    log.debug("unhandled exception", exc_info=exc)
    return GatewayError(500, "internal_error", "internal error").response()
