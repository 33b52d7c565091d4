"""The CLI, run for real as a subprocess, the way a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SAFESHIP = [sys.executable, "-m", "safeship.cli.main"]

DOUBLES_POLICY = """version: 1
name: doubles
features:
  ok:
    input: [{detector: always_pass}]
    output: [{detector: always_pass}]
  flagged:
    input: [{detector: always_flag, params: {category: violent_crimes}}]
  broken:
    input: [{detector: always_error, fail_mode: closed}]
"""


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    return subprocess.run([*SAFESHIP, *args], capture_output=True, text=True, env=env, input=stdin, timeout=300)


@pytest.fixture()
def policy(tmp_path: Path) -> Path:
    p = tmp_path / "doubles.yaml"
    p.write_text(DOUBLES_POLICY)
    return p


def test_detectors_list_shows_every_builtin() -> None:
    out = run("detectors", "list")
    assert out.returncode == 0, out.stderr
    for name in ("prompt_injection", "harmful_request", "toxicity", "pii", "secrets", "refusal", "harmful_response", "canary", "language"):
        assert name in out.stdout
    for category in ("self_harm", "canary_leak", "full_refusal", "credit_card", "sexual_harassment"):
        assert category in out.stdout  # the keys a policy may name


def test_policy_validate_good_and_bad(policy: Path, tmp_path: Path) -> None:
    ok = run("policy", "validate", str(policy))
    assert ok.returncode == 0 and "ok" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nfeatures:\n  f:\n    input:\n      - detector: nope\n    actions: {default: maybe}\n")
    out = run("policy", "validate", str(bad))
    assert out.returncode == 1
    assert f"{bad}:5: features.f.input.0.detector" in out.stderr
    assert f"{bad}:6: features.f.actions.default" in out.stderr
    assert "Traceback" not in out.stderr


def test_check_text_prints_decision_json(policy: Path) -> None:
    out = run("check", "hello", "--policy", str(policy), "--feature", "flagged")
    assert out.returncode == 0, out.stderr
    decision = json.loads(out.stdout)
    assert decision["action"] == "block"
    assert decision["refusal"]["reason_code"] == "input.violent_crimes"
    assert run("check", "hello", "--policy", str(policy), "--feature", "flagged", "--fail-on-block").returncode == 3


def test_check_file_with_conversations_and_bad_lines(policy: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"text": "hi"}) + "\n"
        + json.dumps({"messages": [{"role": "user", "content": "hello"}]}) + "\n"
        + "{not json\n"
        + json.dumps({"other": 1}) + "\n"
    )
    dst = tmp_path / "out.jsonl"
    out = run("check", "--policy", str(policy), "--feature", "broken", "--input", str(src), "--output", str(dst))
    assert out.returncode == 1  # unreadable lines are reported, never dropped
    lines = [json.loads(x) for x in dst.read_text().splitlines()]
    assert [x["line"] for x in lines] == [1, 2, 3, 4]
    assert lines[0]["action"] == "block" and lines[0]["errored"] == ["always_error"]
    assert "bad JSON" in lines[2]["error"] and "in.jsonl:3" in lines[2]["error"]
    assert "'text'" in lines[3]["error"]


def test_check_output_stage(policy: Path) -> None:
    out = run("check", "some answer", "--policy", str(policy), "--feature", "ok", "--stage", "output")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["stage"] == "output"


def test_detect_jsonl(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(json.dumps({"id": "a", "body": "x"}).encode() + b"\n\xff\xfe bad\n")
    out = run("detect", "--detector", "always_flag", "--input", str(src), "--field", "body")
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert lines[0] == {"line": 1, "id": "a", "score": 1.0, "category": "test", "categories": {}, "findings": [], "status": "ok"}
    assert "not valid UTF-8" in lines[1]["error"]
    assert out.returncode == 1


def test_detect_language_with_params(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    rows = ["Where is my parcel? It was due yesterday.", "¿Dónde está mi paquete? Tenía que llegar ayer."]
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in rows), encoding="utf-8")
    out = run("detect", "--detector", "language", "--input", str(src))
    assert out.returncode == 0, out.stderr
    english, spanish = (json.loads(x) for x in out.stdout.splitlines())
    assert english["score"] < 0.5 and spanish["category"] == "unsupported_language"
    both = run("detect", "--detector", "language", "--input", str(src), "--params", '{"supported": ["en", "es"]}')
    assert all(json.loads(x)["score"] < 0.5 for x in both.stdout.splitlines()), both.stderr
    bad = run("detect", "--detector", "language", "--input", str(src), "--params", '{"supported": ["spanish"]}')
    assert bad.returncode == 2 and "ISO 639" in bad.stderr and "Traceback" not in bad.stderr


def test_clean_errors_without_tracebacks(tmp_path: Path) -> None:
    cases = [
        ("detect", "--detector", "nope", "--input", str(tmp_path / "x.jsonl")),
        ("detect", "--detector", "always_pass", "--input", str(tmp_path / "missing.jsonl")),
        ("detect", "--detector", "always_pass", "--input", "x", "--params", "{bad"),
        ("check", "x", "--policy", str(tmp_path / "missing.yaml")),
        ("check", "--policy", str(tmp_path / "missing.yaml")),
    ]
    for args in cases:
        out = run(*args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert "error" in out.stderr and "Traceback" not in out.stderr


def test_check_never_picks_one_text_silently_and_an_error_is_not_a_clean_pass(
    policy: Path, tmp_path: Path
) -> None:
    src = tmp_path / "in.jsonl"
    rows = [
        {"text": "harmful ask", "messages": [{"role": "user", "content": "hello"}]},
        {"messages": []},
        {"messages": [{"role": "assistant", "content": "hi"}]},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    dst = tmp_path / "out.jsonl"
    out = run("check", "--policy", str(policy), "--feature", "ok", "--input", str(src), "-o", str(dst))
    lines = [json.loads(x) for x in dst.read_text().splitlines()]
    assert out.returncode == 1 and all("error" in x for x in lines)
    assert "both 'text' and 'messages'" in lines[0]["error"] and "no user turn" in lines[1]["error"]
    errored = run("check", "--policy", str(policy), "--feature", "broken", "hello")
    assert errored.returncode == 1 and '"errored":["always_error"]' in errored.stdout.replace(" ", "")


def test_cli_output_and_port_mistakes_are_clean_errors(policy: Path, tmp_path: Path) -> None:
    to_dir = run("check", "--policy", str(policy), "--feature", "ok", "hi", "-o", str(tmp_path))
    assert to_dir.returncode != 0 and "cannot write" in to_dir.stderr and "Traceback" not in to_dir.stderr
    port = run("serve", "--upstream", "http://127.0.0.1:9/v1", "--port", "70000")
    assert port.returncode != 0 and "65535" in port.stderr and "Traceback" not in port.stderr
    src = tmp_path / "odd.jsonl"
    src.write_text('{"id": "a\\ud800", "text": "hi"}\n')
    odd = run("detect", "--detector", "secrets", "--input", str(src))
    assert odd.returncode == 0 and "Traceback" not in odd.stderr and '"score"' in odd.stdout
