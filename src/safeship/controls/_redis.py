"""One way to open a Redis client for the runtime controls, with short timeouts.

A control sits on the request path, so a dead or slow Redis must cost milliseconds, not the
client library's default of waiting forever: every backend here opens its client through
:func:`connect`, which bounds both connecting and each command.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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


BREAK_S = 1.0


class Breaker:
    """After a storage failure, skip the storage for ``seconds`` and use the fail mode at once.

    Why: a Redis that hangs (rather than refusing connections) costs each call its full
    timeout; without the break every request would wait it out, and a controls outage would
    become a gateway-wide latency outage. One probe per ``seconds`` finds the storage again.
    """

    def __init__(
        self, seconds: float = BREAK_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._until = 0.0

    @property
    def open(self) -> bool:
        """The storage failed less than ``seconds`` ago: do not call it."""
        return self._clock() < self._until

    def trip(self) -> None:
        """The storage just failed."""
        self._until = self._clock() + self.seconds
