"""OpenAI wire shapes: the request fields the gateway reads, and the responses it writes.

Requests are validated only on the fields the guard needs (strict types, so a wrong type is a
400 naming the field); every other field passes through to the upstream untouched. A blocked
request is answered with an ordinary completion whose text is the refusal, ``finish_reason``
``content_filter`` and a ``safeship`` extension object, so existing clients never break.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from safeship.messages import content_text, turn_text
from safeship.policy.refusals import GENERIC_REFUSAL, shown
from safeship.types import Action, Decision, Message, Refusal


class OpenModel(BaseModel):
    """A request shape: strict types, unknown fields kept (providers add fields often)."""

    model_config = ConfigDict(extra="allow", strict=True)


class ContentPart(OpenModel):
    """One part of a multi-part message; only text parts are screened."""

    type: str
    text: str | None = None

    @model_validator(mode="after")
    def _text_parts_have_text(self) -> ContentPart:
        """A text part without its text is the caller's mistake: a 400 naming it, not a 500."""
        if self.type in ("text", "input_text", "output_text") and self.text is None:
            raise ValueError(f"a {self.type} part needs a string 'text'")
        return self


class ChatMessageIn(OpenModel):
    """A chat message as clients send it."""

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        """The screenable text: a string, or the text parts joined."""
        if isinstance(self.content, list):  # read as the library reads it
            return content_text([p.model_dump() for p in self.content], "content")
        return self.content or ""


def read_messages(messages: Sequence[ChatMessageIn]) -> list[Message]:
    """Chat messages as the guard reads them, by the library's rule (``turn_text``).

    So the gateway and a library user read the same body alike: ``function`` is the old name
    of ``tool``, a ``refusal`` field is the words of an assistant turn with no text, and an
    assistant turn that made tool calls has no text (it is never a refusal, for the guard's
    window and the gateway's drop of refused turns alike).
    """
    return [
        Message(
            role="tool" if m.role == "function" else m.role,
            content=turn_text(m.role, m.text(), m.model_extra or {}),
        )
        for m in messages
    ]


class ChatRequest(OpenModel):
    """``POST /v1/chat/completions``."""

    model: str
    messages: list[ChatMessageIn] = Field(min_length=1)
    stream: bool = False
    n: int = Field(default=1, ge=1, le=16)
    user: str | None = None

    def guard_messages(self) -> list[Message]:
        """The conversation as the guard reads it (``read_messages``)."""
        return read_messages(self.messages)

    def last_user_index(self) -> int | None:
        """Index of the turn the input check screens (and redacts)."""
        users = [i for i, m in enumerate(self.messages) if m.role == "user"]
        return users[-1] if users else None


class CompletionRequest(OpenModel):
    """``POST /v1/completions`` (legacy text completions)."""

    model: str
    prompt: str | list[str]
    stream: bool = False
    n: int = Field(default=1, ge=1, le=16)
    user: str | None = None

    def prompts(self) -> list[str]:
        """Every prompt, each checked on its own."""
        return [self.prompt] if isinstance(self.prompt, str) else list(self.prompt)


@dataclass(frozen=True)
class Dialect:
    """Where the text lives in one API's responses and stream chunks."""

    object_name: str
    chunk_object: str
    chat: bool

    def get_text(self, choice: dict[str, Any], *, stream: bool) -> str | None:
        """The generated text of one choice, if any."""
        if not self.chat:
            value = choice.get("text")
        else:
            holder = choice.get("delta" if stream else "message")
            value = holder.get("content") if isinstance(holder, dict) else None
        return value if isinstance(value, str) else None

    def choice(self, index: int, text: str | None, finish: str | None, *, stream: bool) -> Any:
        """A fresh choice carrying ``text``."""
        if not self.chat:
            return {"index": index, "text": text or "", "finish_reason": finish, "logprobs": None}
        if stream:
            delta = {} if text is None else {"content": text}
            return {"index": index, "delta": delta, "finish_reason": finish, "logprobs": None}
        message = {"role": "assistant", "content": text, "refusal": None}
        return {"index": index, "message": message, "finish_reason": finish, "logprobs": None}

    def set_text(self, choice: dict[str, Any], text: str, *, stream: bool) -> None:
        """Replace the text of one choice in place."""
        if not self.chat:
            choice["text"] = text
        else:
            choice.setdefault("delta" if stream else "message", {})["content"] = text


CHAT = Dialect("chat.completion", "chat.completion.chunk", chat=True)
TEXT = Dialect("text_completion", "text_completion", chat=False)


def refusal_text(refusal: Refusal | None) -> str:
    """What the user reads: the refusal message and, if any, where to go instead."""
    if refusal is None:
        return GENERIC_REFUSAL
    return shown(refusal.message, refusal.redirect)


def extension(
    decision: Decision | None, request_id: str, escalation: str = "none"
) -> dict[str, Any]:
    """The ``safeship`` object added to every response.

    ``escalation`` is the caller's standing after this request (none, warn, throttle), so an
    application can warn its user before throttling or a suspension starts.
    """
    if decision is None:
        return {"action": Action.ALLOW.value, "request_id": request_id, "escalation": escalation}
    out: dict[str, Any] = {
        "action": decision.action.value,
        "stage": decision.stage.value,
        "request_id": request_id,
        "policy_version": decision.policy_version,
        "escalation": escalation,
    }
    if decision.refusal is not None:
        out |= {
            "category": decision.refusal.category,
            "reason_code": decision.refusal.reason_code,
            "redirect": decision.refusal.redirect,
        }
    elif decision.categories:
        out["categories"] = list(decision.categories)
    return out


def refusal_response(
    dialect: Dialect,
    model: str,
    decision: Decision,
    request_id: str,
    n: int = 1,
    escalation: str = "none",
) -> dict[str, Any]:
    """A complete, ordinary-looking response whose every choice is the refusal."""
    text = refusal_text(decision.refusal)
    return {
        "id": f"safeship-{request_id}",
        "object": dialect.object_name,
        "created": int(time.time()),
        "model": model,
        "choices": [dialect.choice(i, text, "content_filter", stream=False) for i in range(n)],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "safeship": extension(decision, request_id, escalation),
    }


def chunk(
    dialect: Dialect,
    template: dict[str, Any] | None,
    text: str | None,
    finish: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A stream chunk carrying ``text``, reusing the id and model of an upstream chunk."""
    template = template or {}
    out = {
        "id": template.get("id", "safeship"),
        "object": dialect.chunk_object,
        "created": template.get("created", int(time.time())),
        "model": template.get("model", ""),
        "choices": [dialect.choice(0, text, finish, stream=True)],
    }
    return out | (extra or {})
