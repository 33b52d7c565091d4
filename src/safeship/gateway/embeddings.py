"""``POST /v1/embeddings``: admitted like chat, screened for private data only, then forwarded.

A RAG app that points the official ``openai`` client at the gateway calls
``client.embeddings.create`` through the same client, so the route must exist and behave like
the upstream's: the upstream's JSON comes back unchanged (``usage`` included, no ``safeship``
object), and its failures are the chat route's clean 502/504 (both go through
``Upstream.call``).

Admission is the chat route's (``state.begin``): API key (401), feature, kill switch (503),
rate limits and token quotas (429). The quota is charged the request-size estimate at admission
only: an embedding has no completion tokens to charge afterwards.

No content check runs on embeddings. An embedding is never shown to a user, and RAG ingestion
embeds whole documents that legitimately discuss attacks, weapons or abuse: the content layers
(injection, harmful request, toxicity) and content deny rules would refuse the very corpus a
safety team needs indexed, and would cost an ML pass over every chunk. What must still not leave
for a third-party upstream unnoticed is private data, so each text input goes through the
feature's **privacy layers** (``Guard.acheck_privacy``, ``safeship.privacy``), exactly as the
policy sets them for chat (thresholds, tier, actions, fail modes, allow rules):

* ``redact``: the text is forwarded redacted (``[GITHUB_TOKEN]``, ``[EMAIL]``).
* ``block`` (the policy keeps that data from the model): the whole request is refused with a 400
  naming the input, since an embedding has no place for a refusal text; nothing is sent.
* a failed layer under ``fail_mode: closed``: a 503, nothing sent (never "passed").
* ``warn`` / ``allow``: forwarded as sent.

Token ids cannot be read without the model's tokenizer, so a feature with privacy layers refuses
them (400) rather than forward what it cannot screen; LangChain's ``OpenAIEmbeddings`` sends
them unless ``check_embedding_ctx_length=False``. A feature without privacy layers forwards
everything. Decisions are recorded without their text (documents are not triage material), and
private data in a document is no violation by the caller: nothing here escalates.
"""

from __future__ import annotations

import asyncio
import time
from typing import Literal

from fastapi import APIRouter
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError
from starlette.requests import Request
from starlette.responses import JSONResponse

from safeship.gateway.errors import GatewayError
from safeship.gateway.shapes import OpenModel
from safeship.gateway.state import Call, GatewayState, begin, state_of
from safeship.privacy import as_sent, privacy_view
from safeship.types import Action, Decision

router = APIRouter()
MAX_INPUTS = 2048
"""OpenAI's own cap on inputs per request; more is refused before any work is done."""


class EmbeddingRequest(OpenModel):
    """``POST /v1/embeddings``: the known fields typed, any other passed through untouched."""

    model: str
    input: str | list[str] | list[int] | list[list[int]]
    encoding_format: Literal["float", "base64"] | None = None
    dimensions: int | None = Field(default=None, ge=1)
    user: str | None = None

    @field_validator("input")
    @classmethod
    def _some_input(
        cls, value: str | list[str] | list[int] | list[list[int]]
    ) -> str | list[str] | list[int] | list[list[int]]:
        """Empty inputs and oversized batches are the caller's mistake: say so before forwarding.

        The upstream would refuse them too, but only after the request was admitted, counted and
        sent; a 400 naming ``input`` is cheaper and clearer.
        """
        if len(value) == 0:
            raise PydanticCustomError("empty_input", "must not be empty")
        if isinstance(value, str) or isinstance(value[0], int):
            return value  # one text, or one list of token ids
        if len(value) > MAX_INPUTS:
            raise PydanticCustomError(
                "too_many_inputs",
                "at most {cap} inputs per request, got {count}",
                {"cap": MAX_INPUTS, "count": len(value)},
            )
        empty = next((i for i, item in enumerate(value) if len(item) == 0), None)
        if empty is not None:
            raise PydanticCustomError("empty_input", "item {index} is empty", {"index": empty})
        return value

    def texts(self) -> list[str]:
        """The text inputs, in order (token ids are not text: none)."""
        if isinstance(self.input, str):
            return [self.input]
        return [t for t in self.input if isinstance(t, str)]

    def has_token_ids(self) -> bool:
        """Whether any input is token ids rather than text."""
        return not isinstance(self.input, str) and not all(isinstance(t, str) for t in self.input)


@router.post("/v1/embeddings")
async def embeddings(request: Request) -> JSONResponse:
    """Admit, screen the text inputs for private data, forward, return the upstream's answer."""
    call, body = await begin(request, EmbeddingRequest, "embeddings")
    gw = state_of(request)
    _, feature = call.guard.policy.feature(call.scope.feature)
    if privacy_view(feature) is not None:
        if body.has_token_ids():
            raise GatewayError(
                400,
                "unscreenable_input",
                "input holds token ids, which this gateway cannot screen for private data; "
                "send text (LangChain: OpenAIEmbeddings(check_embedding_ctx_length=False))",
                "input",
            )
        texts = body.texts()
        sent = await screen_texts(gw, call, texts, single=isinstance(body.input, str))
        if sent != texts:
            call.data["input"] = sent[0] if isinstance(body.input, str) else sent
    start = time.perf_counter()
    data = await gw.upstream.call("POST", "/embeddings", call.data)
    gw.metrics.upstream_latency.labels("embeddings").observe(time.perf_counter() - start)
    return JSONResponse(data)


async def screen_texts(
    gw: GatewayState, call: Call, texts: list[str], *, single: bool
) -> list[str]:
    """The texts as they may leave: through the guard's privacy layers (``Guard.acheck_privacy``).

    The guard's own check runs each text, so its timeouts, long-text lane and fail modes apply
    as on chat; the loop is yielded between texts, so a batch of 2048 documents does not hold
    up other requests. Every decision that acted is recorded, or one ``allow`` when none did.

    Raises ``GatewayError`` (400, or 503 for a failed layer) when an input may not leave at all.
    """
    decisions = []
    for text in texts:
        decisions.append(await call.guard.acheck_privacy(text, call.ctx))
        await asyncio.sleep(0)
    acted = [d for d in decisions if d.action is not Action.ALLOW] or decisions[:1]
    for decision in acted:
        seconds = sum(decision.timings_ms.values()) / 1000
        await gw.screener.record(
            decision,
            seconds,
            call.scope,
            route=call.route,
            standing=call.standing,
            escalate=False,
        )
    for i, decision in enumerate(decisions):
        if decision.blocked:
            raise _refused(decision, "input" if single else f"input.{i}")
    return [as_sent(d, t) for d, t in zip(decisions, texts, strict=True)]


def _refused(decision: Decision, field: str) -> GatewayError:
    """Why an input may not leave, naming it and its categories (never its text)."""
    if decision.errored:
        return GatewayError(
            503,
            "guard_unavailable",
            f"{field} could not be screened for private data; nothing was sent",
            field,
        )
    kept = ", ".join(decision.categories)
    return GatewayError(
        400,
        "content_filter",
        f"{field} holds {kept}, which this feature's policy keeps from the model",
        field,
    )
