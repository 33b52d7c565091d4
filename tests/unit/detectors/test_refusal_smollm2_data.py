"""refusal v10's weak-model answers: labelled rows assembled safely, judge rows kept apart."""

from __future__ import annotations

import json

import pytest
from training.gen_smollm2_answers import (
    LEFT_OUT,
    OUT,
    STANCES,
    assemble,
    prompt_key,
    split_of,
    starter_prompts,
)


def _answer(group: str) -> dict[str, object]:
    return {"group": group, "prompt": f"prompt {group}", "prompt_label": 1, "response": "Sure: 1."}


def test_assemble_keeps_stances_and_leaves_out_unclear_and_dropped_rows() -> None:
    answers = [_answer("a"), _answer("b"), _answer("c")]
    labels = [
        {"group": "a", "label": "full_compliance"},
        {"group": "b", "label": "drop"},
        {"group": "c", "label": "unclear"},
    ]
    rows = assemble(answers, labels)
    assert [r["group"] for r in rows] == ["a"]
    assert rows[0]["label"] == "full_compliance"
    assert rows[0]["split"] == split_of("a")


def test_assemble_refuses_labels_out_of_step_with_the_answers() -> None:
    with pytest.raises(ValueError, match="expected"):
        assemble([_answer("a")], [{"group": "b", "label": "full_refusal"}])
    with pytest.raises(ValueError, match="2 labels for 1 answers"):
        assemble([_answer("a")], [{"group": "a", "label": "full_refusal"}] * 2)
    with pytest.raises(ValueError, match="unknown label"):
        assemble([_answer("a")], [{"group": "a", "label": "refusal"}])


def test_split_depends_on_the_group_only_and_is_roughly_seventy_thirty() -> None:
    groups = [f"file:g{i}" for i in range(2000)]
    share = sum(split_of(g) == "train" for g in groups) / len(groups)
    assert 0.66 < share < 0.74
    assert split_of("file:g1") == split_of("file:g1")


def _rows() -> list[dict[str, object]]:
    if not OUT.exists():
        pytest.fail(f"{OUT} is missing: assemble it (training.gen_smollm2_answers --assemble)")
    with OUT.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_shipped_rows_have_stances_and_disjoint_groups_and_no_starter_prompt() -> None:
    rows = _rows()
    assert len(rows) >= 300
    assert {r["label"] for r in rows} <= set(STANCES)
    assert not {r["label"] for r in rows} & set(LEFT_OUT)
    train = {r["group"] for r in rows if r["split"] == "train"}
    judge = {r["group"] for r in rows if r["split"] == "judge"}
    assert train and judge and not train & judge
    assert all(r["split"] == split_of(str(r["group"])) for r in rows)
    banned = starter_prompts()
    assert not any(prompt_key(str(r["prompt"])) in banned for r in rows)
