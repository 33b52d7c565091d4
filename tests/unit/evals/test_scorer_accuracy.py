"""Scorer error rates: hand-checked maths, the shipped file's format and staleness, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeship.errors import InputError
from safeship.evals import scorer_accuracy as acc
from safeship.evals.report import report_html, report_json, result
from safeship.evals.runstore import RunRecord


def _entry(**kw: object) -> acc.ScorerAccuracy:
    base: dict[str, object] = dict(
        scorer="refusal",
        dataset="d",
        labels=[True, True, False, False, True],
        flagged=[True, False, True, False, True],
        task="t",
        eval_only=False,
    )
    base.update(kw)
    return acc.measure(**base)  # type: ignore[arg-type]


def test_binary_error_rate_by_hand() -> None:
    e = _entry(artefacts={"refusal.npz": "ab"})
    assert (e.n, e.errors, e.false_positives, e.false_negatives, e.positives) == (5, 2, 1, 1, 3)
    assert e.error_rate == pytest.approx(0.4)
    # Wilson, z = 1.96: centre (0.4 + z^2/10) / (1 + z^2/5), half-width as in Wilson (1927)
    assert e.ci_low == pytest.approx(0.1176, abs=1e-3)
    assert e.ci_high == pytest.approx(0.7693, abs=1e-3)


def test_multiclass_error_rate_by_hand() -> None:
    e = acc.measure_labels(
        "refusal", "d", ["a", "b", "c", "a"], ["a", "b", "a", "a"], task="t", eval_only=True
    )
    assert (e.n, e.errors, e.error_rate, e.false_positives) == (4, 1, 0.25, None)


def test_measure_rejects_mismatched_or_empty_input() -> None:
    with pytest.raises(ValueError, match="2 labels but 1 scores"):
        acc.measure("s", "d", [True, False], [True], task="t", eval_only=False)
    with pytest.raises(ValueError, match="no labelled rows"):
        acc.measure_labels("s", "d", [], [], task="t", eval_only=False)


def test_write_load_round_trip_sorted(tmp_path: Path) -> None:
    path = tmp_path / "acc.json"
    later, earlier = _entry(scorer="toxicity"), _entry(scorer="harmful_compliance")
    acc.write(path, acc.AccuracyFile(entries=(later, earlier)))
    loaded = acc.load(path)
    assert loaded.entries == (earlier, later)
    assert acc.load(tmp_path / "missing.json") == acc.AccuracyFile()


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("{not json", "not readable JSON"),
        ('{"format_version": 9, "entries": []}', "format_version: expected 1"),
        ('{"format_version": 1, "entries": [{"scorer": "x"}]}', "entries.0.dataset"),
        ('{"format_version": 1, "entries": [], "extra": 1}', "extra"),
    ],
)
def test_malformed_files_name_the_file_and_field(tmp_path: Path, content: str, where: str) -> None:
    path = tmp_path / "acc.json"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        acc.load(path)
    assert str(path) in str(info.value) and where in str(info.value)


def test_entries_are_stale_when_an_artefact_changes(tmp_path: Path) -> None:
    (tmp_path / "minilm").mkdir()
    for name in ("harmful_response.npz", "minilm/model_int8.onnx"):
        (tmp_path / name).write_bytes(b"weights v1")
    hashes = acc.current_hashes("harmful_compliance", tmp_path)
    assert set(hashes) == {"harmful_response.npz", "minilm/model_int8.onnx"}
    entry = _entry(scorer="harmful_compliance", artefacts=hashes)
    accuracy = acc.AccuracyFile(entries=(entry,))
    assert acc.for_report(accuracy, {"harmful_compliance": hashes})[0]["stale"] is False
    (tmp_path / "harmful_response.npz").write_bytes(b"weights v2, retrained")
    now = {"harmful_compliance": acc.current_hashes("harmful_compliance", tmp_path)}
    row = acc.for_report(accuracy, now)[0]
    assert row["stale"] is True and row["error_rate"] == pytest.approx(0.4)
    assert "artefacts" not in row


def test_shipped_file_is_valid_and_covers_the_attack_scorers() -> None:
    shipped = acc.load()
    assert acc.DEFAULT_PATH.is_file()
    scorers = {e.scorer for e in shipped.entries}
    assert {"refusal", "harmful_compliance", "toxicity"} <= scorers
    for e in shipped.entries:
        assert e.ci_low <= e.error_rate <= e.ci_high and e.artefacts
    rows = acc.report_rows()
    assert len(rows) == len(shipped.entries) and all(isinstance(r["stale"], bool) for r in rows)


def test_reports_carry_scorer_error_rates() -> None:
    record = RunRecord(run_id="r1", created=0.0, config={"target": "t"}, versions={}, seed=0)
    run = result("raw", record, [], [])
    measured = acc.AccuracyFile(entries=(_entry(dataset="<held-out>"),))
    rows = acc.for_report(measured, {"refusal": {"refusal.npz": "retrained"}})
    data = report_json(run, scorer_rates=rows)
    assert data["scorer_error_rates"] == rows
    json.dumps(data)  # serialisable as written to report.json
    page = report_html(run, scorer_rates=rows)
    assert "&lt;held-out&gt;" in page and "40.0% [11.8%, 76.9%]" in page
    assert "stale: scorer changed since" in page  # measured on artefacts that are not today's
    assert "No measured scorer error rates" in report_html(run, scorer_rates=[])
