"""Guarded streaming: relay upstream chunks, but only text the guard has already checked.

Text is held back until a check has seen it. A check runs whenever the held-back text reaches
``window`` characters (and once at the end), on everything generated so far, so context is never
lost and *no* unchecked text ever leaves; the window bounds how much is held, hence the added
latency. After each check the last ``holdback`` characters stay held, and the release point never
cuts through a span the policy redacts, so an e-mail address split across two checks is still
caught whole. A block mid-stream ends the stream with a refusal chunk (``finish_reason``
``content_filter``) and ``[DONE]``.

Known limit: an entity longer than ``holdback`` that only becomes recognisable after its first
part was released is redacted from that point on; the released part stays released.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from safeship.detectors.redact import redact
from safeship.gateway.errors import GatewayError
from safeship.gateway.reasoning import ReasoningBlocked
from safeship.gateway.shapes import Dialect, chunk, extension, refusal_text
from safeship.gateway.tool_stream import ToolCallBuffer, ToolJudge, hold, release
from safeship.types import Decision, Finding

CheckFn = Callable[[str], Awaitable[Decision]]
SpansFn = Callable[[Decision, str], Awaitable[list[Finding]]]
ExtensionFn = Callable[[Decision | None], dict[str, Any]]


@dataclass(frozen=True)
class Release:
    """Checked text that may go out now, or the decision that stopped the stream."""

    text: str = ""
    blocked: Decision | None = None


class StreamGuard:
    """Holds streamed text back until the guard has checked it."""

    def __init__(self, check: CheckFn, spans: SpansFn, window: int, holdback: int) -> None:
        self._check = check
        self._spans = spans
        self.window = window
        self.holdback = holdback
        self.text = ""
        self.released = 0
        self.checks = 0
        self.last: Decision | None = None
        self.worst: Decision | None = None

    @property
    def held(self) -> int:
        """Characters received but not yet released."""
        return len(self.text) - self.released

    async def feed(self, delta: str) -> Release:
        """Add generated text; check and release once a window's worth is held."""
        self.text += delta
        if self.held < self.window:
            return Release()
        return await self._run(final=False)

    async def finish(self) -> Release:
        """The generation ended: check everything and release the rest."""
        if self.held == 0 and self.last is not None:
            return Release()
        return await self._run(final=True)

    async def _run(self, *, final: bool) -> Release:
        decision = await self._check(self.text)
        self.checks += 1
        self.last = decision
        if self.worst is None or decision.action.severity > self.worst.action.severity:
            self.worst = decision
        if decision.blocked:
            return Release(blocked=decision)
        spans = await self._spans(decision, self.text)
        point = len(self.text) if final else max(self.released, len(self.text) - self.holdback)
        moved = True
        while moved:  # never cut through a span that will be redacted
            moved = False
            for f in spans:
                if f.start < point < f.end and max(self.released, f.start) < point:
                    point, moved = max(self.released, f.start), True
        start = self.released
        inside = [
            Finding(
                start=max(f.start, start) - start,
                end=min(f.end, point) - start,
                text="",
                entity=f.entity,
                category=f.category,
                score=f.score,
            )
            for f in spans
            if f.end > start and f.start < point
        ]
        self.released = point
        return Release(text=redact(self.text[start:point], inside))


