"""The admin API: flags and kill switches, policy reload, recent decisions and user reports.

Tokens are compared as sha256 digests with ``hmac.compare_digest`` against every configured
digest (no early exit), and never logged. The operator token (``admin.token_sha256`` or the
variable ``admin.token_env``) may write and read any tenant, naming it with ``?tenant=``; a tenant
token only reads its own tenant and gets 403 for any other. With no token configured the admin API
refuses everything (401). Reads go to the store in a worker thread; the store's every query is
tenant-scoped, so the check here is the only place a tenant is chosen.
"""

from __future__ import annotations

import asyncio
import hmac
import os
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from safeship.errors import PolicyError, SafeshipError
from safeship.gateway.config import hash_key
from safeship.gateway.errors import GatewayError, read_json, validate
from safeship.gateway.runtime_config import AdminConfig
from safeship.gateway.state import GatewayState, state_of
from safeship.store import SqlStore

router = APIRouter(prefix="/admin")


@dataclass(frozen=True)
class Admin:
    """A resolved admin caller; ``tenant`` None is the operator."""

    name: str
    tenant: str | None


class AdminAuth:
    """Admin tokens by digest."""

    def __init__(self, config: AdminConfig) -> None:
        self._entries: list[tuple[str, Admin]] = [
            (t.sha256, Admin(t.id, t.tenant)) for t in config.tokens
        ]
        operator = config.token_sha256
        if operator is None and config.token_env and os.environ.get(config.token_env):
            operator = hash_key(os.environ[config.token_env])
        if operator is not None:
            self._entries.append((operator.lower(), Admin("operator", None)))

    def resolve(self, authorization: str | None) -> Admin:
        """The admin behind ``Authorization: Bearer TOKEN``, or a 401."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized()
        digest = hash_key(token.strip())
        found = None
        for stored, admin in self._entries:
            if hmac.compare_digest(stored, digest):
                found = admin
        if found is None:
            raise _unauthorized()
        return found


def _unauthorized() -> GatewayError:
    return GatewayError(
        401,
        "unauthorized",
        "an admin token is required",
        "Authorization",
        {"WWW-Authenticate": "Bearer"},
    )


def _admin(request: Request, *, operator: bool = False) -> tuple[GatewayState, Admin]:
    gw = state_of(request)
    auth: AdminAuth = request.app.state.admin_auth
    admin = auth.resolve(request.headers.get("authorization"))
    if operator and admin.tenant is not None:
        raise GatewayError(403, "forbidden", "this admin token is read-only for one tenant")
    return gw, admin


def _tenant(request: Request, admin: Admin) -> str:
    asked = request.query_params.get("tenant")
    if admin.tenant is None:
        if not asked:
            raise GatewayError(400, "invalid_request", "name the tenant to read", "tenant")
        return asked
    if asked and asked != admin.tenant:
        raise GatewayError(403, "forbidden", "this token cannot read another tenant", "tenant")
    return admin.tenant


def _store(gw: GatewayState) -> SqlStore:
    if gw.runtime.store is None:
        raise GatewayError(501, "not_configured", "no telemetry store is configured")
    return gw.runtime.store


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "100")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4) or not 1 <= int(raw) <= 1000:
        raise GatewayError(400, "invalid_request", "limit must be 1..1000", "limit")
    return int(raw)


class FlagChange(BaseModel):
    """Fields of a feature flag to change; omitted fields keep their value."""

    model_config = ConfigDict(extra="forbid", strict=True)

    enabled: bool | None = None
    killed: bool | None = None
    rollout_percent: float | None = Field(default=None, ge=0, le=100)
    live_policy: str | None = None
    candidate_policy: str | None = None
    shadow: bool | None = None


def _flags(gw: GatewayState) -> Any:
    if gw.runtime.feature_flags is None:
        raise GatewayError(501, "not_configured", "flags are injected, not managed here")
    return gw.runtime.feature_flags


@router.get("/flags")
async def list_flags(request: Request) -> JSONResponse:
    """Every stored flag."""
    gw, _ = _admin(request, operator=True)
    try:
        flags = await _flags(gw).store.all()
    except Exception as exc:
        raise GatewayError(503, "flags_unavailable", "the flag store is unreachable") from exc
    return JSONResponse({"flags": [f.model_dump(mode="json") for f in flags]})


@router.patch("/flags/{feature}")
async def change_flag(request: Request, feature: str) -> JSONResponse:
    """Change a flag (``feature`` ``*`` is global); every replica sees it within a second."""
    gw, _ = _admin(request, operator=True)
    change = validate(FlagChange, await read_json(request, 64_000))
    try:
        flag = await _flags(gw).update(feature, **change.model_dump(exclude_none=True))
    except ValidationError as exc:
        raise GatewayError(400, "invalid_request", str(exc.errors()[0]["msg"]), None) from exc
    except Exception as exc:  # the write must be known to have failed
        raise GatewayError(503, "flags_unavailable", "the flag store is unreachable") from exc
    return JSONResponse({"flag": flag.model_dump(mode="json")})


@router.post("/flags/{feature}/kill")
async def kill(request: Request, feature: str) -> JSONResponse:
    """Flip the kill switch of ``feature`` (``*``: every feature)."""
    return await _switch(request, feature, killed=True)


@router.post("/flags/{feature}/revive")
async def revive(request: Request, feature: str) -> JSONResponse:
    """Release the kill switch of ``feature``."""
    return await _switch(request, feature, killed=False)


async def _switch(request: Request, feature: str, *, killed: bool) -> JSONResponse:
    gw, _ = _admin(request, operator=True)
    try:
        flag = await _flags(gw).update(feature, killed=killed)
    except Exception as exc:
        raise GatewayError(503, "flags_unavailable", "the flag store is unreachable") from exc
    return JSONResponse({"flag": flag.model_dump(mode="json")})


@router.post("/policy/reload")
async def reload_policy(request: Request) -> JSONResponse:
    """Reload every policy file; an invalid one changes nothing and is reported (400).

    With a shared Redis the reload is announced, and every replica and worker reloads its own
    files within a second (``announced: false`` if Redis was unreachable: only this one did).
    """
    gw, _ = _admin(request, operator=True)
    try:
        versions = await gw.policies.reload(gw.config)
    except (PolicyError, SafeshipError) as exc:
        raise GatewayError(400, "invalid_policy", str(exc)[:2000], "policy") from exc
    body: dict[str, Any] = {"policies": versions}
    if gw.policy_sync is not None:  # other replicas and workers follow within a second
        generation = await gw.policy_sync.announce()
        body["announced"] = generation is not None
        body["generation"] = generation
    return JSONResponse(body)


@router.get("/decisions")
async def decisions(request: Request) -> JSONResponse:
    """The tenant's recent decisions, newest first (``request_id=`` for one request)."""
    gw, admin = _admin(request)
    tenant, store = _tenant(request, admin), _store(gw)
    request_id = request.query_params.get("request_id")
    if request_id:
        rows = await asyncio.to_thread(store.decisions_for_request, tenant, request_id)
    else:
        rows = await asyncio.to_thread(store.recent_decisions, tenant, limit=_limit(request))
    return JSONResponse({"tenant": tenant, "decisions": [r.model_dump(mode="json") for r in rows]})


@router.get("/reports")
async def reports(request: Request) -> JSONResponse:
    """The tenant's recent user reports, each with the decisions of its request."""
    gw, admin = _admin(request)
    tenant, store, limit = _tenant(request, admin), _store(gw), _limit(request)

    def read() -> list[dict[str, Any]]:
        out = []
        for report in store.recent_reports(tenant, limit=limit):
            linked = store.decisions_for_request(tenant, report.request_id)
            out.append(
                {
                    **report.model_dump(mode="json"),
                    "decisions": [
                        {
                            "stage": d.stage.value,
                            "action": d.action.value,
                            "categories": d.categories,
                        }
                        for d in linked
                    ],
                }
            )
        return out

    return JSONResponse({"tenant": tenant, "reports": await asyncio.to_thread(read)})
