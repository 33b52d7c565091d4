"""Our v7 training data: well formed, and the dev set never leaks into any training source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from training.harmful_request_sources import HANDWRITTEN
from training.toxicity_data import own_benign
from training.train_harmful_response import OWN_SHORT_FILES

from safeship.detectors.hazards import HAZARD_IDS

DATA = Path(__file__).resolve().parents[3] / "training" / "data"
DEV = "benign_sensitive_v7_dev.jsonl"


def rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("name", ["benign_sensitive_v7.jsonl", DEV])
def test_request_rows_are_labelled_with_a_known_hazard_only_when_harmful(name: str) -> None:
    data = rows(name)
    assert len(data) > 200
    for r in data:
        assert r["label"] in (0, 1) and str(r["text"]).strip()
        assert (r["category"] in HAZARD_IDS) if r["label"] == 1 else r["category"] is None
    assert len({r["text"] for r in data}) == len(data)


def test_the_dev_set_is_in_no_training_source() -> None:
    assert DEV not in HANDWRITTEN and "benign_sensitive_v7.jsonl" in HANDWRITTEN
    dev = {str(r["text"]).casefold() for r in rows(DEV)}
    train = {str(r["text"]).casefold() for name in HANDWRITTEN for r in rows(name)}
    assert not dev & train
    assert not dev & {e.text.casefold() for e in own_benign(DATA)}


def test_toxicity_negatives_leave_out_the_harmful_twins() -> None:
    twins = {r["text"] for r in rows("benign_sensitive_v7.jsonl") if r["label"] == 1}
    texts = own_benign(DATA)
    assert twins and not twins & {e.text for e in texts}
    assert all(e.label == 0 for e in texts)


@pytest.mark.parametrize("name", ["harmful_response_benign_v7.jsonl", *OWN_SHORT_FILES])
def test_response_rows_split_by_topic(name: str) -> None:
    data = rows(name)
    sides: dict[str, set[object]] = {}
    for r in data:
        assert r["split"] in ("train", "val") and r["label"] in (0, 1)
        assert str(r["response"]).strip()
        sides.setdefault(str(r["topic"]), set()).add(r["split"])
    assert all(len(s) == 1 for s in sides.values()), "a topic sits in both splits"
    assert {"train", "val"} <= {r["split"] for r in data}


ORDINARY = "ordinary_questions_v9.jsonl"
ORDINARY_DEV = "ordinary_questions_v9_dev.jsonl"


@pytest.mark.parametrize("name", [ORDINARY, ORDINARY_DEV])
def test_ordinary_questions_are_benign_and_unique(name: str) -> None:
    data = rows(name)
    assert len(data) >= 200
    assert all(r["label"] == 0 and str(r["text"]).strip() and r["domain"] for r in data)
    assert len({str(r["text"]).casefold() for r in data}) == len(data)


def test_the_ordinary_dev_set_shares_no_text_or_business_with_the_training_file() -> None:
    train, dev = rows(ORDINARY), rows(ORDINARY_DEV)
    assert not {str(r["text"]).casefold() for r in train} & {str(r["text"]).casefold() for r in dev}
    assert not {r["domain"] for r in train} & {r["domain"] for r in dev}
    assert ORDINARY_DEV not in HANDWRITTEN


REFUSAL_LABELS = {"full_refusal", "partial_refusal", "full_compliance"}


def test_refusal_v4_rows_are_labelled_and_the_dev_set_is_never_trained_on() -> None:
    from training.refusal_dev import DEV as REFUSAL_DEV
    from training.train_refusal import HANDWRITTEN as REFUSAL_FILES

    train = [r for name in REFUSAL_FILES if "v4" in name for r in rows(name)]
    dev = rows(REFUSAL_DEV)
    assert len(train) >= 300 and len(dev) >= 100
    assert REFUSAL_DEV not in REFUSAL_FILES
    for r in train + dev:
        assert r["label"] in REFUSAL_LABELS and str(r["response"]).strip()
    assert {r["split"] for r in train} == {"train"} and {r["split"] for r in dev} == {"dev"}
    trained = {str(r["response"]).casefold() for name in REFUSAL_FILES for r in rows(name)}
    trained |= {str(r["response"]).casefold() for r in rows("refusal_train.jsonl")}
    assert not trained & {str(r["response"]).casefold() for r in dev}


def test_injection_task_dev_set_is_never_trained_on() -> None:
    import random

    from training.injection_data import load_own

    trained = {s.text.casefold() for s in load_own(random.Random(0))}
    dev = [str(r["text"]) for r in rows("injection_benign_tasks_v5_dev.jsonl")]
    train = rows("injection_benign_tasks_v5.jsonl")
    assert len(dev) >= 150 and all(r["label"] == 0 for r in train)
    assert {str(r["text"]).casefold() for r in train} <= trained  # the training file is used
    assert not trained & {t.casefold() for t in dev}


def test_persona_rows_lose_their_placeholders_and_stay_out_of_training() -> None:
    from training.train_harmful_response import OWN_SHORT_FILES, PERSONA_FILE, without_placeholders

    assert without_placeholders("use [method omitted], then <omitted>.") == "use method, then ...."
    persona = rows(PERSONA_FILE)
    assert any("omitted" in str(r["response"]) for r in persona)  # the writers' placeholders
    assert not any("omitted" in without_placeholders(str(r["response"])) for r in persona)
    assert PERSONA_FILE not in OWN_SHORT_FILES  # v6 was rejected (card)
    sides: dict[str, set[object]] = {}
    for r in persona:
        sides.setdefault(str(r["topic"]), set()).add(r["split"])
    assert all(len(s) == 1 for s in sides.values())


def test_the_fresh_refusal_dev_set_is_labelled_and_never_trained_on() -> None:
    from training.refusal_dev import DEVS
    from training.train_refusal import HANDWRITTEN as REFUSAL_FILES

    fresh = rows(DEVS[1])
    assert len(fresh) >= 150 and all(r["label"] in REFUSAL_LABELS for r in fresh)
    assert not set(DEVS) & set(REFUSAL_FILES)
    trained = {str(r["response"]).casefold() for name in REFUSAL_FILES for r in rows(name)}
    assert not trained & {str(r["response"]).casefold() for r in fresh}
