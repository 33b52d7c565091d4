"""``POST /v1/moderations``: OpenAI's moderation API, answered by our own guard.

Apps that call ``client.moderations.create(input=...)`` before their model can point the official
client at the gateway and get the same response shape, offline. Each input is checked as one user
message at the input stage under the caller's feature and (capped) tier, recorded like any other
decision (endpoint ``moderations``), and mapped to OpenAI's categories by
``moderation_categories``.

What the fields mean here:

* ``flagged`` is the guard's decision, not a threshold re-derived from scores: true exactly when
  the policy's action for that input is ``block``. ``warn`` lets the text through by the
  policy's own choice, and ``redact`` passes it once spans (an e-mail address, a key) are
  removed; a client that refuses on ``flagged`` would otherwise refuse texts the policy allows.
  An errored detector under fail mode ``closed`` blocks, so it is flagged too.
* A category is true when it maps from one of the decision's categories whose flag carried a
  non-allow action, and only on a flagged result, so that, as in OpenAI's own answers, a true
  category always means ``flagged``. What a ``warn`` or ``redact`` was about is in the result's
  ``safeship`` extension (``action``, ``categories``) and in ``category_scores``.
* ``flagged`` can be true with no OpenAI category set (prompt injection, secrets, a detector
  error): those have no OpenAI counterpart, and the extension names them.
* ``errored`` in the extension lists detectors that failed or timed out: under fail mode
  ``open`` the result is not flagged, but it is never presented as fully checked.
* Image parts are accepted and not checked: the extension lists them in ``unchecked_parts`` and
  ``category_applied_input_types`` only ever says ``text``. An input with no text at all is a
  400, since answering "not flagged" for a picture nobody looked at would read as clean.

No raw finding text is returned (the extension carries categories, scores and codes only).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse

from safeship.gateway.escalation import block_certainty
from safeship.gateway.moderation_categories import OPENAI_CATEGORIES, openai_flags, openai_scores
from safeship.gateway.screening import acting_flags
from safeship.gateway.shapes import extension
from safeship.gateway.state import Call, begin, state_of
from safeship.guard import Guard
from safeship.types import Action, Decision, Message, Stage

router = APIRouter()

MAX_INPUTS = 64
"""Most inputs (or parts) one request may carry: each is a full guard check."""

DEFAULT_MODEL = "safeship-guard"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ImageUrl(_Strict):
    """Where an image is (a URL or a data URL); never fetched."""

    url: str


class Part(_Strict):
    """One part of a multimodal input: ``text`` parts are checked, ``image_url`` parts are not.

    One model with a ``type`` rather than a tagged union, so a bad part's 400 names the field
    at fault (``input.1.text``, ``input.0.type``) instead of a union member.
    """

    type: Literal["text", "image_url"]
    text: str | None = Field(default=None, validate_default=True)
    image_url: ImageUrl | None = Field(default=None, validate_default=True)

    @field_validator("text", "image_url")
    @classmethod
    def _belongs(cls, value: object, info: ValidationInfo) -> object:
        """``text`` is required on (and only on) a text part, ``image_url`` on an image part."""
        kind = info.data.get("type")
        if kind is None:  # the type itself was wrong: that is the error to report
            return value
        needed = (kind == "text") == (info.field_name == "text")
        if needed and value is None:
            raise ValueError(f"{kind!r} parts need {info.field_name!r}")
        if not needed and value is not None:
            raise ValueError(f"{kind!r} parts have no {info.field_name!r}")
        return value


@dataclass(frozen=True)
class Item:
    """One thing to moderate: its text, and the parts of it nobody checked."""

    text: str
    unchecked_parts: tuple[int, ...] = ()


class ModerationRequest(_Strict):
    """``POST /v1/moderations``: OpenAI's fields plus safeship's ``feature``, ``tier``, ``user``."""

    input: str | list[str] | list[Part]
    model: str = DEFAULT_MODEL
    feature: str | None = None
    tier: Literal["anonymous", "authenticated", "internal"] | None = None
    user: str | None = None

    @field_validator("input")
    @classmethod
    def _sized(cls, value: str | list[str] | list[Part]) -> Any:
        """Refuse empty lists, lists over the cap, and multimodal input with no text."""
        if isinstance(value, str):
            return value
        if not value:
            raise ValueError("must not be an empty list")
        if len(value) > MAX_INPUTS:
            raise ValueError(f"at most {MAX_INPUTS} items per request, got {len(value)}")
        parts = [p for p in value if not isinstance(p, str)]
        if parts and not any(isinstance(p, Part) and (p.text or "").strip() for p in parts):
            raise ValueError("has no text part; image parts are not checked by this gateway")
        return value

    def items(self) -> list[Item]:
        """What gets one result each: every string, or all the parts together as one input."""
        if isinstance(self.input, str):
            return [Item(self.input)]
        if all(isinstance(v, str) for v in self.input):
            return [Item(v) for v in self.input if isinstance(v, str)]
        parts = [p for p in self.input if isinstance(p, Part)]
        texts = [p.text for p in parts if p.text is not None]
        skipped = tuple(i for i, p in enumerate(parts) if p.type == "image_url")
        return [Item("\n".join(texts), skipped)]


@router.post("/v1/moderations")
async def moderations(request: Request) -> JSONResponse:
    """Moderate every input with the guard and answer in OpenAI's moderation shape."""
    call, body = await begin(request, ModerationRequest, "moderations")
    gw = state_of(request)
    items = body.items()
    asked = [[Message(role="user", content=item.text)] for item in items]
    # concurrent like /v1/completions' prompts; recorded below in input order
    checked = await asyncio.gather(
        *(gw.screener.check(Stage.INPUT, m, call.ctx, guard=call.guard) for m in asked)
    )
    counted = _counted(call, body, [d for d, _ in checked])
    for item, messages, (decision, seconds) in zip(items, asked, checked, strict=True):
        await gw.screener.record(
            decision,
            seconds,
            call.scope,
            route=call.route,
            text=item.text,
            standing=call.standing,
            escalate=decision is counted,
        )
        gw.screener.shadow(decision, call.route, call.scope, call.ctx, messages, None, item.text)
    # after every record: the escalation each result reports is the caller's standing now
    results = [
        _result(call, item, decision, await _acting(call, item, decision))
        for item, (decision, _) in zip(items, checked, strict=True)
    ]
    return JSONResponse(
        {
            "id": f"modr-{call.request_id}",
            "model": body.model,
            "results": results,
            "safeship": {"request_id": call.request_id, "escalation": call.standing.level},
        }
    )


