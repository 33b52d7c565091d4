"""Real Redis for the control backends: skipped locally when absent, a failure when CI=true."""

from __future__ import annotations

import os
import socket
import uuid
from urllib.parse import urlsplit

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_service(name: str, url: str) -> None:
    """Skip when ``url`` does not answer, except in CI where a missing service must fail."""
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=1).close()
    except OSError as exc:
        message = f"{name} is not reachable at {parts.hostname}:{parts.port} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must provide it")
        pytest.skip(message)


@pytest.fixture()
def redis_url() -> str:
    require_service("Redis", REDIS_URL)
    return REDIS_URL


@pytest.fixture()
def prefix() -> str:
    """A key prefix unique to one test, so parallel runs sharing one Redis never collide."""
    return f"safeship-test:{uuid.uuid4().hex}"
