"""The gateway config sections for runtime controls, telemetry, the admin API and agent tools.

Kept apart from ``config`` (upstream, keys, streaming) so each file stays readable. Every
section has a default that needs no server: limits and flags in memory, decisions in SQLite at
``./safeship.db``. Secrets never appear in the file: admin tokens are sha256 digests (or the
name of an environment variable), like API keys. An example::

    controls:
      redis_url: redis://127.0.0.1:6379/0     # shared by every replica; omit for in-memory
      limits:
        - {name: per-user, scope: user, rate: 60/minute, fail_mode: open}
        - {name: tokens, scope: key, unit: tokens, rate: 200000/day, fail_mode: closed}
      escalation: {warn_at: 1, throttle_at: 3, suspend_at: 6, half_life_s: 3600, min_score: 0.8}
      throttle_rate: 5/minute
      flags: [{feature: support_chat, rollout_percent: 10, candidate_policy: next, shadow: true}]
    candidate_policies: {next: policy-next.yaml}
    store: {url: ./safeship.db, retention_days: 30, raw_text: false}
    admin:
      token_env: SAFESHIP_ADMIN_TOKEN          # an operator token: every tenant, flags, reload
      tokens: [{id: shop-ops, sha256: ..., tenant: shop}]   # read-only, one tenant
    tools:
      agent:
        allow:
          - name: lookup_order
            schema: {type: object, properties: {id: {type: integer}}, required: [id]}
          - name: refund
            irreversible: true
            deny: [{argument: amount, regex: '^[0-9]{4,}'}]
"""

from __future__ import annotations

import re
from typing import Any

from limits import parse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from safeship.controls import EscalationPolicy, FeatureFlag, LimitRule

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ControlsConfig(_Strict):
    """Rate limits, escalation and feature flags; Redis when several replicas must agree."""

    redis_url: str | None = Field(default=None, description="None: in memory (one replica)")
    key_prefix: str = "safeship"
    limits: list[LimitRule] = Field(default_factory=list)
    escalation: EscalationPolicy = Field(default_factory=EscalationPolicy)
    throttle_rate: str = Field(default="5/minute", description="per user at the throttle level")
    flags: list[FeatureFlag] = Field(default_factory=list, description="defaults, not overrides")
    flag_cache_ttl_s: float = Field(default=0.5, gt=0, le=1.0)

    @field_validator("throttle_rate")
    @classmethod
    def _parses(cls, value: str) -> str:
        parse(value)
        return value


class StoreConfig(_Strict):
    """Where decisions and reports go, how long they stay, and whether raw text is kept."""

    url: str | None = Field(default="./safeship.db", description="path, URL, or None: no store")
    retention_days: float | None = Field(default=30.0, gt=0)
    raw_text: bool = Field(default=False, description="opt in to storing unredacted text")
    max_buffer: int = Field(default=10_000, ge=1)
    flush_timeout_s: float = Field(default=5.0, ge=0, description="at shutdown")


class AdminToken(_Strict):
    """A read-only admin token scoped to one tenant."""

    id: str
    sha256: str
    tenant: str

    @field_validator("sha256")
    @classmethod
    def _is_digest(cls, value: str) -> str:
        value = value.lower()
        if not _SHA256.match(value):
            raise ValueError("must be the 64-hex-digit sha256 of the token (see hash_key)")
        return value


class AdminConfig(_Strict):
    """Who may call ``/admin``: an operator token (all tenants, writes) and tenant readers."""

    token_sha256: str | None = Field(default=None, description="digest of the operator token")
    token_env: str | None = Field(default="SAFESHIP_ADMIN_TOKEN", description="or its variable")
    tokens: list[AdminToken] = Field(default_factory=list)

    @field_validator("token_sha256")
    @classmethod
    def _is_digest(cls, value: str | None) -> str | None:
        """A pasted token instead of its digest would never match: say so at start-up."""
        if value is None:
            return None
        value = value.lower()
        if not _SHA256.match(value):
            raise ValueError("must be the 64-hex-digit sha256 of the token (see hash_key)")
        return value


class DenyRule(_Strict):
    """Refuse a call whose argument at ``argument`` (dotted path) matches ``regex``."""

    argument: str
    regex: str

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value


class ToolSpec(_Strict):
    """One allowed tool: its argument schema, deny rules, and whether it needs confirmation."""

    name: str
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    deny: list[DenyRule] = Field(default_factory=list)
    irreversible: bool = False

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("json_schema")
    @classmethod
    def _valid_schema(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            from jsonschema import Draft202012Validator

            Draft202012Validator.check_schema(value)
        return value


class ToolPolicy(_Strict):
    """The tool rules of one feature; a feature with none has no tool guard."""

    allow: list[ToolSpec] = Field(default_factory=list)
    screen_results: bool = Field(default=True, description="screen tool results as input")
    confirm_ttl_s: int = Field(default=900, ge=10)
    confirm_secret_env: str = Field(
        default="SAFESHIP_TOOL_SECRET", description="shared by replicas; else one per process"
    )
