"""``POST /v1/embeddings``: admitted like chat, screened for private data only, then forwarded.

A RAG app that points the official ``openai`` client at the gateway calls
``client.embeddings.create`` through the same client, so the route must exist and behave like
the upstream's: the upstream's JSON comes back unchanged (``usage`` included, no ``safeship``
object), and its failures are the chat route's clean 502/504 (both go through
``Upstream.call``).

Admission is the chat route's (``state.begin``): API key (401), feature, kill switch (503),
rate limits and token quotas (429). The quota is charged the request-size estimate at admission
only: an embedding has no completion tokens to charge afterwards.

No guard check runs on embeddings. An embedding is never shown to a user, and RAG ingestion
embeds whole documents that legitimately discuss attacks, weapons or abuse: the content layers
(injection, harmful request, toxicity) and block rules would refuse the very corpus a safety
team needs indexed, and would cost an ML pass over every chunk. What must still not leave for a
third-party upstream unnoticed is private data, so the text inputs go through the feature's
**privacy layers** of the input stage, exactly as the policy sets them for chat: the ``secrets``
and ``pii`` layers (thresholds, tier, actions, fail modes) and the deny rules whose action is
``redact``, with allow rules exempting as usual. The engine's own ``decide`` does the redaction,
so a span is replaced here exactly as a chat turn's would be:

* ``redact``: the text is forwarded redacted (``[AWS_ACCESS_KEY_ID]``, ``[EMAIL]``).
* ``block`` (the policy keeps that category from the model, or a secret only a decoded view
  shows has no span to cut out): the whole request is refused with a 400 naming the input,
  since an embedding has no place for a refusal text; nothing is sent upstream.
* a failed layer under ``fail_mode: closed``: a 503, nothing sent (never "passed").
* ``warn`` / ``allow``: forwarded as sent.

The worst decision is recorded once per request (metrics, sink, escalation) without its text:
documents are not triage material and the store need not hold them.

Limitations: token-id inputs (``list[int]``) cannot be read without the model's tokenizer and
pass unscreened; a feature with no privacy layer on its input stage passes everything through;
the privacy layers are pattern-based, so they run off the event loop without per-layer
timeouts (the body cap bounds their work); no shadow policy runs here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Literal

from fastapi import APIRouter
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError
from starlette.requests import Request
from starlette.responses import JSONResponse

from safeship.detectors.base import DetectorInput
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.gateway.errors import GatewayError
from safeship.gateway.shapes import OpenModel
from safeship.gateway.state import Call, GatewayState, begin, state_of
from safeship.policy.engine import decide, match_rules
from safeship.policy.schema import DetectorSpec, FeaturePolicy
from safeship.text.normalise import normalise
from safeship.types import Action, Decision, DetectorResult, DetectorStatus, Stage

router = APIRouter()
MAX_INPUTS = 2048
"""OpenAI's own cap on inputs per request; more is refused before any work is done."""
PRIVACY_DETECTORS = frozenset({"secrets", "pii"})


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


@router.post("/v1/embeddings")
async def embeddings(request: Request) -> JSONResponse:
    """Admit, screen the text inputs for private data, forward, return the upstream's answer."""
    call, body = await begin(request, EmbeddingRequest, "embeddings")
    gw = state_of(request)
    texts = body.texts()
    if texts:
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
    """The texts as they may leave: redacted where the privacy layers say so.

    Raises ``GatewayError`` (400, or 503 for a failed layer) when an input may not leave at all.
    """
    name, feature = call.guard.policy.feature(call.scope.feature)
    screen = _PrivacyScreen(call, name, feature)
    if not screen.specs and not screen.rules:
        return texts
    start = time.perf_counter()
    decisions = await asyncio.to_thread(screen.decide_all, texts)
    worst = max(decisions, key=lambda d: d.action.severity)
    seconds = time.perf_counter() - start
    await gw.screener.record(worst, seconds, call.scope, route=call.route, standing=call.standing)
    for i, decision in enumerate(decisions):
        if decision.blocked:
            raise _refused(decision, "input" if single else f"input.{i}")
    return [
        d.redacted_text if d.action is Action.REDACT and d.redacted_text is not None else t
        for d, t in zip(decisions, texts, strict=True)
    ]


def _refused(decision: Decision, field: str) -> GatewayError:
    """Why an input may not leave, naming it and its categories (never its text)."""
    if "detector_error" in decision.categories:
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


class _PrivacyScreen:
    """The feature's privacy layers and redacting deny rules, applied by the policy engine.

    Everything per text (normalising, scanning, deciding) runs on one worker thread in one
    event loop: a batch can be 2048 whole documents, and the event loop serves every other
    request meanwhile. The detectors' ``detect`` is async by contract, hence the loop.
    """

    def __init__(self, call: Call, name: str, feature: FeaturePolicy) -> None:
        self.guard = call.guard
        self.tier = call.ctx.tier
        self.name = name
        self.feature = feature
        self.specs = [s for s in feature.input if s.detector in PRIVACY_DETECTORS]
        self.rules = [r for r in feature.rules.deny if r.action is Action.REDACT]

    def decide_all(self, texts: Sequence[str]) -> list[Decision]:
        """One decision per text (called on a worker thread)."""

        async def run() -> list[Decision]:
            cache = FeatureCache(NgramHasher())  # pattern layers: no embedder, no embeddings
            return [await self._decide(text, cache) for text in texts]

        return asyncio.run(run())

    async def _decide(self, text: str, cache: FeatureCache) -> Decision:
        norm = normalise(text)
        item = DetectorInput(text=text, normalised=norm, features=cache)
        results = [await self._run_one(spec, item) for spec in self.specs]
        allow = self.feature.rules.allow
        return decide(
            feature_name=self.name,
            feature=self.feature,
            stage=Stage.INPUT,
            tier=self.tier,
            text=text,
            results=results,
            fail_modes={s.key: s.fail_mode for s in self.specs},
            deny_hits=match_rules(self.rules, "deny", text, norm.views, Stage.INPUT),
            allow_hits=match_rules(allow, "allow", text, norm.views, Stage.INPUT),
            policy_version=self.guard.loaded.version,
        )

    async def _run_one(self, spec: DetectorSpec, item: DetectorInput) -> DetectorResult:
        """One layer's result; a crash becomes a failed result for its fail mode, never a pass."""
        try:
            result = await self.guard.detector(spec).detect(item)
        except Exception as exc:  # type only: a message may quote the text
            return DetectorResult(
                detector=spec.key,
                score=0.0,
                category="detector_error",
                status=DetectorStatus.ERRORED,
                error=type(exc).__name__,
            )
        return result.model_copy(update={"detector": spec.key})
