"""Golden decisions: policy + request -> the exact decision JSON (timings and versions excluded).

Regenerate after an intended change with ``SAFESHIP_UPDATE_GOLDEN=1 pytest tests/golden`` and
review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from safeship.guard import Guard
from safeship.policy.load import load_policy

HERE = Path(__file__).parent
CASES = [json.loads(line) for line in (HERE / "cases.jsonl").read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def guard() -> Guard:
    g = Guard(load_policy(HERE / "policy.yaml"), embedder=None)
    yield g
    g.close()


def snapshot(guard: Guard, case: dict[str, str]) -> dict[str, object]:
    if case["stage"] == "input":
        decision = guard.check_input(case["text"])
    else:
        decision = guard.check_output([], case["text"])
    data = decision.model_dump(mode="json", exclude={"timings_ms", "policy_version", "results"})
    data["scores"] = {k: round(v, 3) for k, v in data["scores"].items()}  # type: ignore[union-attr]
    return data


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden(guard: Guard, case: dict[str, str]) -> None:
    expected_path = HERE / "cases" / f"{case['id']}.json"
    got = snapshot(guard, case)
    if os.environ.get("SAFESHIP_UPDATE_GOLDEN"):
        expected_path.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    assert expected_path.exists(), f"no golden file for {case['id']}; run with SAFESHIP_UPDATE_GOLDEN=1"
    assert got == json.loads(expected_path.read_text())
