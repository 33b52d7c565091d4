"""A run that refuses an empty pipe leaves ``-o``'s file alone: none created, none truncated.

A pipe cannot be counted before it is read, so the refusal comes after the run started; before,
the output file was opened (created or truncated) by then, and an empty file was left behind
looking like a clean result, or yesterday's results were wiped. Run for real as a subprocess,
the way a pipeline runs the CLI.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

SAFESHIP = [sys.executable, "-m", "safeship.cli.main"]
POLICY = """version: 1
features:
  ok:
    input: [{detector: always_pass}]
"""
KEPT = '{"line": 1, "earlier": "run"}\n'


def _args(command: str, tmp_path: Path) -> list[str]:
    if command == "detect":
        return ["detect", "--detector", "always_pass"]
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    return ["check", "--policy", str(policy), "--feature", "ok"]


def _piped(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    return subprocess.run(
        [*SAFESHIP, *args, "--input", "/dev/stdin"],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize(("command", "flag"), [("detect", "-o"), ("check", "--output")])
def test_an_empty_pipe_leaves_the_output_alone(command: str, flag: str, tmp_path: Path) -> None:
    args = _args(command, tmp_path)
    existing = tmp_path / "kept.jsonl"
    existing.write_text(KEPT, encoding="utf-8")
    kept = _piped("", *args, flag, str(existing))
    assert kept.returncode == 2 and "no rows to read" in kept.stderr, kept.stderr
    assert existing.read_text(encoding="utf-8") == KEPT
    absent = tmp_path / "new" / "out.jsonl"
    none = _piped("\n \n", *args, flag, str(absent))  # blank lines only: no row either
    assert none.returncode == 2 and "no rows to read" in none.stderr, none.stderr
    assert not absent.exists() and not absent.parent.exists()


@pytest.mark.parametrize("command", ["detect", "check"])
def test_a_pipe_with_rows_still_replaces_the_output(command: str, tmp_path: Path) -> None:
    """The lazy open must still create the file (and its folder) and truncate an old one."""
    args = _args(command, tmp_path)
    existing = tmp_path / "kept.jsonl"
    existing.write_text(KEPT * 3, encoding="utf-8")
    out = _piped('{"text": "hello"}\n', *args, "-o", str(existing))
    assert out.returncode == 0, out.stderr
    lines = existing.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and '"line": 1' in lines[0] and "earlier" not in lines[0]
    fresh = tmp_path / "sub" / "out.jsonl"
    assert _piped('{"text": "hi"}\n', *args, "-o", str(fresh)).returncode == 0
    assert len(fresh.read_text(encoding="utf-8").splitlines()) == 1


def test_an_output_that_is_the_input_is_replaced_whole(tmp_path: Path) -> None:
    """Before, the output truncated the input as it was read, and ``check`` read back its own
    lines for ever (a 7.7 KB input grew to 385 MB in 30 s)."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    same = tmp_path / "rows.jsonl"
    same.write_text("".join(f'{{"text": "row {i}"}}\n' for i in range(5)), encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    run = subprocess.run(
        [*SAFESHIP, "check", "--policy", str(policy), "--feature", "ok"]
        + ["--input", str(same), "--output", str(same)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    lines = same.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5 and all('"action": "allow"' in line for line in lines)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_the_output_keeps_its_mode_and_a_link_is_written_through(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"text": "hello"}\n', encoding="utf-8")
    kept = tmp_path / "kept.jsonl"
    kept.write_text(KEPT, encoding="utf-8")
    kept.chmod(0o640)
    target = tmp_path / "target.jsonl"
    target.write_text(KEPT, encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    fresh = tmp_path / "fresh.jsonl"
    for out in (kept, link, fresh):
        run = subprocess.run(
            [*SAFESHIP, "check", "--policy", str(policy), "--feature", "ok"]
            + ["--input", str(rows), "--output", str(out)],
            capture_output=True,
            text=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
    assert kept.stat().st_mode & 0o777 == 0o640
    assert link.is_symlink() and '"action": "allow"' in target.read_text(encoding="utf-8")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask  # not the temporary file's 0600


def _check_to(tmp_path: Path, out: str, rows: int = 3, **kw: Any) -> subprocess.Popen[str]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(f'{{"text": "row {i}"}}\n' for i in range(rows)), encoding="utf-8")
    return subprocess.Popen(
        [*SAFESHIP, "check", "--policy", str(policy), "--feature", "ok"]
        + ["--input", str(data), "--output", out],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        **kw,
    )


def test_dev_stdout_is_written_as_the_run_goes(tmp_path: Path) -> None:
    """Replacing it would put a file where a device or a pipe was (or fail on the pipe)."""
    run = _check_to(tmp_path, "/dev/stdout")
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert len(out.splitlines()) == 3 and '"action": "allow"' in out


def test_a_symlink_loop_is_a_clear_error(tmp_path: Path) -> None:
    loop = tmp_path / "loop.jsonl"
    loop.symlink_to(loop)
    run = _check_to(tmp_path, str(loop))
    _, err = run.communicate(timeout=120)
    assert run.returncode == 2 and "cannot write" in err and "Traceback" not in err


def test_sigterm_leaves_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run = _check_to(tmp_path, str(out), rows=200_000)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.jsonl.*.partial")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the run has started writing
    run.send_signal(signal.SIGTERM)
    run.communicate(timeout=120)
    assert run.returncode != 0
    assert list(tmp_path.glob("*.partial")) == [] and not out.exists()
