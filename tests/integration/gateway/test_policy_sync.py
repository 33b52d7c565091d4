"""Policy reload announcements through Redis: never missed at start-up, unique across a Redis
that lost its data, and retried on a worker whose reload failed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from safeship.gateway import GatewayConfig
from safeship.gateway.policy_sync import PolicySync

pytestmark = pytest.mark.integration


class Policies:
    """A stand-in policy set that counts reloads and fails while told to."""

    def __init__(self) -> None:
        self.reloads = 0
        self.failing = False

    async def reload(self, config: Any) -> dict[str, str]:
        if self.failing:
            raise ValueError("policy file is half-written")
        self.reloads += 1
        return {"live": f"v{self.reloads}"}


def sync(redis_url: str, prefix: str) -> PolicySync:
    cfg = GatewayConfig.model_validate(
        {
            "upstream": {"base_url": "http://127.0.0.1:9/v1"},
            "controls": {"redis_url": redis_url, "key_prefix": prefix},
        }
    )
    found = PolicySync.for_config(cfg)
    assert found is not None
    return found


@pytest.fixture()
async def pair(redis_url: str, prefix: str) -> AsyncIterator[tuple[PolicySync, PolicySync]]:
    """An admin's replica and a follower on one Redis, closed after the test."""
    admin, follower = sync(redis_url, prefix), sync(redis_url, prefix)
    yield admin, follower
    await admin.aclose()
    await follower.aclose()


async def test_an_announcement_made_while_a_worker_starts_is_not_missed(
    pair: tuple[PolicySync, PolicySync],
) -> None:
    admin, starting = pair
    policies = Policies()
    await starting.prepare()  # before its policies load...
    assert await admin.announce() is not None  # ...an operator reloads elsewhere
    await starting.start(policies)  # type: ignore[arg-type]
    assert policies.reloads == 1
    assert not await starting.poll()  # and only once


async def test_announcements_stay_unique_when_redis_loses_its_data(
    pair: tuple[PolicySync, PolicySync], prefix: str
) -> None:
    admin, follower = pair
    policies = Policies()
    await follower.prepare()
    await follower.start(policies)  # type: ignore[arg-type]
    await admin.announce()
    assert await follower.poll() and policies.reloads == 1
    await admin._redis.delete(f"{prefix}:policy_announcement")  # a restart without persistence
    await admin.announce()
    assert await follower.poll() and policies.reloads == 2


async def test_a_reload_that_failed_here_is_retried_until_it_succeeds(
    pair: tuple[PolicySync, PolicySync],
) -> None:
    admin, follower = pair
    policies = Policies()
    await follower.prepare()
    await follower.start(policies)  # type: ignore[arg-type]
    policies.failing = True
    await admin.announce()
    assert not await follower.poll() and follower.reload_errors == 1
    assert not await follower.poll() and follower.reload_errors == 1  # backing off
    policies.failing = False  # the file is fixed
    follower._retry_at = 0.0  # the backoff has passed
    assert await follower.poll() and policies.reloads == 1
    assert not await follower.poll()
