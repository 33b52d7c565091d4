"""``POST /v1/responses``: OpenAI's Responses API, guarded like chat completions.

The same runtime flow as the chat endpoint (identity and limits, input check, upstream, output
check, telemetry, shadow policy): the input check reads ``instructions`` and every message item
(tool results as ``tool`` turns) and screens the last user turn, redacting it in the forwarded
body; each ``output_text`` part of the answer is checked on its own, like the choices of a chat
completion. Streams go through :mod:`.responses_stream`.

A request continuing a conversation (``previous_response_id``) is checked with the user turns
remembered for that response first, and each allowed request's turns are remembered under the id
of its answer (:mod:`.responses_history`).

Under a feature with a tool policy, offered tools, tool results in the input and the model's
``function_call`` items go through the tool-call guard (:mod:`.responses_tools`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from functools import partial
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from safeship.gateway.errors import GatewayError
from safeship.gateway.forward_edits import forward_edits
from safeship.gateway.proxy import (
    SSE_HEADERS,
    StreamChecks,
    answer,
    charge_tokens,
    confirmations,
    screen_input,
    screen_tool_results,
)
from safeship.gateway.responses_history import Continuation, conversation_of
from safeship.gateway.responses_reasoning import ReasoningItems, ThinkingBlocked
from safeship.gateway.responses_shapes import (
    ResponsesRequest,
    clean_output,
    filtered,
    output_text_parts,
    refusal_message,
    refusal_response,
)
from safeship.gateway.responses_stream import (
    ResponsesRelay,
    named_sse,
    refusal_events,
    relay_responses,
)
from safeship.gateway.responses_tools import HeldCalls, check_offered, drop_calls, judge_output
from safeship.gateway.shapes import extension, refusal_text
from safeship.gateway.spent_tokens import Confirmations
from safeship.gateway.state import Call, GatewayState, begin, state_of
from safeship.gateway.tools import ToolVerdict
from safeship.types import Action, Decision, Message, Stage

router = APIRouter()
PATH = "/responses"


@router.post("/v1/responses")
async def responses(request: Request) -> Response:
    """Guarded Responses API calls, streamed or not."""
    call, body = await begin(request, ResponsesRequest, "responses")
    gw = state_of(request)
    messages = body.guard_messages()
    tools = gw.tools.get(call.scope.feature)
    confirm = confirmations(request, call)
    if tools is not None:
        check_offered(tools, call.data)
    earlier = await Continuation.open(
        gw, call, body.previous_response_id, conversation_of(call.data)
    )
    if tools is not None and tools.policy.screen_results:
        blocked = await screen_tool_results(request, call, messages)
        if blocked is not None:
            return _refuse(body, blocked, call, earlier)
    screened = body.last_user_text()
    decision = await screen_input(request, call, earlier.checked(messages), screened)
    if decision.blocked:
        return _refuse(body, decision, call, earlier)
    if decision.action is Action.REDACT and decision.redacted_text is not None:
        body.redact_input(call.data, decision.redacted_text)
        body = ResponsesRequest.model_validate(call.data)
        messages = body.guard_messages()
    system = next((m.content for m in messages if m.role == "system"), None)
    edits = await forward_edits(gw, call, body.input_turns(), system)
    if (edits.drop or edits.text) and isinstance(body.input, list):  # the client's own copies
        call.data["input"] = edits.apply(call.data["input"])
        body = ResponsesRequest.model_validate(call.data)
        messages = body.guard_messages()
    earlier.allowed([m.content for m in messages if m.role == "user"])
    if body.stream:
        return await _stream(request, call, messages, confirm, earlier)
    return await _whole(request, call, messages, decision, confirm, earlier)


def _refuse(
    body: ResponsesRequest, decision: Decision, call: Call, earlier: Continuation
) -> Response:
    response = refusal_response(body.model, decision, call.request_id, call.standing.level)
    earlier.mark(response["safeship"])
    if not body.stream:
        return JSONResponse(response)

    async def stream() -> Any:
        for part in refusal_events(response):
            yield part

    return StreamingResponse(stream(), media_type="text/event-stream", headers=SSE_HEADERS)


async def _whole(
    request: Request,
    call: Call,
    messages: list[Message],
    input_decision: Decision,
    confirm: Confirmations | None,
    earlier: Continuation,
) -> Response:
    gw = state_of(request)
    start = time.perf_counter()
    data = await gw.upstream.call("POST", PATH, call.data)
    gw.metrics.upstream_latency.labels("response").observe(time.perf_counter() - start)
    if not isinstance(data, dict) or not isinstance(data.get("output"), list):
        raise GatewayError(502, "upstream_invalid_response", "the model server sent no output")
    await charge_tokens(request, call, data)
    clean_output(data)
    thoughts = await _settle_thinking(gw, call, messages, data)  # blocked: calls gone too
    parts = [p for p in output_text_parts(data) if isinstance(p.get("text"), str) and p["text"]]
    texts = [str(p["text"]) for p in parts]
    checked = await asyncio.gather(
        *(gw.screener.check(Stage.OUTPUT, messages, call.ctx, t, guard=call.guard) for t in texts)
    )
    for part, (decision, _) in zip(parts, checked, strict=True):
        if decision.blocked:
            part["text"] = refusal_text(decision.refusal)
            part["annotations"] = []
            filtered(data)
        elif decision.action is Action.REDACT and decision.redacted_text is not None:
            part["text"] = decision.redacted_text
            part["annotations"] = []
    if any(decision.blocked for decision, _ in checked):
        drop_calls(data)  # the refusal stands alone, and no token is spent on a dropped call
    verdicts: list[ToolVerdict] = []
    if confirm is not None:  # tokens claimed for the calls that survived the output checks
        await confirm.claim()
        try:
            verdicts = judge_output(data, confirm.judge, call.request_id)
        finally:
            await confirm.settle()
    said = texts[0] if len(texts) == 1 else None  # as generated: the store redacts it
    checks = [*checked, *thoughts]
    judged = [v.json() for v in verdicts]
    sent = await answer(
        gw, call, messages, data, input_decision, checks, said, judged, earlier.mark
    )
    await earlier.remember(data.get("id"))
    return sent


async def _settle_thinking(
    gw: GatewayState, call: Call, messages: list[Message], data: dict[str, Any]
) -> list[tuple[Decision, float]]:
    """Apply the ``reasoning`` mode to a whole answer's reasoning items; the checks made.

    A blocked thought replaces the whole output with the refusal: the answer (and any call)
    came from the same thinking.
    """
    checks: list[tuple[Decision, float]] = []

    async def check(text: str) -> tuple[str, Decision | None]:
        decision, seconds = await gw.screener.check(
            Stage.OUTPUT, messages, call.ctx, text, guard=call.guard
        )
        checks.append((decision, seconds))
        if decision.blocked:
            return "", decision
        redacted = decision.action is Action.REDACT and decision.redacted_text is not None
        return (decision.redacted_text or "") if redacted else text, None

    try:
        await ReasoningItems(gw.config.reasoning, check).settle_output(data)
    except ThinkingBlocked as stop:
        data["output"] = [refusal_message(stop.decision, call.request_id)]
        filtered(data)
    return checks


async def _stream(
    request: Request,
    call: Call,
    messages: list[Message],
    confirm: Confirmations | None,
    earlier: Continuation,
) -> Response:
    gw = state_of(request)
    start = time.perf_counter()
    stack = AsyncExitStack()
    events = await stack.enter_async_context(gw.upstream.stream(PATH, call.data))
    gw.metrics.upstream_latency.labels("response.stream").observe(time.perf_counter() - start)
    checks = StreamChecks(gw, call, messages)
    ext = partial(extension, request_id=call.request_id, escalation=call.standing.level)

    def ext_of(decision: Decision | None) -> dict[str, Any]:
        return earlier.mark(ext(decision))

    calls = None
    if confirm is not None:  # claimed for the stream's life, settled when it ends
        await confirm.claim()
        calls = HeldCalls(confirm.judge)
    relay = ResponsesRelay(checks.guard, call.request_id, ext_of, calls, gw.config.reasoning)
    return checks.response(
        _remembering(relay_responses(events, relay), relay, earlier),
        stack,
        lambda: (relay.worst, relay.text()),
        lambda e: named_sse({"type": "error", **e.body()}, relay.next_number()),
        confirm.settle if confirm is not None else None,
    )


async def _remembering(
    parts: AsyncIterator[bytes], relay: ResponsesRelay, earlier: Continuation
) -> AsyncIterator[bytes]:
    """The stream's bytes; its turns are remembered under its id before that id leaves.

    The id first shows in ``response.created``: a client that reads it and hangs up may still
    continue that response at the provider, so the turns are kept from then on, not only once
    the stream completes (and under the final id too, should it differ).
    """
    kept: set[str] = set()
    async for part in parts:
        for response_id in (relay.first_id, relay.final_id):
            if response_id is not None and response_id not in kept:
                kept.add(response_id)
                await earlier.remember(response_id)
        yield part
