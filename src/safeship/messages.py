"""Read chat messages in the shapes callers already have: OpenAI chat and Responses dicts.

Why: a library user hands the guard the same ``messages`` list they send to their model. That list
holds multi-part content (``[{"type": "text", "text": ...}, {"type": "image_url", ...}]``), an
assistant turn whose ``content`` is ``None`` because it only made ``tool_calls``, the legacy
``function`` role, a ``refusal`` field, ``tool_call_id`` and whatever fields the provider adds next.
Refusing all of that with an ``InputError`` made every agent or vision app reshape its messages
first. Text parts are read the way the gateway reads them (joined by line breaks); parts with no
text (images, audio, files) cannot be screened by text detectors and are skipped, as the gateway
skips them. A value of the wrong type is still an error that names the message and field.

An assistant turn that made tool calls is read with no text (``made_tool_calls``). The input
check reads assistant turns only to tell whether one was the guard's refusal, and a refusal never
carries calls (a blocked answer's calls are dropped), so words beside calls are a caller's; read
as a refusal, they would hide the turn before them from the guard's window while the gateway
still forwarded it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast, get_args

from safeship.errors import InputError
from safeship.types import Message, Role

_ROLES = frozenset(get_args(Role))
_TEXT_PART_TYPES = frozenset({"text", "input_text", "output_text"})


def _part_text(part: object, where: str) -> str | None:
    """The text of one content part; None for a part that carries no text."""
    if isinstance(part, str):
        return part
    if not isinstance(part, Mapping):
        raise InputError(f"{where}: a content part must be an object, got {type(part).__name__}")
    kind = part.get("type")
    if kind is not None and not isinstance(kind, str):
        raise InputError(f"{where}.type: expected a string, got {type(kind).__name__}")
    text = part.get("text")
    if kind in _TEXT_PART_TYPES or (kind is None and text is not None):
        if not isinstance(text, str):
            raise InputError(f"{where}.text: a {kind or 'text'} part needs a string text")
        return text
    if kind == "refusal" and isinstance(part.get("refusal"), str):
        return cast(str, part["refusal"])
    streams = [part.get(k) for k in ("stdout", "stderr")]  # a shell call's output
    if kind is None and any(isinstance(v, str) and v for v in streams):
        return "\n".join(v for v in streams if isinstance(v, str) and v)
    return None


def with_text(content: object, text: str) -> object:
    """``content`` with its text replaced by ``text``, its other parts (images, audio) kept.

    For sending a redacted turn: the guard reads a turn's text parts joined, so the redaction
    goes in one text part where the first one was, and the parts with no text stay as they were
    (a redacted question about a receipt keeps the receipt). A string content is the text.
    """
    if not isinstance(content, list):
        return text
    out: list[object] = []
    placed = False
    for i, part in enumerate(content):
        if _part_text(part, f"content[{i}]") is None:
            out.append(part)
        elif not placed:
            kind = part.get("type", "text") if isinstance(part, Mapping) else "text"
            out.append({"type": kind if kind in _TEXT_PART_TYPES else "text", "text": text})
            placed = True
    return out if placed else [{"type": "text", "text": text}, *out]


def content_text(content: object, where: str) -> str:
    """A message's screenable text: a string, or its text parts joined by line breaks."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [_part_text(p, f"{where}[{i}]") for i, p in enumerate(content)]
        return "\n".join(t for t in texts if t is not None)
    raise InputError(f"{where}: content must be a string, a list of parts or null")


def carries_tool_output(kind: str) -> bool:
    """Whether a Responses item of this ``type`` holds a tool's output (an MCP call its own)."""
    return kind.endswith("_output") or kind == "mcp_call"


def made_tool_calls(raw: Mapping[str, Any]) -> bool:
    """Whether a chat message proposes tool calls (``tool_calls``, or legacy ``function_call``)."""
    return bool(raw.get("tool_calls") or raw.get("function_call"))


def turn_text(role: str, text: str, raw: Mapping[str, Any]) -> str:
    """What the guard reads of a chat message whose content reads as ``text``.

    An assistant turn that made tool calls reads as nothing (never a refusal); one with no text
    but a ``refusal`` field reads as its refusal's words. The gateway reads its parsed bodies by
    this rule too, so both judge the same history alike.
    """
    if role == "assistant" and made_tool_calls(raw):
        return ""
    refusal = raw.get("refusal")
    if not text and isinstance(refusal, str):
        return refusal  # an assistant turn that refused carries its words here
    return text


def _item_message(raw: Mapping[str, Any], kind: str, where: str) -> Message | None:
    """A Responses item that is not a message: a tool's output is a ``tool`` turn.

    Any ``*_call_output`` with text output (function, custom tool, shell's stdout and stderr)
    and an ``mcp_call``'s ``output`` (the MCP server's answer) are read, so untrusted tool text
    is screened whatever the tool; an output with no text (a computer-use screenshot) and the
    model's own items (other ``*_call``, ``reasoning``, references) carry nothing to screen.
    """
    if not carries_tool_output(kind):
        return None
    output = raw.get("output")
    if not isinstance(output, str | list):
        return None
    return Message(role="tool", content=content_text(output, f"{where}.output"))


def message_from(raw: object, index: int) -> Message | None:
    """One message from a ``Message`` or an OpenAI-style mapping; errors name ``messages[i]``.

    None for a Responses item that carries nothing to screen (a ``function_call`` the model
    made, its ``reasoning``); a ``function_call_output`` is a tool result.
    """
    if isinstance(raw, Message):
        return raw
    where = f"messages[{index}]"
    if not isinstance(raw, Mapping):
        raise InputError(f"{where}: a message must be an object, got {type(raw).__name__}")
    kind = raw.get("type")
    if kind is not None and not isinstance(kind, str):
        raise InputError(f"{where}.type: expected a string, got {type(kind).__name__}")
    if "role" not in raw and kind is not None and kind != "message":
        return _item_message(raw, kind, where)
    role = raw.get("role", "user" if kind == "message" else None)
    if role is not None and not isinstance(role, str):
        raise InputError(f"{where}.role: expected a string, got {type(role).__name__}")
    if role == "function":
        role = "tool"  # the legacy name of the tool role
    if role not in _ROLES:
        raise InputError(f"{where}.role: expected one of {sorted(_ROLES)}, got {role!r}")
    if "content" not in raw and not any(k in raw for k in ("tool_calls", "function_call")):
        raise InputError(f"{where}.content: missing")
    text = turn_text(role, content_text(raw.get("content"), f"{where}.content"), raw)
    name = raw.get("name")
    return Message(role=role, content=text, name=name if isinstance(name, str) else None)
