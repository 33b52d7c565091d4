"""One way to open a Redis client for the runtime controls, with short timeouts.

A control sits on the request path, so a dead or slow Redis must cost milliseconds, not the
client library's default of waiting forever: every backend here opens its client through
:func:`connect`, which bounds both connecting and each command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safeship.errors import MissingDependencyError

if TYPE_CHECKING:
    from redis.asyncio import Redis

DEFAULT_TIMEOUT_S = 0.25


def connect(url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Redis:
    """An asyncio Redis client for ``url`` whose connects and commands time out after ``timeout_s``.

    Nothing is sent until the first command, so building a client never fails on a down server.
    """
    try:
        from redis.asyncio import Redis
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError("Redis-backed controls", "gateway", "redis") from exc
    client: Redis = Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry_on_timeout=False,
        decode_responses=True,
    )
    return client
