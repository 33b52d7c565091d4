"""The OpenAI-compatible endpoints: input check -> upstream -> output check -> response.

A blocked input never reaches the upstream; a blocked output is replaced by the refusal in the
same response shape; a redacted text is forwarded (input) or returned (output) redacted. Streams
are checked incrementally by ``streaming.StreamGuard``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from safeship.gateway.errors import GatewayError
from safeship.gateway.forward_edits import forward_edits
from safeship.gateway.reasoning import guard_reasoning, reasoning_of
from safeship.gateway.reasoning import strip as strip_reasoning
from safeship.gateway.screening import aredaction_spans
from safeship.gateway.shapes import (
    CHAT,
    TEXT,
    ChatRequest,
    CompletionRequest,
    Dialect,
    extension,
    refusal_response,
    refusal_text,
)
from safeship.gateway.spent_tokens import Confirmations
from safeship.gateway.state import Call, GatewayState, begin, state_of
from safeship.gateway.streaming import StreamGuard, relay, sse
from safeship.gateway.upstream_shapes import clean_chunks, clean_completion
from safeship.types import Action, Decision, Message, Stage

log = logging.getLogger("safeship.gateway")
router = APIRouter()
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _worst(decisions: Sequence[Decision]) -> Decision:
    return max(decisions, key=lambda d: d.action.severity)


@router.get("/v1/models")
async def list_models(request: Request) -> JSONResponse:
    """The upstream's model list (no text to guard, but callers must still be admitted)."""
    gw = state_of(request)
    gw.keys.resolve(request.headers.get("authorization"))
    return JSONResponse(await gw.upstream.call("GET", "/models"))


@router.post("/v1/chat/completions")
async def chat_completions(request: Request) -> Response:
    """Guarded chat completions, streamed or not."""
    call, body = await begin(request, ChatRequest, "chat")
    if body.stream and body.n > 1:
        raise GatewayError(400, "invalid_request", "streaming supports n = 1 only", "n")
    gw = state_of(request)
    messages = body.guard_messages()
    tools = gw.tools.get(call.scope.feature)
    if tools is not None:
        tools.check_offered(call.data)
        if tools.policy.screen_results:
            blocked = await screen_tool_results(request, call, messages)
            if blocked is not None:
                return _refuse(CHAT, body.model, blocked, call, body.stream, body.n)
    index = body.last_user_index()
    scanned = messages[index].content if index is not None else None
    decision = await screen_input(request, call, messages, scanned)
    if decision.blocked:
        return _refuse(CHAT, body.model, decision, call, body.stream, body.n)
    turns = [(m.role, m.content) for m in messages]  # as the guard read them
    system = next((m.content for m in messages if m.role == "system"), None)
    redacted = decision.redacted_text if decision.action is Action.REDACT else None
    edits = await forward_edits(gw, call, turns, system, redacted)
    call.data["messages"] = edits.apply(call.data["messages"])  # the client's own copies too
    messages = edits.apply(messages)
    return await _forward(request, call, CHAT, "/chat/completions", messages, body.stream, decision)


@router.post("/v1/completions")
async def completions(request: Request) -> Response:
    """Guarded legacy text completions; each prompt is checked on its own."""
    call, body = await begin(request, CompletionRequest, "completions")
    prompts = body.prompts()
    if body.stream and (body.n > 1 or len(prompts) > 1):
        raise GatewayError(400, "invalid_request", "streaming supports one prompt, n = 1", "prompt")
    gw = state_of(request)
    checked = await asyncio.gather(
        *(
            gw.screener.check(
                Stage.INPUT, [Message(role="user", content=p)], call.ctx, guard=call.guard
            )
            for p in prompts
        )
    )
    text = prompts[0] if len(prompts) == 1 else None
    as_chat = [Message(role="user", content=text or "")]
    decision = await settle(gw, call, checked, as_chat, text=text, shadow=text is not None)
    if decision.blocked:
        return _refuse(TEXT, body.model, decision, call, body.stream, body.n * len(prompts))
    redacted = [
        d.redacted_text if d.redacted_text is not None else p
        for (d, _), p in zip(checked, prompts, strict=True)
    ]
    if redacted != prompts:
        call.data["prompt"] = redacted[0] if isinstance(body.prompt, str) else redacted
    messages = [Message(role="user", content=redacted[0] if redacted else "")]
    return await _forward(request, call, TEXT, "/completions", messages, body.stream, decision)