def sse(data: dict[str, Any] | str) -> bytes:
    """One server-sent event."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {payload}\n\n".encode()


async def relay(
    events: AsyncIterator[dict[str, Any]],
    guard: StreamGuard,
    dialect: Dialect,
    request_id: str,
    tools: ToolJudge | None = None,
    escalation: str = "none",
) -> AsyncIterator[bytes]:
    """Turn upstream events into checked SSE bytes, ending with ``[DONE]``.

    With ``tools`` (the feature has a tool guard), ``tool_calls`` deltas are held back until
    the choice finishes and go out only as the judge allows (see ``tool_stream``); without it
    they pass through as the upstream sent them.
    """
    template: dict[str, Any] | None = None
    buffer = ToolCallBuffer()
    ext_of: ExtensionFn = partial(extension, request_id=request_id, escalation=escalation)
    try:
        async for event in events:
            template = template or event
            rest = hold(event, buffer) if tools is not None else event
            if rest is None:
                continue
            event = rest
            choices = event.get("choices") or []
            choice = choices[0] if choices and isinstance(choices[0], dict) else {}
            text = dialect.get_text(choice, stream=True)
            finish = choice.get("finish_reason")
            if not text and not finish:
                yield sse(event)  # role announcements, unguarded tool-call deltas, usage
                continue
            if text:
                out = await guard.feed(text)
                if out.blocked is not None:
                    yield _refusal(dialect, template, out.blocked, ext_of, guard.released > 0)
                    break
                if out.text:
                    yield sse(chunk(dialect, event, out.text))
            if finish:
                parts, stopped = await _close(
                    tools, buffer, dialect, event, template, guard, ext_of
                )
                for part in parts:
                    yield part
                if stopped:
                    break
        else:  # the upstream ended without a finish_reason
            parts, _ = await _close(tools, buffer, dialect, None, template, guard, ext_of)
            for part in parts:
                yield part
    except GatewayError as exc:  # headers are gone: report in-band; held text is never released
        yield _stopped(exc, dialect, template, ext_of)
    yield sse("[DONE]")


async def _close(
    tools: ToolJudge | None,
    buffer: ToolCallBuffer,
    dialect: Dialect,
    last: dict[str, Any] | None,
    template: dict[str, Any] | None,
    guard: StreamGuard,
    ext_of: ExtensionFn,
) -> tuple[list[bytes], bool]:
    """Check and release the rest, then the judged tool calls and the finishing chunk.

    ``last`` is the event that finished the generation, None if the upstream just stopped.
    True with a block, which ends the stream.
    """
    out = await guard.finish()
    if out.blocked is not None:
        return [_refusal(dialect, template, out.blocked, ext_of, guard.released > 0)], True
    parts = [sse(chunk(dialect, last or template, out.text))] if out.text else []
    choices = (last or {}).get("choices") or [{}]
    finish = choices[0].get("finish_reason") if isinstance(choices[0], dict) else None
    if finish or buffer:
        parts += _ending(tools, buffer, dialect, last or template, guard, ext_of, finish)
    return parts, False


def _ending(
    tools: ToolJudge | None,
    buffer: ToolCallBuffer,
    dialect: Dialect,
    template: dict[str, Any] | None,
    guard: StreamGuard,
    ext_of: ExtensionFn,
    finish: str | None,
) -> list[bytes]:
    """The judged tool calls (if any), then the finishing chunk with the ``safeship`` object."""
    parts: list[bytes] = []
    ext = ext_of(guard.worst)
    if tools is not None:
        replaced, judged = release(tools, buffer, dialect, template)
        parts += [sse(c) for c in replaced]
        if judged is not None:
            ext["tool_calls"] = [v.json() for v in judged.verdicts]
            if judged.all_held:
                finish = "content_filter"
            elif finish is None:
                finish = "tool_calls"
    parts.append(sse(chunk(dialect, template, None, finish, {"safeship": ext})))
    return parts


def _stopped(
    exc: GatewayError, dialect: Dialect, template: dict[str, Any] | None, ext_of: ExtensionFn
) -> bytes:
    """The last event of a stream an error stopped: the refusal if the thinking was blocked."""
    if isinstance(exc, ReasoningBlocked):
        return _refusal(dialect, template, exc.decision, ext_of, False)
    return sse(exc.body())


def _refusal(
    dialect: Dialect,
    template: dict[str, Any] | None,
    decision: Decision,
    ext_of: ExtensionFn,
    after_text: bool,
) -> bytes:
    text = ("\n\n" if after_text else "") + refusal_text(decision.refusal)
    ext = {"safeship": ext_of(decision)}
    return sse(chunk(dialect, template, text, "content_filter", ext))
