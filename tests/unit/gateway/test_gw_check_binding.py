"""``/v1/guard/check`` under a key bound to a feature: that feature only, and by default.

A key bound to ``chat`` that names another feature gets a 403 naming the ``feature`` field;
without a feature it is checked under ``chat``. Unbound keys and anonymous callers may still
name any feature of the policy.
"""

from __future__ import annotations

from typing import Any

import httpx
from gateway_support import config, gateway

from safeship.gateway import hash_key
from safeship.guard import Guard

KEYS: dict[str, Any] = {
    "allow_anonymous": True,
    "api_keys": [
        {"id": "bound", "sha256": hash_key("sk-bound-1"), "tenant": "acme", "feature": "chat"},
        {"id": "free", "sha256": hash_key("sk-free-1"), "tenant": "beta"},
    ],
}
BOUND = {"Authorization": "Bearer sk-bound-1"}
FREE = {"Authorization": "Bearer sk-free-1"}


def check(feature: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": "hello"}]}
    if feature is not None:
        body["feature"] = feature
    return body


async def test_a_bound_key_checks_its_own_feature_only(guard: Guard) -> None:
    async with gateway(guard, config(**KEYS)) as client:

        async def post(feature: str | None, headers: dict[str, str]) -> httpx.Response:
            return await client.post("/v1/guard/check", json=check(feature), headers=headers)

        other = await post("locked", BOUND)
        omitted = await post(None, BOUND)
        own = await post("chat", BOUND)
        unbound = await post("locked", FREE)
        anonymous = await post("locked", {})
    assert other.status_code == 403
    assert other.headers["content-type"].startswith("application/json")
    assert other.json()["error"]["field"] == "feature"
    assert "bound" in other.json()["error"]["message"]
    assert omitted.status_code == own.status_code == 200
    assert omitted.json()["decision"]["feature"] == own.json()["decision"]["feature"] == "chat"
    # today's behaviour for callers without a binding: any feature of the policy
    assert unbound.status_code == anonymous.status_code == 200
    assert unbound.json()["decision"]["feature"] == "locked"
    assert anonymous.json()["decision"]["feature"] == "locked"
    assert anonymous.json()["decision"]["action"] == "block"  # locked flags everything
