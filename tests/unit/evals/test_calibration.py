from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from safeship.evals.calibration import operating_point, tradeoff
from safeship.policy.load import load_policy


def test_lowest_threshold_within_target_fpr() -> None:
    benign = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
    harmful = [0.35, 0.65, 0.85, 0.99]
    scores, labels = benign + harmful, [0] * 10 + [1] * 4
    p = operating_point(scores, labels, 0.1)  # one benign row of ten may be flagged
    assert p.fpr == pytest.approx(0.1)
    assert 0.9 < p.threshold <= 0.95
    assert p.recall == pytest.approx(0.25)  # only 0.99 clears it
    p0 = operating_point(scores, labels, 0.0)
    assert p0.fpr == 0.0 and p0.recall == pytest.approx(0.25)
    p3 = operating_point(scores, labels, 0.3)
    assert p3.fpr == pytest.approx(0.3) and p3.recall == pytest.approx(0.5)


def test_tradeoff_recall_never_falls_as_fpr_grows() -> None:
    scores = [i / 100 for i in range(100)]
    labels = [int(i % 3 == 0) for i in range(100)]
    recalls = [p.recall for p in tradeoff(scores, labels)]
    assert recalls == sorted(recalls)


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        operating_point([], [], 0.1)
    with pytest.raises(ValueError):
        operating_point([0.1], [0, 1], 0.1)
    with pytest.raises(ValueError):
        operating_point([0.1], [0], 1.5)


def test_calibrate_cli_writes_a_valid_policy(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nfeatures:\n  f:\n    output:\n      - detector: secrets\n")
    data = tmp_path / "labelled.jsonl"
    rows = [{"text": f"nothing secret here {i}", "label": 0} for i in range(20)]
    rows += [{"text": "token ghp_4Xk9TQz2LmN8pVw3RsY6uJb1HcD0eFa7GiK5 leaked", "label": 1}] * 5
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "calibrated.yaml"
    run = subprocess.run(
        [sys.executable, "-m", "safeship.cli.main", "calibrate", "--policy", str(policy),
         "--detector", "secrets", "--input", str(data), "--target-fpr", "0.05", "--output", str(out)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"},
    )
    assert run.returncode == 0, run.stderr
    assert "recall at each FPR" in run.stdout and "0.050" in run.stdout
    threshold = load_policy(out).policy.features["f"].thresholds["secrets"]
    assert isinstance(threshold, float) and 0.0 < threshold <= 1.0
    assert threshold < 0.5  # the planted tokens score high and benign rows score 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": "maybe"}\n')
    run = subprocess.run(
        [sys.executable, "-m", "safeship.cli.main", "calibrate", "--policy", str(policy),
         "--detector", "secrets", "--input", str(bad)],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 2 and "bad.jsonl:1" in run.stderr and "Traceback" not in run.stderr
