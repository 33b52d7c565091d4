"""``safeship serve --workers N``: one host's cores, as N gateway processes on one port.

Why processes: the guard's detectors are CPU-bound Python and onnxruntime on the event loop, so
one process uses about one core. uvicorn's supervisor binds the port once and starts N workers
that accept from it (the kernel spreads connections) and restarts any that dies. What one
process kept to itself must then be shared, or each worker would enforce its own copy:

- **rate limits, escalation, flags and kill switches** live in Redis, so ``--workers`` above 1
  needs ``controls.redis_url`` (refused at start-up otherwise, naming the setting), exactly as
  several replicas do;
- **a policy reload** is announced through the same Redis (:mod:`.policy_sync`);
- **metrics** go to a fresh ``PROMETHEUS_MULTIPROC_DIR`` and every scrape merges all workers
  (:mod:`.metrics`); the directory is removed when the server stops;
- **tool-call confirmations** are signed with ``SAFESHIP_TOOL_SECRET`` (or the variable a tool
  policy names): when unset, one random secret is made here for all workers, so a token issued
  by one worker is accepted by the others;
- **the telemetry store** is opened by each worker; its migrations take a database lock, so
  concurrent start-ups apply them once (SQLite in WAL mode takes writers from several
  processes; PostgreSQL is the production choice).

The workers rebuild the validated config from ``SAFESHIP_GATEWAY_CONFIG_JSON``, set here, so a
worker never re-reads a file that may have changed since the parent checked it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import tempfile
from typing import TYPE_CHECKING, Any

from safeship.gateway.config import GatewayConfig
from safeship.gateway.metrics import MULTIPROC_ENV

if TYPE_CHECKING:
    from fastapi import FastAPI

CONFIG_ENV = "SAFESHIP_GATEWAY_CONFIG_JSON"
MAX_WORKERS = 64
GRACEFUL_SHUTDOWN_S = 10
"""How long a stopping server lets requests in flight finish before it cancels them: a stream
held open by a slow upstream must not keep a stopping process (or a ``--workers`` supervisor
waiting on it) alive for ever."""
log = logging.getLogger("safeship.gateway")


def configure_logging() -> None:
    """The gateway's log format, in the parent and in every worker."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per upstream call is noise


def check_workers(config: GatewayConfig, workers: int) -> None:
    """Raise ``ValueError`` naming what is missing if ``config`` cannot run on ``workers``."""
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"--workers must be between 1 and {MAX_WORKERS}, got {workers}")
    if workers > 1 and config.controls.redis_url is None:
        raise ValueError(
            f"--workers {workers} needs shared controls: rate limits, escalation, flags, kill "
            "switches and policy reloads must reach every worker. Set controls.redis_url in "
            "the gateway config, or pass --redis-url redis://HOST:6379/0"
        )


def _share_tool_secrets(config: GatewayConfig) -> None:
    for name in sorted({policy.confirm_secret_env for policy in config.tools.values()}):
        if not os.environ.get(name):
            os.environ[name] = secrets.token_hex(32)
            log.info(
                "%s is unset: made one tool-confirmation secret for this server's workers "
                "(set it to share confirmations with other replicas)",
                name,
            )


def uvicorn_options(
    *, access_log: bool = True, forwarded_allow_ips: str | None = None
) -> dict[str, Any]:
    """The uvicorn settings of ``safeship serve``, with or without ``--workers``.

    ``X-Forwarded-For`` is trusted only from the proxies listed (comma-separated addresses;
    none by default, and ``safeship serve`` lists uvicorn's ``FORWARDED_ALLOW_IPS`` when that
    is set and the flag is not). uvicorn's own default trusts it from 127.0.0.1, so a client on
    the same host, or a local proxy that passes the header through, could pick the client
    address that anonymous callers' escalation is keyed by. Behind a reverse proxy, list its
    address and have it append to ``X-Forwarded-For`` rather than pass the client's header on.
    """
    listed = (forwarded_allow_ips or "").split(",")
    trusted = ",".join(p.strip() for p in listed if p.strip())
    options: dict[str, Any] = {
        "log_level": "info",
        "access_log": access_log,
        "proxy_headers": bool(trusted),
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
    }
    if trusted:
        options["forwarded_allow_ips"] = trusted
    return options


def run_workers(
    config: GatewayConfig,
    host: str,
    port: int,
    workers: int,
    *,
    access_log: bool = True,
    forwarded_allow_ips: str | None = None,
) -> None:
    """Serve ``config`` from ``workers`` processes on ``host:port`` until stopped."""
    import uvicorn

    check_workers(config, workers)
    metrics_dir = tempfile.mkdtemp(prefix="safeship-metrics-")
    os.environ[MULTIPROC_ENV] = metrics_dir
    os.environ[CONFIG_ENV] = json.dumps(config.model_dump(mode="json", by_alias=True))
    _share_tool_secrets(config)
    log.info("starting %d gateway workers on %s:%d", workers, host, port)
    try:
        uvicorn.run(
            "safeship.gateway.workers:worker_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            **uvicorn_options(access_log=access_log, forwarded_allow_ips=forwarded_allow_ips),
        )
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def worker_app() -> FastAPI:
    """The app of one worker (uvicorn calls this factory in each worker process)."""
    from safeship.gateway.app import create_app

    configure_logging()
    raw = os.environ.get(CONFIG_ENV)
    if raw is None:
        raise RuntimeError(f"{CONFIG_ENV} is unset: start workers with `safeship serve --workers`")
    return create_app(GatewayConfig.model_validate_json(raw))
