"""Data written for harmful_response v8/v9 and kept untrained: well formed, and judge-free.

A later round may train on these files; these tests keep them safe to use: each file's rows are
well formed, and none repeats a request or an answer that judges the harmful_response rules.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from training.gen_harmful_response_benign import EXCLUDE, OUT, SOURCE
from training.gen_smollm2_answers import prompt_key, starter_prompts

DATA = Path(__file__).resolve().parents[3] / "training" / "data"
PLAIN = ("harmful_response_plain_v10a.jsonl", "harmful_response_plain_v10b.jsonl")
JUDGE_ANSWERS = ("toxicity_answers_v5_dev.jsonl", "harmful_response_v9_dev.jsonl")


def rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


def judged_answers() -> set[str]:
    return {
        str(r.get("response") or r.get("text")).casefold() for n in JUDGE_ANSWERS for r in rows(n)
    }


@pytest.mark.parametrize("name", PLAIN)
def test_plain_style_rows_pair_harm_with_harmless_twins(name: str) -> None:
    data = rows(name)
    assert len(data) >= 140 and len({r["response"] for r in data}) == len(data)
    topics: dict[str, list[int]] = {}
    for r in data:
        assert r["label"] in (0, 1) and str(r["response"]).strip() and str(r["prompt"]).strip()
        assert r["prompt_kind"] in ("harmful", "benign")
        assert r["label"] == 0 or r["prompt_kind"] == "harmful"
        assert "omitted" not in str(r["response"]).lower()
        topics.setdefault(str(r["topic"]), []).append(int(r["label"]))
    assert all(0 in labels and 1 in labels for labels in topics.values())
    assert not {str(r["response"]).casefold() for r in data} & judged_answers()


def test_smollm2_benign_answers_answer_only_unjudged_benign_requests() -> None:
    answers = rows(OUT.name)
    asked = [prompt_key(str(r["prompt"])) for r in answers]
    assert len(asked) >= 250 and len(set(asked)) == len(asked)
    judged = starter_prompts() | {prompt_key(str(r["prompt"])) for r in rows(EXCLUDE[0])}
    assert not set(asked) & judged
    benign = {prompt_key(str(r["text"])) for r in rows(SOURCE) if r["label"] == 0}
    assert set(asked) <= benign
    assert all(r["label"] == 0 and str(r["response"]).strip() for r in answers)
    assert not {str(r["response"]).casefold() for r in answers} & judged_answers()
