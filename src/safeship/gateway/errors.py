"""HTTP errors in one stable JSON shape, and body parsing that names the offending field.

Every error the gateway returns looks like ``{"error": {"type", "message", "field"}}`` (the
OpenAI error shape plus ``field``), whatever raised it, so clients can handle errors generically.
Bodies are read with a byte cap before parsing, so a huge body costs at most the cap in memory.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

M = TypeVar("M", bound=BaseModel)


class GatewayError(Exception):
    """An error with its HTTP status, a stable type string and the field at fault."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body clients receive."""
        return {"error": {"type": self.type, "message": self.message, "field": self.field}}

    def response(self) -> JSONResponse:
        """The error as a JSON response."""
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


async def read_json(request: Request, max_bytes: int) -> Any:
    """Read and parse a JSON body, refusing more than ``max_bytes`` (413) or bad JSON (400)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise GatewayError(413, "body_too_large", f"body exceeds {max_bytes} bytes", "<body>")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise GatewayError(413, "body_too_large", f"body exceeds {max_bytes} bytes", "<body>")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw:
        raise GatewayError(400, "invalid_json", "request body is empty; expected JSON", "<body>")
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise GatewayError(400, "invalid_json", "body is not UTF-8", "<body>") from exc
    except json.JSONDecodeError as exc:
        message = f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise GatewayError(400, "invalid_json", message, "<body>") from exc
    if _SURROGATE_ESCAPE.search(raw):  # only an escape can carry one: skip the walk otherwise
        where = _lone_surrogate(data)
        if where is not None:
            message = "text holds an unpaired surrogate escape (not a Unicode character)"
            raise GatewayError(400, "invalid_json", message, where or "<body>")
    return data


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(value: Any, path: str = "") -> str | None:
    """The field holding an unpaired surrogate, if any (``""``: the body itself).

    Why refuse it: it is not text, and passed on it breaks every UTF-8 encoder downstream (a
    store's batch, the upstream call, a response), turning one odd request into a 500.
    """
    if isinstance(value, str):
        return path if _SURROGATE.search(value) else None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, inner in items:
        found = _lone_surrogate(inner, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def validate(model: type[M], data: Any) -> M:
    """Validate parsed JSON into ``model``; the first problem becomes a 400 naming its field."""
    if not isinstance(data, dict):
        raise GatewayError(400, "invalid_request", "body must be a JSON object", "<body>")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field, message = _most_specific(data, exc)
        raise GatewayError(400, "invalid_request", f"{field}: {message}", field) from exc


def _most_specific(data: Any, exc: ValidationError) -> tuple[str, str]:
    """The deepest problem's field, and its message.

    A field typed as a union (a string or a list of items) fails once per member; the member
    that got furthest into the body names the real fault (``input.0.content``, not ``input``).
    Problems at the same deepest place are joined ("a valid string or a valid list").
    """
    located = [
        (err["loc"] if err["type"] == "missing" else _present(data, err["loc"]), err["msg"])
        for err in exc.errors()
    ]
    located = [(tuple(p for p in loc if not _is_member_tag(p)), msg) for loc, msg in located]
    depth = max(len(loc) for loc, _ in located)
    deepest = [(loc, msg) for loc, msg in located if len(loc) == depth]
    where = deepest[0][0]
    messages = list(dict.fromkeys(msg for loc, msg in deepest if loc == where))
    return ".".join(str(p) for p in where) or "<body>", " or ".join(messages)


def _is_member_tag(part: int | str) -> bool:
    """A union member's name in an error location (``str``, ``list[InputItem]``), not a field."""
    return isinstance(part, str) and ("[" in part or part in _SCALAR_TAGS)


_SCALAR_TAGS = frozenset({"str", "int", "float", "bool", "list", "dict", "none", "literal"})


def _present(data: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The part of an error location that exists in the body (skips union member tags)."""
    out: list[int | str] = []
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        elif _is_member_tag(part):
            continue
        else:
            break
        out.append(part)
    return tuple(out)


async def gateway_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Starlette handler for ``GatewayError``."""
    assert isinstance(exc, GatewayError)
    return exc.response()
