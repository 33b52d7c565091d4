"""Gateway config: located errors, hashed keys, relative policy paths; identity resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeship.gateway import (
    GatewayConfig,
    GatewayConfigError,
    hash_key,
    load_gateway_config,
    parse_gateway_config,
)
from safeship.gateway.errors import GatewayError
from safeship.gateway.identity import KeyRing
from safeship.types import TrustTier

GOOD = f"""
upstream:
  base_url: http://127.0.0.1:8080/v1/
  api_key_env: UPSTREAM_KEY
policy: policies/chat.yaml
allow_anonymous: false
api_keys:
  - id: acme-prod
    sha256: "{hash_key("sk-acme-secret")}"
    tenant: acme
    feature: support
  - id: old
    sha256: "{hash_key("sk-old")}"
    tenant: acme
    revoked: true
  - id: staff
    sha256: "{hash_key("sk-staff").upper()}"
    tenant: us
    tier: internal
"""


def test_load_resolves_policy_relative_to_the_config(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(GOOD)
    cfg = load_gateway_config(path)
    assert cfg.policy == (tmp_path / "policies" / "chat.yaml").resolve()
    assert cfg.upstream.base_url == "http://127.0.0.1:8080/v1"
    assert not cfg.quick_mode and cfg.api_keys[2].sha256 == hash_key("sk-staff")


def test_errors_name_file_line_and_field() -> None:
    text = """upstream:
  base_url: ftp://nope
stream_window_chars: 5
api_keys:
  - id: a
    sha256: short
    tenant: t
"""
    with pytest.raises(GatewayConfigError) as info:
        parse_gateway_config(text, "gw.yaml")
    found = {(p.field, p.line) for p in info.value.problems}
    assert ("upstream.base_url", 2) in found
    assert ("stream_window_chars", 3) in found
    assert ("api_keys.0.sha256", 6) in found
    assert "gw.yaml:2" in str(info.value)


def test_holdback_must_be_smaller_than_window_and_yaml_must_parse() -> None:
    with pytest.raises(GatewayConfigError, match="holdback"):
        parse_gateway_config(
            "upstream: {base_url: 'http://x'}\nstream_window_chars: 32\nstream_holdback_chars: 32\n"
        )
    with pytest.raises(GatewayConfigError, match="invalid YAML"):
        parse_gateway_config("upstream: [unclosed")
    with pytest.raises(GatewayConfigError, match="cannot read"):
        load_gateway_config("/nonexistent/gateway.yaml")


def ring() -> KeyRing:
    return KeyRing(parse_gateway_config(GOOD))


def test_keys_map_to_tenant_feature_and_tier() -> None:
    who = ring().resolve("Bearer sk-acme-secret")
    assert (who.tenant, who.feature, who.tier, who.key_id) == (
        "acme",
        "support",
        TrustTier.AUTHENTICATED,
        "acme-prod",
    )
    assert ring().resolve("bearer   sk-staff ").tier is TrustTier.INTERNAL


@pytest.mark.parametrize("header", ["Bearer wrong", "Bearer sk-old", "Basic abc", "Bearer ", None])
def test_wrong_revoked_or_missing_key_is_401(header: str | None) -> None:
    with pytest.raises(GatewayError) as info:
        ring().resolve(header)
    assert info.value.status == 401 and info.value.field == "Authorization"
    assert "sk-" not in info.value.message


def test_anonymous_when_allowed_and_quick_mode_ignores_headers() -> None:
    allowed = KeyRing(
        parse_gateway_config(GOOD.replace("allow_anonymous: false", "allow_anonymous: true"))
    )
    assert allowed.resolve(None).tier is TrustTier.ANONYMOUS
    quick = KeyRing(
        parse_gateway_config("upstream: {base_url: 'http://x'}\nallow_anonymous: false\n")
    )
    assert quick.quick_mode
    assert quick.resolve("Bearer anything").tier is TrustTier.ANONYMOUS


def test_a_caller_can_lower_its_tier_but_never_raise_it() -> None:
    who = ring().resolve("Bearer sk-acme-secret")
    assert who.capped(TrustTier.INTERNAL) is TrustTier.AUTHENTICATED
    assert who.capped(TrustTier.ANONYMOUS) is TrustTier.ANONYMOUS
    assert who.capped(None) is TrustTier.AUTHENTICATED


@pytest.mark.parametrize("tenant", ["acme:eu", "anonymous", " "])
def test_tenant_names_that_could_collide_are_refused(tenant: str) -> None:
    """Limits and escalation key on tenant:user, and the caller picks user."""
    key = {"id": "k", "sha256": "a" * 64, "tenant": tenant}
    with pytest.raises(ValueError, match="tenant"):
        GatewayConfig.model_validate({"upstream": {"base_url": "http://x/v1"}, "api_keys": [key]})


def test_an_operator_token_must_be_given_as_its_digest() -> None:
    with pytest.raises(ValueError, match="sha256"):
        GatewayConfig.model_validate(
            {"upstream": {"base_url": "http://x/v1"}, "admin": {"token_sha256": "my-token"}}
        )
