"""Per-app resources, and the steps every guarded request starts with.

``GatewayState`` lives on ``app.state.gateway``, built by the lifespan: nothing is global, so two
gateways can run in one process. ``begin`` is the front of the runtime flow - identity, body,
feature, kill switch, limits - shared by every endpoint so they cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.requests import Request

from safeship.gateway.config import GatewayConfig
from safeship.gateway.errors import GatewayError, read_json, validate
from safeship.gateway.escalation import Standing
from safeship.gateway.identity import Identity, KeyRing
from safeship.gateway.metrics import GatewayMetrics
from safeship.gateway.policies import PolicySet
from safeship.gateway.policy_sync import PolicySync
from safeship.gateway.ports import Flags, Limiter, RequestScope, Route
from safeship.gateway.screening import Screener
from safeship.gateway.tools import ToolGuard
from safeship.gateway.upstream import Upstream
from safeship.gateway.wiring import Runtime
from safeship.guard import Guard, GuardContext
from safeship.privacy import SentTexts
from safeship.types import TrustTier

M = TypeVar("M", bound=BaseModel)


@dataclass
class GatewayState:
    """Everything a request handler needs, injected by ``create_app``."""

    config: GatewayConfig
    policies: PolicySet
    upstream: Upstream
    keys: KeyRing
    screener: Screener
    metrics: GatewayMetrics
    runtime: Runtime
    tools: dict[str, ToolGuard]
    policy_sync: PolicySync | None = None
    sent_texts: SentTexts = field(default_factory=SentTexts)
    """Earlier turns as the privacy layers let them leave (``gateway.forward_edits``)."""

    @property
    def guard(self) -> Guard:
        """The live guard (replaced whole by a policy reload)."""
        return self.policies.live

    @property
    def limiter(self) -> Limiter:
        """Rate limits, quotas and escalation."""
        return self.runtime.limiter

    @property
    def flags(self) -> Flags:
        """Kill switches, rollout buckets and policy arms."""
        return self.runtime.flags


@dataclass(frozen=True)
class Call:
    """One admitted request: who, for which feature, under which request id."""

    request_id: str
    identity: Identity
    scope: RequestScope
    ctx: GuardContext
    data: dict[str, Any]
    route: Route
    guard: Guard
    standing: Standing = field(default_factory=Standing)


def state_of(request: Request) -> GatewayState:
    """The gateway state of the app serving ``request``."""
    state: GatewayState = request.app.state.gateway
    return state


def request_id_of(request: Request) -> str:
    """The id the middleware gave this request."""
    return str(request.scope.get("state", {}).get("request_id", "unknown"))


async def begin(
    request: Request,
    model: type[M],
    endpoint: str,
    *,
    feature: str | None = None,
    tier: TrustTier | None = None,
) -> tuple[Call, M]:
    """Identify the caller, parse the body, resolve the feature and apply flags and limits.

    ``feature`` and ``tier`` are what the caller asked for (``/v1/guard/check``): a key bound
    to a feature cannot ask for another one, and nobody can ask for a more trusted tier.
    """
    gw = state_of(request)
    identity = gw.keys.resolve(request.headers.get("authorization"))
    data = await read_json(request, gw.config.max_body_bytes)
    body = validate(model, data)
    feature = feature or _asked(body, "feature")
    asked = tier or _asked(body, "tier")
    try:
        tier = TrustTier(asked) if asked else None
    except ValueError as exc:
        choices = ", ".join(t.value for t in TrustTier)
        message = f"tier must be one of {choices}"
        raise GatewayError(400, "invalid_request", message, "tier") from exc
    if feature is not None and identity.feature is not None and feature != identity.feature:
        raise GatewayError(403, "forbidden", "this API key is bound to another feature", "feature")
    wanted = feature or identity.feature or gw.config.feature_default
    try:
        name, _ = gw.guard.policy.feature(wanted)
    except KeyError as exc:
        raise GatewayError(400, "invalid_request", str(exc.args[0]), "feature") from exc
    request_id = request_id_of(request)
    user = getattr(body, "user", None)
    client = request.client.host if request.client else None
    scope = RequestScope(
        request_id=request_id,
        tenant=identity.tenant,
        feature=name,
        tier=identity.capped(tier),
        key_id=identity.key_id,
        user_id=user,
        ip=client,
        endpoint=endpoint,
    )
    request.scope.setdefault("state", {}).update(tenant=identity.tenant, feature=name)
    # limits first: a flood of requests must not cost a flag read each
    try:
        limit = await gw.limiter.hit(scope, _estimate_tokens(request))
    except Exception as exc:  # a limiter must apply its own fail mode; a crash is not a 500
        gw.metrics.errors.labels("limiter").inc()
        raise GatewayError(503, "limiter_unavailable", "rate limiting is unavailable") from exc
    if not limit.allowed:
        retry = limit.retry_after_s
        headers = {"Retry-After": str(max(1, math.ceil(retry)))} if retry is not None else {}
        raise GatewayError(
            429, "rate_limited", f"limit {limit.limit or 'unknown'} reached", None, headers
        )
    try:
        route = await gw.flags.route(name, scope)
    except Exception as exc:  # flags apply their own fallback; a crash is not a 500
        gw.metrics.errors.labels("flags").inc()
        raise GatewayError(503, "flags_unavailable", "feature flags are unavailable") from exc
    if not route.enabled:
        why = "switched off by its kill switch" if route.killed else "switched off"
        raise GatewayError(503, "feature_disabled", f"feature {name!r} is {why}", None)
    ctx = GuardContext(feature=name, tier=scope.tier, user_id=user, request_id=request_id)
    guard = gw.policies.guard(route.policy)
    standing = Standing(limit.escalation)
    return Call(request_id, identity, scope, ctx, data, route, guard, standing), body


def _asked(body: BaseModel, name: str) -> str | None:
    """``body.name`` (a declared field, or a chat body's extra), checked to be a string.

    An open request model keeps unknown fields as they came, so a ``"tier": 5`` must be a 400
    naming the field here, not a crash where it is used.
    """
    value = getattr(body, name, None)
    if value is not None and not isinstance(value, str):
        raise GatewayError(400, "invalid_request", f"{name} must be a string", name)
    return value


def _estimate_tokens(request: Request) -> int:
    """A cheap prompt-token estimate for token quotas: about four bytes per token."""
    size = request.headers.get("content-length", "")
    return max(1, int(size) // 4) if size.isdigit() else 1