async def screen_input(
    request: Request, call: Call, messages: list[Message], scanned: str | None
) -> Decision:
    """The input check under the caller's policy arm, recorded, and shadowed if asked."""
    gw = state_of(request)
    checked = await gw.screener.check(Stage.INPUT, messages, call.ctx, guard=call.guard)
    return await settle(gw, call, [checked], messages, text=scanned)


async def settle(
    gw: GatewayState,
    call: Call,
    checked: Sequence[tuple[Decision, float]],
    messages: Sequence[Message],
    *,
    response: str | None = None,
    text: str | None = None,
    shadow: bool = True,
) -> Decision:
    """Record the worst of ``checked`` (seconds summed) once, and run the shadow policy on it.

    One place for "record, then shadow" so a request's input and output are each counted once,
    whichever route produced them.
    """
    decision = _worst([d for d, _ in checked])
    seconds = sum(spent for _, spent in checked)
    await gw.screener.record(
        decision, seconds, call.scope, route=call.route, text=text, standing=call.standing
    )
    if shadow:
        gw.screener.shadow(decision, call.route, call.scope, call.ctx, messages, response, text)
    return decision


async def screen_tool_results(
    request: Request, call: Call, messages: list[Message]
) -> Decision | None:
    """Tool results since the last user turn, each checked as untrusted input on its own.

    A tool result is data the model is about to read, so an instruction hidden in it (an
    indirect injection) is screened like a user prompt before it gets there.
    """
    gw = state_of(request)
    results: list[str] = []
    for m in reversed(messages):
        if m.role == "user":
            break
        if m.role == "tool" and m.content:
            results.append(m.content)
    for text in results:
        as_input = [Message(role="user", content=text)]
        decision, seconds = await gw.screener.check(
            Stage.INPUT, as_input, call.ctx, guard=call.guard
        )
        if decision.blocked:
            await gw.screener.record(
                decision, seconds, call.scope, route=call.route, text=text, standing=call.standing
            )
            return decision
    return None


def _refuse(
    dialect: Dialect, model: str, decision: Decision, call: Call, stream: bool, n: int
) -> Response:
    response = refusal_response(dialect, model, decision, call.request_id, n, call.standing.level)
    if not stream:
        return JSONResponse(response)
    choice = dialect.choice(0, refusal_text(decision.refusal), "content_filter", stream=True)
    event = {**response, "object": dialect.chunk_object, "choices": [choice]}
    event.pop("usage")

    async def events() -> AsyncIterator[bytes]:
        yield sse(event)
        yield sse("[DONE]")

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


async def _forward(
    request: Request,
    call: Call,
    dialect: Dialect,
    path: str,
    messages: list[Message],
    stream: bool,
    input_decision: Decision,
) -> Response:
    gw = state_of(request)
    start = time.perf_counter()
    if stream:
        return await _forward_stream(request, call, dialect, path, messages, start)
    raw = await gw.upstream.call("POST", path, call.data)
    gw.metrics.upstream_latency.labels(dialect.object_name).observe(time.perf_counter() - start)
    guarded = dialect.chat and call.scope.feature in gw.tools
    data = clean_completion(raw, dialect, tools_guarded=guarded)
    choices = data.get("choices")
    if not isinstance(choices, list):
        raise GatewayError(502, "upstream_invalid_response", "the model server sent no choices")
    await charge_tokens(request, call, data)
    thoughts = await _check_thinking(gw, call, messages, choices) if dialect.chat else []
    texts = [(c, dialect.get_text(c, stream=False)) for c in choices if isinstance(c, dict)]
    checked = await asyncio.gather(
        *(
            gw.screener.check(Stage.OUTPUT, messages, call.ctx, t, guard=call.guard)
            for _, t in texts
            if t
        )
    )
    for (choice, _), (decision, _) in zip([x for x in texts if x[1]], checked, strict=True):
        if decision.blocked:
            dialect.set_text(choice, refusal_text(decision.refusal), stream=False)
            choice["finish_reason"] = "content_filter"
            _drop_calls(choice)
        elif decision.action is Action.REDACT and decision.redacted_text is not None:
            dialect.set_text(choice, decision.redacted_text, stream=False)
    verdicts = await _guard_tool_calls(request, call, choices)  # what survived both checks
    said = next((t for _, t in texts if t), None) if len(checked) == 1 else None
    checks = [*checked, *thoughts]
    return await answer(gw, call, messages, data, input_decision, checks, said, verdicts)


