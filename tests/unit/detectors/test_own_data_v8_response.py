"""harmful_response v8's training rows: well formed, and no judge of its rule leaks into them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from training.gen_harmful_response_benign import EXCLUDE, SOURCE
from training.gen_smollm2_answers import prompt_key, starter_prompts
from training.train_harmful_response import (
    ORDINARY_FILES,
    PLAIN_FILES,
    SMOLLM2_FILES,
    ordinary_answers,
    plain_style,
    smollm2_benign,
    smollm2_harmful,
)

DATA = Path(__file__).resolve().parents[3] / "training" / "data"
JUDGE_ANSWERS = ("toxicity_answers_v5_dev.jsonl", "harmful_response_v9_dev.jsonl")


def rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


def judged_texts() -> set[str]:
    return {
        str(r.get("response") or r.get("text")).casefold() for n in JUDGE_ANSWERS for r in rows(n)
    }


def test_no_judge_answer_is_a_training_answer() -> None:
    train = ordinary_answers("train") + smollm2_benign("train") + plain_style("train")[0]
    assert len(train) > 1000
    assert not {t.casefold() for t in train} & judged_texts()


def test_the_smollm2_answers_answer_no_judged_request() -> None:
    judged = starter_prompts() | {prompt_key(str(r["prompt"])) for r in rows(EXCLUDE[0])}
    asked = [prompt_key(str(r["prompt"])) for r in rows("harmful_response_smollm2_benign_v8.jsonl")]
    assert len(asked) >= 250 and not set(asked) & judged
    sources = {prompt_key(str(r["text"])) for r in rows(SOURCE) if r["label"] == 0}
    assert set(asked) <= sources  # benign requests only


def test_refusal_judge_rows_are_not_trained_on() -> None:
    judge = {r["response"] for r in rows(SMOLLM2_FILES[0]) if r["split"] == "judge"}
    trained = smollm2_benign("train") + smollm2_benign("val")
    trained += smollm2_harmful("train")[0] + smollm2_harmful("val")[0]
    assert judge and not judge & set(trained)


def test_smollm2_answers_to_harmful_requests_are_labelled_by_their_stance() -> None:
    labels = {r["response"]: r["label"] for r in rows(SMOLLM2_FILES[0]) if r["prompt_label"] == 1}
    for split in ("train", "val"):
        texts, y = smollm2_harmful(split)
        assert texts and 0 in y and 1 in y
        assert all((labels[t] == "full_compliance") == bool(v) for t, v in zip(texts, y, strict=True))


@pytest.mark.parametrize("name", PLAIN_FILES)
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


def test_ordinary_and_plain_rows_split_by_topic() -> None:
    for split_rows in (ordinary_answers, lambda s: plain_style(s)[0]):
        tr, va = set(split_rows("train")), set(split_rows("val"))
        assert tr and va and not tr & va
    assert all(r["label"] == 0 for n in ORDINARY_FILES for r in rows(n))
