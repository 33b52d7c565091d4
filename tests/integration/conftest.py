"""Real services for integration tests: skipped locally when absent, a failure when CI=true.

Shared by the controls, store and gateway integration tests, so every one of them treats a
missing Redis or PostgreSQL the same way.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def require_service(name: str, url: str) -> None:
    """Skip when ``url`` does not answer, except in CI where a missing service must fail."""
    parts = urlsplit(url)
    try:
        socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 0), timeout=1
        ).close()
    except OSError as exc:
        message = f"{name} is not reachable at {parts.hostname}:{parts.port} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must provide it")
        pytest.skip(message)


@pytest.fixture()
def redis_url() -> str:
    """A reachable Redis (skip locally, fail in CI)."""
    require_service("Redis", REDIS_URL)
    return REDIS_URL


@pytest.fixture()
def prefix() -> str:
    """A key prefix unique to one test, so parallel runs sharing one Redis never collide."""
    return f"safeship-test:{uuid.uuid4().hex}"


@pytest.fixture()
def postgres_url() -> Iterator[str]:
    """URL of a schema created for this test and dropped after it."""
    require_service("PostgreSQL", POSTGRES_URL)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
