"""Docs that cannot drift: README examples run, every detector and command is documented."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import safeship
from safeship.detectors.base import detectors

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()


def test_readme_python_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)  # "```python notest" blocks are skipped
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102


# test doubles (safeship.testing) are registered like real detectors but are not user-facing
@pytest.mark.parametrize(
    "name", [n for n in detectors.names() if not detectors.get(n).__module__.startswith("safeship.testing")]
)
def test_every_detector_is_documented(name: str) -> None:
    assert f"`{name}`" in README


@pytest.mark.parametrize("command", ["detect", "check", "policy validate", "detectors list", "demo", "serve", "eval run", "eval compare", "gate check", "calibrate"])
def test_every_command_is_documented(command: str) -> None:
    assert f"safeship {command}" in README


def test_quick_start_is_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", section, re.S)[0].strip().splitlines()
    assert [c.split("#")[0].strip() for c in commands] == ["make demo", "make test"]
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci


def test_public_api_is_curated_and_sorted() -> None:
    assert safeship.__all__ == sorted(safeship.__all__)
    for name in safeship.__all__:
        assert getattr(safeship, name) is not None


def test_every_public_symbol_has_a_docstring() -> None:
    for name in safeship.__all__:
        obj = getattr(safeship, name)
        if callable(obj) and not isinstance(obj, type(os)):
            assert (obj.__doc__ or "").strip(), name


def test_gateway_walkthrough_matches_what_the_integration_test_runs() -> None:
    # tests/integration/gateway/test_real_upstream.py runs these same steps on free ports.
    section = README.split("### Walkthrough", 1)[1]
    assert "python -m llama_cpp.server --model_alias smollm2 --n_threads 1" in section
    assert "safeship serve --policy examples/policies/support_chat.yaml --upstream http://127.0.0.1:8000/v1" in section
    assert "python examples/gateway_walkthrough.py http://127.0.0.1:8080/v1" in section
    assert (REPO / "examples" / "gateway_walkthrough.py").is_file()