def _drop_calls(choice: dict[str, Any]) -> None:
    """Remove a blocked choice's tool calls: its refusal stands alone.

    The calls came from the same generation as the blocked text, so none may go out next to
    the refusal; they are removed before the tool guard runs, so no confirmation token is
    spent on a call that is never released.
    """
    message = choice.get("message")
    if isinstance(message, dict) and message.get("tool_calls"):
        message["tool_calls"] = None


async def answer(
    gw: GatewayState,
    call: Call,
    messages: list[Message],
    data: dict[str, Any],
    input_decision: Decision,
    checks: Sequence[tuple[Decision, float]],
    said: str | None,
    verdicts: list[dict[str, Any]],
    mark: Callable[[dict[str, Any]], object] | None = None,
) -> JSONResponse:
    """A whole answer, its output checks recorded once, with the ``safeship`` object.

    ``said`` is the one answer text as generated (for telemetry and the shadow policy);
    ``verdicts`` the tool guard's, if any; ``mark`` adds a route's own fields to the
    ``safeship`` object before the body is built (once). Shared by chat, completions and
    Responses.
    """
    final = input_decision
    if checks:
        final = await settle(
            gw, call, checks, messages, response=said, text=said, shadow=said is not None
        )
    data["safeship"] = extension(final, call.request_id, call.standing.level)
    if verdicts:
        data["safeship"]["tool_calls"] = verdicts
    if mark is not None:
        mark(data["safeship"])
    return JSONResponse(data)


async def charge_tokens(request: Request, call: Call, data: dict[str, Any]) -> None:
    """Count the completion's tokens against token quotas; never fails the response."""
    usage = data.get("usage")
    tokens = None
    if isinstance(
        usage, dict
    ):  # chat and completions say completion_tokens, Responses output_tokens
        tokens = usage.get("completion_tokens", usage.get("output_tokens"))
    if not isinstance(tokens, int) or tokens <= 0:
        return
    gw = state_of(request)
    try:
        await gw.limiter.charge(call.scope, tokens)
    except Exception as exc:
        gw.metrics.errors.labels("limiter").inc()
        log.warning("token charge failed (%s), request %s", type(exc).__name__, call.request_id)


async def _check_thinking(
    gw: GatewayState, call: Call, messages: list[Message], choices: list[Any]
) -> list[tuple[Decision, float]]:
    """Apply the config's ``reasoning`` mode to each choice's thinking (see ``reasoning``).

    A blocked thought blocks its choice: the answer becomes the refusal, so a model cannot
    leak in its thinking what its answer declines.
    """
    mode = gw.config.reasoning
    found = [
        (c["message"], *hit)
        for c in choices
        if isinstance(c, dict) and (hit := reasoning_of(c.get("message"))) is not None
    ]
    if mode == "pass" or not found:
        return []
    if mode == "strip":
        for message, _, _ in found:
            strip_reasoning(message)
        return []
    checked = await asyncio.gather(
        *(
            gw.screener.check(Stage.OUTPUT, messages, call.ctx, text, guard=call.guard)
            for _, _, text in found
        )
    )
    for (message, key, _), (decision, _) in zip(found, checked, strict=True):
        if decision.blocked:
            strip_reasoning(message)
            message["content"] = refusal_text(decision.refusal)
            message["tool_calls"] = None
            choice = next(c for c in choices if isinstance(c, dict) and c.get("message") is message)
            choice["finish_reason"] = "content_filter"
        elif decision.action is Action.REDACT and decision.redacted_text is not None:
            message[key] = decision.redacted_text
    return list(checked)


def confirmations(request: Request, call: Call) -> Confirmations | None:
    """The request's confirmation tokens under its feature's tool guard (None: no guard)."""
    gw = state_of(request)
    guard = gw.tools.get(call.scope.feature)
    if guard is None:
        return None
    header = request.headers.get("x-safeship-confirm")
    return Confirmations(
        gw.runtime.spent_tokens, guard, header, call.scope.tenant, call.scope.feature
    )


async def _guard_tool_calls(
    request: Request, call: Call, choices: list[Any]
) -> list[dict[str, Any]]:
    """Apply the feature's tool guard to every proposed call; refused calls are removed.

    The confirmation tokens are claimed only now, with the answer in hand, and the ones that
    confirmed nothing are given back at once (see ``spent_tokens``).
    """
    confirm = confirmations(request, call)
    proposing = [
        (choice, message)
        for choice in choices
        if isinstance(choice, dict)
        and isinstance(message := choice.get("message"), dict)
        and isinstance(message.get("tool_calls"), list)
    ]
    if confirm is None or not proposing:
        return []
    await confirm.claim()
    out: list[dict[str, Any]] = []
    try:
        for choice, message in proposing:
            judged = confirm.judge(message["tool_calls"])
            out += [v.json() for v in judged.verdicts]
            if len(judged.kept) == len(message["tool_calls"]):
                continue
            message["tool_calls"] = judged.kept or None
            if judged.all_held:
                message["content"] = judged.notice()
                choice["finish_reason"] = "content_filter"
    finally:
        await confirm.settle()
    return out


