"""Gateway configuration: one YAML file, validated with located errors like the policy loader.

Settings are passed to ``create_app``, never read at import. API keys are stored only as sha256
digests, so a leaked config file leaks no credential; ``hash_key`` makes the digest for a new key.
Relative paths (the policy) are resolved against the config file's directory, so a config works
wherever the server is started from. An example::

    upstream:
      base_url: http://127.0.0.1:8080/v1
      api_key_env: UPSTREAM_API_KEY     # the variable's name, never the key
      read_timeout_s: 60
    policy: policy.yaml
    stream_window_chars: 256
    reasoning: check                    # a reasoning model's thinking: check, strip or pass
    allow_anonymous: false
    api_keys:
      - id: shop-web
        sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
        tenant: shop
        feature: support_chat
        tier: authenticated
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from safeship.errors import PolicyError, PolicyProblem, SafeshipError
from safeship.gateway.reasoning import ReasoningMode
from safeship.gateway.runtime_config import AdminConfig, ControlsConfig, StoreConfig, ToolPolicy
from safeship.types import TrustTier
from safeship.yaml_source import parse_yaml_mapping

MAX_CONFIG_BYTES = 1_000_000
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class GatewayConfigError(SafeshipError):
    """The gateway config is invalid; ``problems`` lists every error with file, line and field."""

    def __init__(self, problems: list[PolicyProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def hash_key(key: str) -> str:
    """The sha256 hex digest under which an API key is stored in the config."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApiKey(_Strict):
    """One client key: who it belongs to and how far it is trusted."""

    id: str = Field(description="a name for logs and metrics; never the key itself")
    sha256: str
    tenant: str
    feature: str | None = Field(default=None, description="None: the gateway's default feature")
    tier: TrustTier = TrustTier.AUTHENTICATED
    revoked: bool = False

    @field_validator("sha256")
    @classmethod
    def _is_digest(cls, value: str) -> str:
        value = value.lower()
        if not _SHA256.match(value):
            raise ValueError("must be the 64-hex-digit sha256 of the key (see hash_key)")
        return value

    @field_validator("tenant")
    @classmethod
    def _plain_tenant(cls, value: str) -> str:
        """A name that cannot collide with another tenant's keys.

        Limits, escalation and rollout are keyed ``tenant:user``, and the caller picks
        ``user``: a ``:`` in a tenant name would let ``acme`` + ``eu:alice`` land on
        ``acme:eu`` + ``alice``. ``anonymous`` is every keyless caller's tenant.
        """
        if ":" in value or not value.strip():
            raise ValueError("a tenant name must be non-empty and contain no ':'")
        if value == "anonymous":
            raise ValueError("'anonymous' is the tenant of callers without a key; pick another")
        return value


class UpstreamConfig(_Strict):
    """The OpenAI-compatible server the gateway guards."""

    base_url: str = Field(description="e.g. http://127.0.0.1:8080/v1")
    api_key_env: str | None = Field(
        default=None, description="name of the environment variable holding the upstream key"
    )
    connect_timeout_s: float = Field(default=5.0, gt=0, le=300)
    read_timeout_s: float = Field(default=60.0, gt=0, le=3600)
    total_timeout_s: float = Field(default=300.0, gt=0, le=7200)
    transport: Literal["auto", "httpx", "aiohttp"] = Field(
        default="auto",
        description=(
            "HTTP transport under the httpx client: aiohttp (httpx-aiohttp) costs about 0.3 ms "
            "less CPU per request and scales better under concurrency; auto picks it when "
            "installed (the gateway extra installs it), else httpx's own"
        ),
    )

    @field_validator("base_url")
    @classmethod
    def _is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class GatewayConfig(_Strict):
    """Everything the gateway needs besides the policy itself."""

    upstream: UpstreamConfig
    policy: Path | None = Field(default=None, description="None: the shipped default policy")
    feature_default: str | None = None
    max_body_bytes: int = Field(default=1_000_000, ge=1024, le=100_000_000)
    stream_window_chars: int = Field(default=256, ge=16, le=100_000)
    stream_holdback_chars: int = Field(
        default=32, ge=0, description="tail kept back after a check so spans are never split"
    )
    reasoning: ReasoningMode = Field(
        default="check", description="a reasoning model's thinking: check, strip or pass"
    )
    responses_memory_ttl_s: float = Field(
        default=6 * 3600.0,
        ge=60,
        le=7 * 86400,
        strict=True,
        description=(
            "how long a Responses answer's user turns are kept for a continuation, in memory "
            "or Redis; with Redis, about answers-per-TTL x up to 128 KB is held. At least a "
            "minute: a shorter TTL would silently turn the continuation check off"
        ),
    )
    allow_anonymous: bool = True
    api_keys: list[ApiKey] = Field(default_factory=list)
    candidate_policies: dict[str, Path] = Field(
        default_factory=dict, description="label -> policy file, named by flags"
    )
    controls: ControlsConfig = Field(default_factory=ControlsConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    admin: AdminConfig = Field(default_factory=AdminConfig)
    tools: dict[str, ToolPolicy] = Field(default_factory=dict, description="feature -> tools")

    @model_validator(mode="after")
    def _consistent(self) -> GatewayConfig:
        if self.stream_holdback_chars >= self.stream_window_chars:
            raise ValueError("stream_holdback_chars must be smaller than stream_window_chars")
        ids = [k.id for k in self.api_keys]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"api key id {dupes[0]!r} listed twice")
        digests = [k.sha256 for k in self.api_keys]
        if len(set(digests)) != len(digests):
            raise ValueError("two api keys share one sha256 digest")
        return self

    @property
    def quick_mode(self) -> bool:
        """No keys configured: every caller is anonymous and Authorization is ignored."""
        return not self.api_keys


def parse_gateway_config(text: str, source: str = "<string>") -> GatewayConfig:
    """Parse and validate config YAML; raises ``GatewayConfigError`` listing every problem."""
    try:
        doc = parse_yaml_mapping(text, source, "gateway config")
    except PolicyError as exc:
        raise GatewayConfigError(exc.problems) from exc
    try:
        return GatewayConfig.model_validate(doc.data)
    except ValidationError as exc:
        raise GatewayConfigError(doc.validation_problems(exc)) from exc


def load_gateway_config(path: str | Path) -> GatewayConfig:
    """Read a config file; a relative policy path is taken from the config file's directory."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        problem = PolicyProblem(str(p), None, "<file>", f"cannot read: {exc.strerror}")
        raise GatewayConfigError([problem]) from exc
    if len(raw) > MAX_CONFIG_BYTES:
        raise GatewayConfigError([PolicyProblem(str(p), None, "<file>", "larger than 1 MB")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = PolicyProblem(str(p), None, "<file>", "not valid UTF-8 text")
        raise GatewayConfigError([problem]) from exc
    config = parse_gateway_config(text, str(p))
    if config.policy is not None and not config.policy.is_absolute():
        config = config.model_copy(update={"policy": (p.parent / config.policy).resolve()})
    candidates = {k: (p.parent / v).resolve() for k, v in config.candidate_policies.items()}
    return config.model_copy(update={"candidate_policies": candidates})
