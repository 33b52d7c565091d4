"""``POST /v1/guard/check``: the guard alone, for apps that call their model themselves.

The answer is the decision without raw finding text (spans only), so the endpoint never echoes
PII or secrets it was asked to find; ``redacted_text`` is the safe version to use instead. An
input check that is not blocked also says what to send the model (``forward``): the turns to
drop and the user turns to send redacted, exactly what the gateway forwards in its place.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse

from safeship.gateway.forward_edits import forward_edits
from safeship.gateway.shapes import ChatMessageIn, extension, read_messages
from safeship.gateway.state import Call, GatewayState, begin, state_of
from safeship.types import Action, Decision, Message, Stage

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
    messages = read_messages(body.messages)
    decision, seconds = await gw.screener.check(
        stage, messages, call.ctx, body.response, guard=call.guard
    )
    scanned = body.response if stage is Stage.OUTPUT else _last_user(messages)
    await gw.screener.record(
        decision, seconds, call.scope, route=call.route, text=scanned, standing=call.standing
    )
    gw.screener.shadow(decision, call.route, call.scope, call.ctx, messages, body.response, scanned)
    ext = extension(decision, call.request_id, call.standing.level)
    answer: dict[str, Any] = {"decision": decision_json(decision), "safeship": ext}
    if stage is Stage.INPUT and not decision.blocked:
        answer["forward"] = await _forward(gw, call, messages, decision)
    return JSONResponse(answer)


async def _forward(
    gw: GatewayState, call: Call, messages: list[Message], decision: Decision
) -> dict[str, Any]:
    """What to send the model, as edits to the caller's own ``messages``: what the gateway does.

    ``drop``: positions of turns the guard refused, their refusals and what lies between
    (``safeship.forwarding``); ``redacted``: the user turns to send as plain text instead,
    the newest one's redaction and every earlier one's through the privacy layers
    (``forward_edits``). An app that calls its model itself needs both, or its model reads a
    request the guard left out, or private data a client re-sends on every call.
    """
    turns = [(m.role, m.content) for m in messages]
    system = call.ctx.system_prompt or next((t for r, t in turns if r == "system"), None)
    redacted = decision.redacted_text if decision.action is Action.REDACT else None
    edits = await forward_edits(gw, call, turns, system, redacted)
    changed = [{"index": i, "content": t} for i, t in sorted(edits.text.items())]
    return {"drop": sorted(edits.drop), "redacted": changed}


def _last_user(messages: list[Message]) -> str | None:
    return next((m.content for m in reversed(messages) if m.role == "user"), None)
