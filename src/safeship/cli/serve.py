"""``safeship serve``: run the guarded OpenAI-compatible gateway under uvicorn.

Two ways to start it: ``--config FILE`` (keys, tiers, timeouts, all of it), or the quick mode
``--policy FILE --upstream URL`` with no keys, where every caller is anonymous. Flags given next to
``--config`` override the file, so one config can be pointed at another upstream for a test.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from safeship.cli._io import fail
from safeship.errors import PolicyError, SafeshipError

if TYPE_CHECKING:  # the gateway (FastAPI, uvicorn) is imported only when the command runs
    from safeship.gateway.config import GatewayConfig

FORWARDED_ENV = "FORWARDED_ALLOW_IPS"  # uvicorn's own variable for --forwarded-allow-ips
log = logging.getLogger("safeship.gateway")


def build_config(
    config: Path | None,
    policy: Path | None,
    upstream: str | None,
    upstream_key_env: str | None,
    redis_url: str | None = None,
) -> GatewayConfig:
    """The gateway config from a file and/or flags; raises ``SafeshipError`` or ``ValueError``."""
    from safeship.gateway.config import GatewayConfig, load_gateway_config

    if config is None and upstream is None:
        raise ValueError("give --config FILE, or --upstream URL (with an optional --policy FILE)")
    if config is not None:
        loaded = load_gateway_config(config)
        data = loaded.model_dump()
    else:
        data = {"upstream": {}}
    if upstream is not None:
        data["upstream"]["base_url"] = upstream
    if upstream_key_env is not None:
        data["upstream"]["api_key_env"] = upstream_key_env
    if policy is not None:
        data["policy"] = policy.resolve()
    if redis_url is not None:
        data.setdefault("controls", {})["redis_url"] = redis_url
    return GatewayConfig.model_validate(data)


def serve(
    config: Annotated[Path | None, typer.Option(help="Gateway config YAML.")] = None,
    policy: Annotated[
        Path | None, typer.Option(help="Policy YAML (default: the config's, else built-in).")
    ] = None,
    upstream: Annotated[
        str | None, typer.Option(help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1")
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    upstream_key_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the upstream API key.")
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Worker processes (one per core); above 1 needs Redis.")
    ] = 1,
    redis_url: Annotated[
        str | None,
        typer.Option(help="Redis shared by workers and replicas (overrides controls.redis_url)."),
    ] = None,
    access_log: Annotated[
        bool, typer.Option(help="A log line per request (costs CPU under heavy load).")
    ] = True,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            envvar=FORWARDED_ENV,
            help=(
                "Comma-separated addresses of reverse proxies whose X-Forwarded-For is trusted "
                "(default: none; the connecting address is the client's)."
            ),
        ),
    ] = None,
) -> None:
    """Start the guarded gateway in front of an OpenAI-compatible model server.

    Clients keep using their OpenAI client and change only ``base_url`` to this server.
    Without ``--config`` there are no API keys: every caller is anonymous (quick mode).
    ``--workers N`` serves one port from N processes sharing limits, flags and reloads
    through Redis, and ``/metrics`` adds up all of them. Behind a reverse proxy, pass its
    address with ``--forwarded-allow-ips`` so callers are told apart by their own address.
    Its default is uvicorn's own ``FORWARDED_ALLOW_IPS`` environment variable, so a
    deployment that set it keeps trusting its proxy.
    """
    import uvicorn
    from pydantic import ValidationError

    from safeship.gateway import create_app
    from safeship.gateway.workers import (
        check_workers,
        configure_logging,
        run_workers,
        uvicorn_options,
    )
    from safeship.policy.load import load_policy

    try:
        cfg = build_config(config, policy, upstream, upstream_key_env, redis_url)
        check_workers(cfg, workers)
        if cfg.policy is not None:
            load_policy(cfg.policy)  # a clean error here beats a failed start-up inside uvicorn
        for path in cfg.candidate_policies.values():
            load_policy(path)
    except PolicyError as exc:
        raise fail(f"invalid policy:\n{exc}") from exc
    except (SafeshipError, ValidationError, ValueError) as exc:
        raise fail(str(exc)) from exc
    configure_logging()
    trusted = uvicorn_options(forwarded_allow_ips=forwarded_allow_ips).get("forwarded_allow_ips")
    log.info("X-Forwarded-For trusted from: %s", trusted or "no proxy (ignored)")
    if workers > 1:
        run_workers(
            cfg,
            host,
            port,
            workers,
            access_log=access_log,
            forwarded_allow_ips=forwarded_allow_ips,
        )
    else:
        options = uvicorn_options(access_log=access_log, forwarded_allow_ips=forwarded_allow_ips)
        uvicorn.run(create_app(cfg), host=host, port=port, **options)
