"""An OpenAI-compatible guarded proxy in front of any model server.

Runtime flow: request -> identity and limits -> guard (input) -> upstream -> guard (output,
streaming) -> response; every decision -> sink. Walk it file by file: ``app`` (factory,
lifespan) -> ``state.begin`` (identity, body, flags, limits) -> ``proxy`` / ``check``
(endpoints) -> ``screening`` (the guard) -> ``upstream`` and ``streaming`` -> ``shapes`` (wire
format). ``ports`` holds what the gateway needs from runtime controls and telemetry.
"""

from importlib.util import find_spec

from safeship.errors import MissingDependencyError

if (
    find_spec("fastapi") is None
    or find_spec("uvicorn") is None
    or find_spec("prometheus_client") is None
):
    raise MissingDependencyError("the gateway", "gateway", "fastapi, uvicorn, prometheus-client")

from safeship.gateway.app import create_app  # noqa: E402
from safeship.gateway.config import (  # noqa: E402
    ApiKey,
    GatewayConfig,
    GatewayConfigError,
    UpstreamConfig,
    hash_key,
    load_gateway_config,
    parse_gateway_config,
)
from safeship.gateway.ports import (  # noqa: E402
    AllEnabled,
    DecisionEvent,
    DecisionSink,
    Flags,
    Limiter,
    LimitResult,
    ListSink,
    NoLimits,
    NullSink,
    RequestScope,
    Route,
)

__all__ = [
    "AllEnabled",
    "ApiKey",
    "DecisionEvent",
    "DecisionSink",
    "Flags",
    "GatewayConfig",
    "GatewayConfigError",
    "LimitResult",
    "Limiter",
    "ListSink",
    "NoLimits",
    "NullSink",
    "RequestScope",
    "Route",
    "UpstreamConfig",
    "create_app",
    "hash_key",
    "load_gateway_config",
    "parse_gateway_config",
]
