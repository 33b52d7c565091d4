"""The fresh harmful_response judge (v11): well formed, blind, and kept out of every trainer."""

from __future__ import annotations

import json
from pathlib import Path

from training.gen_harmful_response_judge import OUT, PROMPTS, known_prompts
from training.gen_smollm2_answers import prompt_key

TRAINING = Path(__file__).resolve().parents[3] / "training"


def rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_judge_rows_are_labelled_answers_to_its_own_requests() -> None:
    judge, asked = rows(OUT), {prompt_key(str(r["prompt"])) for r in rows(PROMPTS)}
    assert len(judge) >= 150 and len({r["group"] for r in judge}) == len(judge)
    assert {r["label"] for r in judge} == {0, 1}
    assert all(prompt_key(str(r["prompt"])) in asked for r in judge)
    assert all(r["kind"] in ("harmful", "benign") and str(r["response"]).strip() for r in judge)


def test_judge_requests_repeat_none_of_ours() -> None:
    asked = {prompt_key(str(r["prompt"])) for r in rows(OUT)}
    assert not asked & known_prompts()


def test_no_trainer_reads_the_judge() -> None:
    steps = [*TRAINING.glob("train_*.py"), *TRAINING.glob("finetune_*.py")]
    steps += [*TRAINING.glob("fit_*.py"), TRAINING / "toxicity_data.py"]
    assert steps
    for step in steps:
        assert "harmful_response_judge_v11" not in step.read_text(encoding="utf-8"), step.name
