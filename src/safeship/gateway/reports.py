"""``POST /v1/reports``: a user reports a response; stored, redacted, linked by request id.

The report belongs to the caller's tenant (from the API key), so it can only ever be linked to
that tenant's decisions: the link is ``(tenant, request_id)``, read back by the admin API. The
free text is redacted off the request path before it is stored, unless raw text is opted in.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from safeship.gateway.errors import GatewayError, read_json, validate
from safeship.gateway.state import state_of
from safeship.store import UserReport

router = APIRouter()


class ReportRequest(BaseModel):
    """What a user reports about one response."""

    model_config = ConfigDict(extra="forbid", strict=True)

    request_id: str = Field(pattern=r"^[A-Za-z0-9._-]{1,128}$")
    reason: str = Field(min_length=1, max_length=64)
    text: str | None = Field(default=None, max_length=20_000)


@router.post("/v1/reports")
async def report(request: Request) -> JSONResponse:
    """Store a user report (202); 503 when no store is configured to keep it."""
    gw = state_of(request)
    identity = gw.keys.resolve(request.headers.get("authorization"))
    request.scope.setdefault("state", {}).update(tenant=identity.tenant)
    body = validate(ReportRequest, await read_json(request, 64_000))
    sink = gw.runtime.store_sink
    if sink is None:
        raise GatewayError(503, "not_configured", "reports are not stored: no store configured")
    item = UserReport(
        request_id=body.request_id, tenant=identity.tenant, reason=body.reason, text=body.text
    )
    sink.report(item)
    return JSONResponse(
        {"id": item.event_id, "request_id": item.request_id, "status": "accepted"},
        status_code=202,
    )