def _counted(call: Call, body: ModerationRequest, decisions: list[Decision]) -> Decision | None:
    """The one blocked decision that counts towards escalation, if any: the most certain.

    The caller of this endpoint is usually an app checking its users' posts, not their author:
    a keyed caller that names no ``user`` is never escalated (six flagged posts would suspend
    the app's own key, and its chat traffic with it). Anonymous callers (scoped by IP) and a
    named ``user`` count one violation per request, by its most certain block: a borderline
    item first must not make the rest of a batch free probes of the guard.
    """
    if call.identity.key_id is not None and body.user is None:
        return None
    blocked = [d for d in decisions if d.blocked]
    return max(blocked, key=block_certainty) if blocked else None


async def _acting(call: Call, item: Item, decision: Decision) -> tuple[str, ...]:
    """The acting categories of a flagged item (a long one worked out off the event loop)."""
    if decision.action is not Action.BLOCK:
        return ()
    text = item.text
    return await call.guard.off_loop(len(text), _acting_categories, call.guard, decision, text)


def _result(call: Call, item: Item, decision: Decision, acting: tuple[str, ...]) -> dict[str, Any]:
    """One OpenAI moderation result, with the decision behind it in a ``safeship`` extension."""
    flagged = decision.action is Action.BLOCK
    ext = extension(decision, call.request_id, call.standing.level)
    ext |= {
        "categories": list(decision.categories),
        "errored": list(decision.errored),
        "scores": dict(decision.scores),
    }
    if item.unchecked_parts:
        ext["unchecked_parts"] = list(item.unchecked_parts)
    return {
        "flagged": flagged,
        "categories": openai_flags(acting),
        "category_scores": openai_scores(decision.results),
        "category_applied_input_types": {key: ["text"] for key in OPENAI_CATEGORIES},
        "safeship": ext,
    }


def _acting_categories(guard: Guard, decision: Decision, text: str) -> tuple[str, ...]:
    """The decision's categories whose flag carried a non-allow action.

    A decision the screener made itself (a guard bug, answered fail-closed) raised no flag the
    engine can see and keeps its own categories.
    """
    flags = acting_flags(guard, decision, text)
    acting = tuple(dict.fromkeys(f.category for f in flags if f.action is not Action.ALLOW))
    return acting or decision.categories
