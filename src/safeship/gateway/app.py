"""The app factory: wire config, guard, upstream client and controls into one FastAPI app.

Everything is built in ``create_app`` and the lifespan and kept on ``app.state.gateway``; nothing
is global, and the guard, the HTTP client and the controls are injectable so tests run against an
``httpx.MockTransport`` upstream and a guard on deterministic detectors. The lifespan builds, in
order: the runtime controls and store (``wiring``), the policies (``policies``), the screener,
the tool guards; routes: the proxy (chat, completions, ``/v1/responses``), ``/v1/guard/check``,
``/v1/embeddings`` (privacy layers only), ``/v1/moderations`` (the guard in OpenAI's moderation
shape), ``/v1/reports``, ``/admin``, ops.
Resources the app creates itself it also closes; injected ones belong to the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from safeship.gateway import admin, check, embeddings, moderations, proxy, reports, responses
from safeship.gateway.admin import AdminAuth
from safeship.gateway.config import GatewayConfig
from safeship.gateway.errors import GatewayError, gateway_error_handler
from safeship.gateway.identity import KeyRing
from safeship.gateway.metrics import GatewayMetrics
from safeship.gateway.middleware import ObserveMiddleware
from safeship.gateway.policies import PolicySet
from safeship.gateway.policy_sync import PolicySync, Sample
from safeship.gateway.ports import DecisionSink, Flags, Limiter
from safeship.gateway.screening import Screener
from safeship.gateway.state import GatewayState
from safeship.gateway.tools import ToolGuard
from safeship.gateway.upstream import Upstream, upstream_client
from safeship.gateway.wiring import build_runtime
from safeship.guard import Guard

log = logging.getLogger("safeship.gateway")


def create_app(
    config: GatewayConfig,
    *,
    client: httpx.AsyncClient | None = None,
    guard: Guard | None = None,
    limiter: Limiter | None = None,
    flags: Flags | None = None,
    sink: DecisionSink | None = None,
) -> FastAPI:
    """Build the gateway app; resources are created (or adopted) in its lifespan.

    Injected ports replace what the config would build; a ``sink`` also replaces the store.
    """
    metrics = GatewayMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_client = client is None
        http = client or upstream_client(config.upstream)
        runtime = build_runtime(config, limiter=limiter, flags=flags, sink=sink)
        policies: PolicySet | None = None
        screener: Screener | None = None
        sync: PolicySync | None = None
        mirror: asyncio.Task[None] | None = None
        try:
            sync = PolicySync.for_config(config)
            if sync is not None:  # before loading: an announcement made meanwhile is not missed
                await sync.prepare()
            policies = await PolicySet.load(config, guard)
            await runtime.start()
            samples = runtime.samples
            if sync is not None:
                await sync.start(policies)
                samples = _joined(runtime.samples, sync.samples)
            metrics.watch(samples, runtime.buffered)
            if metrics.multiprocess:
                mirror = asyncio.get_running_loop().create_task(
                    _mirror_forever(metrics), name="safeship-metrics-mirror"
                )
            env = config.upstream.api_key_env
            screener = Screener(policies, metrics, runtime.sink, runtime.limiter)
            app.state.admin_auth = AdminAuth(config.admin)
            app.state.gateway = GatewayState(
                config=config,
                policies=policies,
                upstream=Upstream(http, config.upstream, os.environ.get(env) if env else None),
                keys=KeyRing(config),
                screener=screener,
                metrics=metrics,
                runtime=runtime,
                tools={name: ToolGuard(p) for name, p in config.tools.items()},
                policy_sync=sync,
            )
            _log_startup(config, policies.live)
            yield
        finally:
            if screener is not None:
                await screener.drain()
            if sync is not None:
                await sync.aclose()
            if mirror is not None:
                mirror.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await mirror
            await runtime.aclose()
            metrics.sync_runtime()  # the last flush's counts, then this worker leaves the view
            metrics.close()
            if own_client:
                await http.aclose()
            if policies is not None:
                policies.close(keep=guard)

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
    app.include_router(responses.router)
    app.include_router(embeddings.router)
    app.include_router(check.router)
    app.include_router(moderations.router)
    app.include_router(reports.router)
    app.include_router(admin.router)
    _add_ops_routes(app, metrics)
    return app


async def _mirror_forever(metrics: GatewayMetrics) -> None:
    """Keep this worker's share of the merged ``/metrics`` at most a second old."""
    while True:
        await asyncio.sleep(1.0)
        metrics.sync_runtime()


def _joined(*sources: Callable[[], list[Sample]]) -> Callable[[], list[Sample]]:
    """One ``samples`` callable reading several sources at scrape time."""
    return lambda: [sample for source in sources for sample in source()]


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
        """Readiness: the guard is loaded and warmed up (the store may lag: the sink buffers)."""
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
