"""``POST /v1/guard/check``: the guard alone, for apps that call their model themselves.

The answer is the decision without raw finding text (spans only), so the endpoint never echoes
PII or secrets it was asked to find; ``redacted_text`` is the safe version to use instead.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse

from safeship.gateway.shapes import ChatMessageIn, extension
from safeship.gateway.state import begin, state_of
from safeship.types import Decision, Message, Stage

router = APIRouter()


class CheckRequest(BaseModel):
    """What to check: a conversation (input stage) or a response to it (output stage)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    stage: Literal["input", "output"] = "input"
    messages: list[ChatMessageIn] = Field(default_factory=list)
    response: str | None = None
    feature: str | None = None
    tier: Literal["anonymous", "authenticated", "internal"] | None = None
    user: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> CheckRequest:
        if self.stage == "input" and not self.messages:
            raise ValueError("the input stage needs at least one message")
        if self.stage == "output" and self.response is None:
            raise ValueError("the output stage needs a response")
        return self


def decision_json(decision: Decision) -> dict[str, Any]:
    """A decision as JSON, with findings reduced to spans (no raw matched text)."""
    out = decision.model_dump(mode="json", exclude={"results", "findings"})
    out["findings"] = [f.model_dump(mode="json", exclude={"text"}) for f in decision.findings]
    out["detectors"] = [
        {"detector": r.detector, "score": r.score, "category": r.category, "status": r.status.value}
        for r in decision.results
    ]
    return out


@router.post("/v1/guard/check")
async def guard_check(request: Request) -> JSONResponse:
    """Check an input or an output under the caller's feature and (capped) tier."""
    call, body = await begin(request, CheckRequest, "guard_check")
    gw = state_of(request)
    stage = Stage(body.stage)
    messages = [
        Message(role="tool" if m.role == "function" else m.role, content=m.text())
        for m in body.messages
    ]
    decision, seconds = await gw.screener.check(
        stage, messages, call.ctx, body.response, guard=call.guard
    )
    scanned = body.response if stage is Stage.OUTPUT else _last_user(messages)
    await gw.screener.record(
        decision, seconds, call.scope, route=call.route, text=scanned, standing=call.standing
    )
    gw.screener.shadow(decision, call.route, call.scope, call.ctx, messages, body.response, scanned)
    ext = extension(decision, call.request_id, call.standing.level)
    return JSONResponse({"decision": decision_json(decision), "safeship": ext})


def _last_user(messages: list[Message]) -> str | None:
    return next((m.content for m in reversed(messages) if m.role == "user"), None)
