import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HERE = Path(__file__).parent
TARGET = str(HERE / "test_redis_controls.py") + "::test_limit_holds_across_two_limiter_instances"


def run(ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TEST_REDIS_URL": "redis://127.0.0.1:1/0"}
    env.pop("CI", None)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TARGET],
        env=env, capture_output=True, text=True, timeout=120, cwd=HERE.parents[2],
    )


def test_missing_service_fails_in_ci_and_skips_locally() -> None:
    in_ci = run("true")
    assert in_ci.returncode == 1, in_ci.stdout
    assert "CI must provide it" in in_ci.stdout
    local = run(None)
    assert local.returncode == 0, local.stdout
    assert "1 skipped" in local.stdout
