"""An empty input is bad input (exit 2), never a clean run: an empty export must not pass.

Run for real as a subprocess, the way a pipeline runs the CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SAFESHIP = [sys.executable, "-m", "safeship.cli.main"]
POLICY = """version: 1
name: doubles
features:
  ok:
    input: [{detector: always_pass}]
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    return subprocess.run([*SAFESHIP, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(params=["", "\n  \n\t\n"], ids=["empty", "blank-lines"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A file with no rows: truly empty, or only blank lines."""
    path = tmp_path / "export.jsonl"
    path.write_text(request.param, encoding="utf-8")
    return path


def _assert_no_rows(out: subprocess.CompletedProcess[str], path: Path) -> None:
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert out.stdout == ""
    assert f"error: {path}: no rows to read" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_detect_on_an_empty_file_is_bad_input(empty: Path) -> None:
    """Before, nothing was printed and the exit was 0: an empty export silently passed."""
    _assert_no_rows(run("detect", "--detector", "always_pass", "--input", str(empty)), empty)


def test_check_on_an_empty_file_is_bad_input(empty: Path, tmp_path: Path) -> None:
    """As for detect, and no empty output file is left behind to look like a result."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    dst = tmp_path / "out.jsonl"
    args = ["--policy", str(policy), "--feature", "ok", "--input", str(empty), "-o", str(dst)]
    _assert_no_rows(run("check", *args), empty)
    assert not dst.exists()


def test_one_row_is_enough(tmp_path: Path) -> None:
    """The check counts rows, not good rows: a lone unreadable line is still reported (exit 1)."""
    src = tmp_path / "in.jsonl"
    src.write_text("\n{not json\n\n", encoding="utf-8")
    out = run("detect", "--detector", "always_pass", "--input", str(src))
    assert out.returncode == 1 and '"line": 2' in out.stdout


def test_eval_run_on_a_suite_with_no_cases_is_bad_input(tmp_path: Path) -> None:
    """A YAML suite with ``cases: []`` ran, sent nothing, and wrote a report that passed."""
    suite = tmp_path / "empty.yaml"
    suite.write_text("name: empty\ncases: []\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    args = ["eval", "run", str(suite), "--target", "mock:comply-all", "--no-progress"]
    out = run(*args, "--output-dir", str(out_dir))
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert f"error: {suite}: cases: no cases in file" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (out_dir / "report.json").exists()


def _piped(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    return subprocess.run(
        [*SAFESHIP, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.parametrize("command", ["check", "detect"])
def test_a_pipe_is_read_once_and_its_rows_are_checked(command: str, tmp_path: Path) -> None:
    """Before, counting the rows used the pipe up: nothing was checked and the exit was 0."""
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY.replace("always_pass", "always_flag"), encoding="utf-8")
    args = (
        ["check", "--policy", str(policy), "--fail-on-block"]
        if command == "check"
        else ["detect", "--detector", "always_flag"]
    )
    out = _piped('{"text": "hello"}\n', *args, "--input", "/dev/stdin")
    assert len(out.stdout.splitlines()) == 1, (out.stdout, out.stderr)
    assert out.returncode == (3 if command == "check" else 0)
    empty = _piped("", *args, "--input", "/dev/stdin")
    assert empty.returncode == 2 and "no rows to read" in empty.stderr


def test_a_directory_is_refused_before_anything_loads(tmp_path: Path) -> None:
    out = run("detect", "--detector", "always_flag", "--input", str(tmp_path))
    assert out.returncode == 2 and "is a directory" in out.stderr