class StreamChecks:
    """One stream's output checks: each check timed, a guard per text, one record at the end.

    Shared by the chat, completions and Responses streams, so their output is checked, timed
    and recorded the same way whatever shape carries it.
    """

    def __init__(self, gw: GatewayState, call: Call, messages: list[Message]) -> None:
        self._gw = gw
        self._call = call
        self._messages = messages
        self.spent: list[float] = []

    async def check(self, text: str) -> Decision:
        """The output check of everything generated so far."""
        decision, seconds = await self._gw.screener.check(
            Stage.OUTPUT, self._messages, self._call.ctx, text, guard=self._call.guard
        )
        self.spent.append(seconds)
        return decision

    def guard(self) -> StreamGuard:
        """A fresh hold-back guard for one streamed text, with the gateway's window."""
        return StreamGuard(
            self.check,
            functools.partial(aredaction_spans, self._call.guard),
            self._gw.config.stream_window_chars,
            self._gw.config.stream_holdback_chars,
        )

    def response(
        self,
        parts: AsyncIterator[bytes],
        upstream: AsyncExitStack,
        outcome: Callable[[], tuple[Decision | None, str]],
        failed: Callable[[GatewayError], bytes],
        after: Callable[[], Awaitable[None]] | None = None,
    ) -> StreamingResponse:
        """Send ``parts``; then close the upstream and record the stream's worst decision.

        An upstream shape no relay foresaw must not cut the stream off mid-air after its 200:
        any other exception ends it with ``failed``'s in-band error (held text stays held).
        ``after`` runs last, however the stream ended (the confirmations' ``settle``).
        """

        async def body() -> AsyncIterator[bytes]:
            try:
                async for part in parts:
                    yield part
            except Exception as exc:  # type and path only: the message may quote model text
                log.error(
                    "stream relay failed (%s), request %s",
                    type(exc).__name__,
                    self._call.request_id,
                )
                yield failed(
                    GatewayError(
                        502,
                        "upstream_invalid_response",
                        "the model server sent an answer the gateway cannot read",
                    )
                )
            finally:
                await upstream.aclose()
                worst, text = outcome()
                if worst is not None:
                    await self._gw.screener.record(
                        worst,
                        sum(self.spent),
                        self._call.scope,
                        streamed=True,
                        route=self._call.route,
                        text=text,
                    )
                if after is not None:
                    await after()

        return StreamingResponse(body(), media_type="text/event-stream", headers=SSE_HEADERS)


async def _forward_stream(
    request: Request,
    call: Call,
    dialect: Dialect,
    path: str,
    messages: list[Message],
    start: float,
) -> Response:
    gw = state_of(request)
    stack = AsyncExitStack()
    events = await stack.enter_async_context(gw.upstream.stream(path, call.data))
    gw.metrics.upstream_latency.labels(dialect.chunk_object).observe(time.perf_counter() - start)
    guarded = dialect.chat and call.scope.feature in gw.tools
    events = clean_chunks(events, dialect, tools_guarded=guarded)
    checks = StreamChecks(gw, call, messages)
    guard = checks.guard()
    thinking = None
    mode = gw.config.reasoning
    if dialect.chat and mode != "pass":  # "pass" sends the thinking on as it came
        thinking = checks.guard() if mode == "check" else None
        events = guard_reasoning(events, thinking)
    confirm = confirmations(request, call) if dialect.chat else None
    if confirm is not None:  # claimed for the stream's life, settled when it ends
        await confirm.claim()
    judge = confirm.judge if confirm is not None else None
    parts = relay(events, guard, dialect, call.request_id, judge, call.standing.level)
    return checks.response(
        parts,
        stack,
        lambda: _outcome(guard, thinking),
        lambda e: sse(e.body()) + sse("[DONE]"),
        confirm.settle if confirm is not None else None,
    )


def _outcome(answer: StreamGuard, thinking: StreamGuard | None) -> tuple[Decision | None, str]:
    """A stream's worst decision over its answer and its thinking, and the answer text."""
    found = [g.worst for g in (answer, thinking) if g is not None and g.worst is not None]
    return (_worst(found) if found else None), answer.text
