"""The tool-call guard for agents: allow-list, argument schemas, deny rules, confirmations.

Configured per feature in the gateway config (``tools:``), not in the policy: which tools an
agent may call is a property of the deployment that calls it, the policy schema stays owned by
the core (one schema for every plugin), and the config loader already gives located errors.

Checked where the gateway sees tool calls - the model's answer: a call to a tool that is not
allowed, with arguments that fail the JSON schema or match a deny rule, is removed from the
answer. An *irreversible* tool also needs a confirmation token: the first time the model asks for
it, the call is held back and the ``safeship`` extension carries a token bound to the sha256 of
the exact (canonical JSON) arguments, the tenant and the feature, signed with an HMAC key and
valid for ``confirm_ttl_s``. Once a human has confirmed, the client repeats the request with
``X-Safeship-Confirm: TOKEN``; the call then passes if, and only if, its arguments hash to the
same digest. Set the secret's environment variable on every replica so tokens work across them.
A token confirms one call: the request claims its tokens in the spent-token store
(:mod:`.spent_tokens`) and a token that confirmed a released call stays spent, so a replayed
request, or the model proposing the same call again, needs a fresh confirmation.
Tool results the model is about to read are screened by the proxy as untrusted input.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from safeship.gateway.errors import GatewayError
from safeship.gateway.runtime_config import ToolPolicy, ToolSpec


@dataclass(frozen=True)
class ToolVerdict:
    """What happens to one proposed tool call; ``reason`` None means it passes."""

    call_id: str
    tool: str
    reason: str | None = None
    detail: str = ""
    confirmation: dict[str, Any] = field(default_factory=dict)
    confirmed_by: str | None = field(default=None, repr=False)

    def json(self) -> dict[str, Any]:
        """The verdict as the ``safeship`` extension reports it."""
        out: dict[str, Any] = {
            "id": self.call_id,
            "tool": self.tool,
            "allowed": self.reason is None,
        }
        if self.reason is not None:
            out.update(reason=self.reason, detail=self.detail)
        if self.confirmation:
            out["confirmation"] = self.confirmation
        return out


@dataclass(frozen=True)
class Judgement:
    """The tool calls of one answer that may go out, and the verdict on every proposed one."""

    kept: list[dict[str, Any]]
    verdicts: list[ToolVerdict]

    @property
    def all_held(self) -> bool:
        """Calls were proposed and none may go out: the answer becomes a notice instead."""
        return bool(self.verdicts) and not self.kept

    def notice(self) -> str:
        """What the client reads in place of calls that were all held."""
        held = ", ".join(f"{v.tool} ({v.reason})" for v in self.verdicts if v.reason)
        return f"The tool call was held by the gateway: {held}."


_TOKEN = re.compile(r"[0-9]{1,12}\.[0-9a-f]{16}\.[0-9a-f]{64}")


def confirm_tokens(header: str | None) -> list[str]:
    """The well-formed tokens of an ``X-Safeship-Confirm`` header (comma-separated).

    Anything not shaped like a token (``EXPIRY.SCOPE.HMAC``) is ignored here, so a garbled header
    is an unconfirmed call, never a crash after the model has already answered.
    """
    parts = (t.strip() for t in (header or "").split(","))
    return [t for t in parts if _TOKEN.fullmatch(t)]


def args_digest(arguments: Any) -> str:
    """sha256 of the canonical JSON of the arguments (key order and spacing do not matter)."""
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lookup(arguments: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(arguments, dict) and part in arguments:
            arguments = arguments[part]
        elif isinstance(arguments, list) and part.isdigit() and int(part) < len(arguments):
            arguments = arguments[int(part)]
        else:
            return None
    return arguments


class ToolGuard:
    """Applies one feature's ``ToolPolicy``."""

    def __init__(
        self,
        policy: ToolPolicy,
        secret: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy
        self.specs = {t.name: t for t in policy.allow}
        env = os.environ.get(policy.confirm_secret_env)
        self._secret = secret or (env.encode() if env else secrets.token_bytes(32))
        self._clock = clock
        self._validators = {
            t.name: Draft202012Validator(t.json_schema)
            for t in policy.allow
            if t.json_schema is not None
        }

    def check_offered(self, data: dict[str, Any]) -> None:
        """Refuse a request offering the model a tool that is not on the allow-list (400).

        The deprecated ``functions`` parameter is refused outright: its answers
        (``function_call``) would bypass every check here, which reads ``tool_calls``.
        """
        if data.get("functions"):
            message = "use tools, not the deprecated functions, with a tool guard"
            raise GatewayError(400, "tool_not_allowed", message, "functions")
        for i, tool in enumerate(data.get("tools") or []):
            name = (tool.get("function") or {}).get("name") if isinstance(tool, dict) else None
            if name not in self.specs:
                raise GatewayError(
                    400,
                    "tool_not_allowed",
                    f"tool {name!r} is not allowed for this feature",
                    f"tools.{i}.function.name",
                )

    def _scope(self, tenant: str, feature: str, expires: int) -> str:
        message = f"scope\n{tenant}\n{feature}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:16]

    def token(self, tenant: str, feature: str, tool: str, digest: str, expires: int) -> str:
        """The confirmation token for one exact call: ``EXPIRY.SCOPE.HMAC``.

        ``SCOPE`` signs only the tenant, feature and expiry, so a token can be told genuine
        for this caller before the call it confirms is known (see ``live``); ``HMAC`` signs
        the exact call.
        """
        message = f"{tenant}\n{feature}\n{tool}\n{digest}\n{expires}".encode()
        call = hmac.new(self._secret, message, hashlib.sha256).hexdigest()
        return f"{expires}.{self._scope(tenant, feature, expires)}.{call}"

    def live(self, token: str, tenant: str, feature: str) -> int | None:
        """The expiry of a token this guard issued to this tenant and feature, unexpired.

        Checked before a token is claimed in the spent-token store: a forged token, one of
        another tenant or feature, or one expiring later than any token issued now (at most
        ``confirm_ttl_s`` ahead) is never claimed, so it can neither fill the store nor hold a
        genuine token's place while a stream runs.
        """
        expires, _, rest = token.partition(".")
        scope = rest.partition(".")[0]
        if not expires.isdigit():
            return None
        now = self._clock()
        at = int(expires)
        if not now <= at <= now + self.policy.confirm_ttl_s:
            return None
        if not hmac.compare_digest(scope, self._scope(tenant, feature, at)):
            return None
        return at

    def _confirmed(
        self, tokens: Sequence[str], tenant: str, feature: str, tool: str, digest: str
    ) -> str | None:
        """The token confirming this exact call, if any."""
        for token in tokens:
            expires = self.live(token, tenant, feature)
            if expires is None:
                continue
            if hmac.compare_digest(token, self.token(tenant, feature, tool, digest, expires)):
                return token
        return None

    def check_call(
        self,
        call: dict[str, Any],
        tokens: Sequence[str],
        tenant: str,
        feature: str,
        spent: Sequence[str] = (),
    ) -> ToolVerdict:
        """The verdict on one ``tool_calls`` entry of the model's answer.

        ``spent`` are tokens known to be used up: a new confirmation is never one of them (a
        token is signed over whole seconds, so a call held again within the second its spent
        token was issued would otherwise be asked to confirm with that very token).
        """
        fn = call.get("function") or {}
        name, call_id = str(fn.get("name")), str(call.get("id", ""))
        spec = self.specs.get(name)
        if spec is None:
            return ToolVerdict(call_id, name, "tool_not_allowed", "not on the allow-list")
        try:
            arguments = json.loads(fn.get("arguments") or "{}")
        except (TypeError, ValueError):
            return ToolVerdict(call_id, name, "invalid_arguments", "arguments are not JSON")
        problem = self._problem(spec, arguments)
        if problem is not None:
            return ToolVerdict(call_id, name, *problem)
        if not spec.irreversible:
            return ToolVerdict(call_id, name)
        digest = args_digest(arguments)
        used = self._confirmed(tokens, tenant, feature, name, digest)
        if used is not None:
            return ToolVerdict(call_id, name, confirmed_by=used)
        expires = int(self._clock()) + self.policy.confirm_ttl_s
        token = self.token(tenant, feature, name, digest, expires)
        while token in spent:
            expires -= 1
            token = self.token(tenant, feature, name, digest, expires)
        confirmation = {
            "args_sha256": digest,
            "token": token,
            "expires_at": expires,
            "arguments": arguments,
        }
        return ToolVerdict(
            call_id, name, "confirmation_required", "irreversible tool", confirmation
        )

    def judge(
        self,
        calls: Sequence[Any],
        tokens: Sequence[str],
        tenant: str,
        feature: str,
        spent: Sequence[str] = (),
    ) -> Judgement:
        """Verdicts on every call one answer proposes; only the passing ones are kept.

        Streamed and non-streamed answers both come here, so a call refused in one shape is
        refused in the other. A token confirms one call: once it has, the answer's later calls
        (the same call proposed twice) no longer see it.
        """
        proposed = [c for c in calls if isinstance(c, dict)]
        unused, used = list(tokens), list(spent)
        verdicts: list[ToolVerdict] = []
        for c in proposed:
            verdict = self.check_call(c, unused, tenant, feature, used)
            if verdict.confirmed_by is not None:
                unused.remove(verdict.confirmed_by)
                used.append(verdict.confirmed_by)
            verdicts.append(verdict)
        kept = [c for c, v in zip(proposed, verdicts, strict=True) if v.reason is None]
        return Judgement(kept, verdicts)

    def _problem(self, spec: ToolSpec, arguments: Any) -> tuple[str, str] | None:
        validator = self._validators.get(spec.name)
        if validator is not None:
            error = next(iter(validator.iter_errors(arguments)), None)
            if error is not None:
                where = ".".join(str(p) for p in error.absolute_path) or "<arguments>"
                return "invalid_arguments", f"{where}: {error.message}"[:300]
        for rule in spec.deny:
            value = _lookup(arguments, rule.argument)
            if value is not None and re.search(rule.regex, str(value)):
                return "denied_argument", f"argument {rule.argument} is not allowed"
        return None
