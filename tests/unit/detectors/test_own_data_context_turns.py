"""v28's and v30's rows (context turns, small talk): well formed, and their blind dev sets never
reach a training source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from training.harmful_request_sources import (
    CONTEXT_TURNS,
    HANDWRITTEN,
    SMALL_TALK,
    SMALL_TALK_TWINS,
    _ordinary_questions,
    _ours,
)
from training.harmful_request_sources import (
    ORDINARY_QUESTIONS as ORDINARY,
)
from training.train_harmful_request import CONTEXT_GROUPS, _weight

from safeship.detectors.hazards import HAZARD_IDS

DATA = Path(__file__).resolve().parents[3] / "training" / "data"
DEV_SETS = (
    "harmful_request_context_benign_dev.jsonl",
    "harmful_request_diluted_dev.jsonl",
    "ordinary_small_talk_dev.jsonl",
    "harmful_request_context_benign_dev2.jsonl",
    "harmful_request_diluted_dev2.jsonl",
    "ordinary_small_talk_dev2.jsonl",
    # written for the next round, unread (session 20)
    "harmful_request_context_benign_dev3.jsonl",
    "harmful_request_diluted_dev3.jsonl",
    "ordinary_small_talk_dev3.jsonl",
    # the standing sets every harmful_request rule reads (training.harmful_request_encoder_dev)
    "harmful_request_dev_v12.jsonl",
    "benign_sensitive_v7_dev.jsonl",
    "harmful_request_v10_dev.jsonl",
    "ordinary_questions_v9_dev.jsonl",
)


def rows(name: str) -> list[dict[str, object]]:
    return [json.loads(x) for x in (DATA / name).read_text(encoding="utf-8").splitlines() if x]


@pytest.mark.parametrize(
    "name",
    [
        *SMALL_TALK,
        "ordinary_small_talk_dev.jsonl",
        "ordinary_small_talk_dev2.jsonl",
        "ordinary_small_talk_dev3.jsonl",
    ],
)
def test_small_talk_rows_are_benign_unique_and_grouped(name: str) -> None:
    data = rows(name)
    assert len(data) >= 200
    assert all(r["label"] == 0 and len(str(r["text"])) >= 100 for r in data)
    assert {r["kind"] for r in data} == {"plain_small_talk", "idiom_small_talk"}
    assert len({" ".join(str(r["text"]).casefold().split()) for r in data}) == len(data)
    prefix = {"dev3": "osd3_", "dev2": "osd2_", "dev": "osd_"}.get(
        name.rsplit("_", 1)[-1].removesuffix(".jsonl"), "ost_"
    )
    assert all(str(r["group"]).startswith(prefix) for r in data)


def test_the_blind_dev_sets_are_in_no_training_source() -> None:
    sources = _ours(CONTEXT_TURNS + SMALL_TALK + SMALL_TALK_TWINS) + _ordinary_questions()
    trained = {" ".join(e.text.casefold().split()) for e in sources}
    for dev in DEV_SETS:
        assert dev not in (*HANDWRITTEN, *CONTEXT_TURNS, *SMALL_TALK, *SMALL_TALK_TWINS, ORDINARY)
        texts = {" ".join(str(r["text"]).casefold().split()) for r in rows(dev)}
        assert texts and not texts & trained, dev


def test_small_talk_rows_weigh_as_the_context_rows_do() -> None:
    ours = _ours(SMALL_TALK)
    small = [e for e in ours if e.group.startswith(CONTEXT_GROUPS)]
    assert len(small) == sum(len(rows(n)) for n in SMALL_TALK)
    assert {_weight(e, 1.0) for e in small} == {1.0}
    assert {_weight(e, 1.0) for e in ours if e not in small} == {4.0}


def test_each_small_talk_row_has_one_harmful_twin_in_its_group() -> None:
    for benign_name, twin_name in zip(SMALL_TALK, SMALL_TALK_TWINS, strict=True):
        originals = {str(r["group"]): str(r["text"]) for r in rows(benign_name)}
        twins = rows(twin_name)
        assert sorted(str(r["group"]) for r in twins) == sorted(originals)
        for r in twins:
            assert r["label"] == 1 and r["category"] in HAZARD_IDS
            assert r["twin_of"] == r["group"] and r["text"] != originals[str(r["group"])]
