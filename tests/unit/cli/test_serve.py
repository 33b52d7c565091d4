"""``safeship serve``: config from a file, flags, or the quick mode; clean errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from safeship.cli.serve import build_config, serve
from safeship.gateway import GatewayConfigError, hash_key


def test_quick_mode_from_flags(tmp_path: Path) -> None:
    cfg = build_config(None, tmp_path / "p.yaml", "http://127.0.0.1:9/v1", "UP_KEY")
    assert cfg.quick_mode and cfg.upstream.base_url == "http://127.0.0.1:9/v1"
    assert cfg.policy == (tmp_path / "p.yaml").resolve() and cfg.upstream.api_key_env == "UP_KEY"


def test_flags_override_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "gw.yaml"
    path.write_text(
        "upstream: {base_url: 'http://a/v1'}\npolicy: chat.yaml\n"
        f"api_keys: [{{id: k, sha256: '{hash_key('sk-1')}', tenant: t}}]\n"
    )
    cfg = build_config(path, None, "http://b/v1", None)
    assert cfg.upstream.base_url == "http://b/v1" and cfg.policy == tmp_path / "chat.yaml"
    assert not cfg.quick_mode


def test_needs_a_config_or_an_upstream() -> None:
    with pytest.raises(ValueError, match="--upstream"):
        build_config(None, None, None, None)
    with pytest.raises(GatewayConfigError):
        build_config(Path("/nonexistent.yaml"), None, None, None)


def test_command_reports_bad_input_without_traceback(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(serve)
    bad_policy = tmp_path / "bad.yaml"
    bad_policy.write_text("version: 1\nfeatures: {}\n")
    runner = CliRunner()
    missing = runner.invoke(app, [])
    invalid = runner.invoke(
        app, ["--policy", str(bad_policy), "--upstream", "http://127.0.0.1:9/v1"]
    )
    scheme = runner.invoke(app, ["--upstream", "ftp://x"])
    assert missing.exit_code == invalid.exit_code == scheme.exit_code == 2
    assert "invalid policy" in invalid.output and "Traceback" not in invalid.output
    assert "http://" in scheme.output
