"""Who is calling: ``Authorization: Bearer KEY`` -> tenant, feature and trust tier.

Keys are looked up by their sha256 digest, so the plain key exists only in the request and is
never stored, compared or logged. Without a key the caller is the ``anonymous`` tier if the config
allows it. In quick mode (no keys configured) every caller is anonymous and the header is ignored,
because there is nothing to check it against.
"""

from __future__ import annotations

from dataclasses import dataclass

from safeship.gateway.config import ApiKey, GatewayConfig, hash_key
from safeship.gateway.errors import GatewayError
from safeship.types import TrustTier

ANONYMOUS_TENANT = "anonymous"
_TIER_RANK = {TrustTier.ANONYMOUS: 0, TrustTier.AUTHENTICATED: 1, TrustTier.INTERNAL: 2}


@dataclass(frozen=True)
class Identity:
    """The resolved caller; ``feature`` None means the gateway's default feature."""

    tenant: str
    tier: TrustTier
    feature: str | None = None
    key_id: str | None = None

    def capped(self, requested: TrustTier | None) -> TrustTier:
        """The tier to use when a caller asks for one: never more trusted than its own."""
        if requested is None or _TIER_RANK[requested] > _TIER_RANK[self.tier]:
            return self.tier
        return requested


def _unauthorized(message: str) -> GatewayError:
    return GatewayError(
        401, "unauthorized", message, "Authorization", {"WWW-Authenticate": "Bearer"}
    )


class KeyRing:
    """The configured keys indexed by digest, and the rule for callers without one."""

    def __init__(self, config: GatewayConfig) -> None:
        self._by_digest: dict[str, ApiKey] = {k.sha256: k for k in config.api_keys}
        self.quick_mode = config.quick_mode
        self.allow_anonymous = config.allow_anonymous or config.quick_mode
        self._anonymous = Identity(tenant=ANONYMOUS_TENANT, tier=TrustTier.ANONYMOUS)

    def resolve(self, authorization: str | None) -> Identity:
        """Map an Authorization header to an identity, or raise a 401 ``GatewayError``."""
        if self.quick_mode:
            return self._anonymous
        if not authorization:
            if self.allow_anonymous:
                return self._anonymous
            raise _unauthorized("an API key is required (Authorization: Bearer KEY)")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized("expected 'Authorization: Bearer KEY'")
        entry = self._by_digest.get(hash_key(token))
        if entry is None or entry.revoked:
            raise _unauthorized("invalid or revoked API key")
        return Identity(
            tenant=entry.tenant, tier=entry.tier, feature=entry.feature, key_id=entry.id
        )
