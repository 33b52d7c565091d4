"""Our assistant-format toxicity data and the v10 request files: well formed, dev sets untrained."""

from __future__ import annotations

from pathlib import Path

import pytest
from training.harmful_request_sources import HANDWRITTEN
from training.toxicity_data import own_answers
from training.train_refusal import load as rows

from safeship.detectors.hazards import HAZARD_IDS

DATA = Path(__file__).resolve().parents[3] / "training" / "data"
TOXIC_CATEGORIES = {"insult", "harassment", "threat", "hate"}


@pytest.mark.parametrize(
    "name",
    [
        "toxicity_answers_v5.jsonl",
        "toxicity_answers_v5b.jsonl",
        "toxicity_answers_v6.jsonl",
        "toxicity_toxic_answers_v5.jsonl",
        "toxicity_answers_v5_dev.jsonl",
        "toxicity_messages_v8.jsonl",
    ],
)
def test_answer_rows_are_labelled_consistently_and_unique(name: str) -> None:
    data = rows(name)
    assert len(data) >= 250
    for r in data:
        assert str(r["text"]).strip() and str(r["topic"]).strip()
        if r["label"] == 0:
            assert r["category"] == "none"
        else:
            assert r["label"] == 1 and r["category"] in TOXIC_CATEGORIES
    assert len({str(r["text"]).casefold() for r in data}) == len(data)


def test_toxic_rows_and_their_civil_twins_share_a_pair() -> None:
    pairs: dict[str, set[object]] = {}
    for r in rows("toxicity_toxic_answers_v5.jsonl"):
        if r["pair"]:
            pairs.setdefault(str(r["pair"]), set()).add(r["label"])
    assert len(pairs) >= 100 and all(labels == {0, 1} for labels in pairs.values())


def test_own_answers_reads_the_training_files_and_never_the_dev_set() -> None:
    examples = own_answers(DATA)
    texts = {e.text.casefold() for e in examples}
    dev = {str(r["text"]).casefold() for r in rows("toxicity_answers_v5_dev.jsonl")}
    assert not texts & dev
    expected = sum(
        len(rows(n))
        for n in (
            "toxicity_answers_v5.jsonl",
            "toxicity_answers_v5b.jsonl",
            "toxicity_answers_v6.jsonl",
            "toxicity_toxic_answers_v5.jsonl",
        )
    )
    assert len(examples) == expected  # never the rejected toxicity_messages_v8.jsonl (card)
    assert {e.source for e in examples} == {"own_answers"}
    # a toxic row and its civil twin land in the same split group
    twins: dict[str, set[str]] = {}
    for e in examples:
        if e.group.startswith("toxicity_toxic_answers_v5:") and e.group.count(":") == 1:
            twins.setdefault(e.group, set()).add(str(e.label))
    assert any(v == {"0", "1"} for v in twins.values())


@pytest.mark.parametrize("name", ["harmful_request_v10.jsonl", "harmful_request_v10_dev.jsonl"])
def test_v10_request_rows_carry_a_hazard_only_when_harmful(name: str) -> None:
    data = rows(name)
    assert len(data) >= 200
    for r in data:
        assert (r["category"] in HAZARD_IDS) if r["label"] == 1 else r["category"] is None
    assert len({str(r["text"]).casefold() for r in data}) == len(data)


def test_withdrawn_v10_requests_and_their_dev_set_are_not_trained_on() -> None:
    assert "harmful_request_v10.jsonl" not in HANDWRITTEN  # withdrawn (card)
    assert "harmful_request_v10_dev.jsonl" not in HANDWRITTEN
    trained = {str(r["text"]).casefold() for name in HANDWRITTEN for r in rows(name)}
    assert not trained & {str(r["text"]).casefold() for r in rows("harmful_request_v10_dev.jsonl")}


def test_shipped_toxicity_is_sure_about_ordinary_answers_and_catches_toxic_ones() -> None:
    """The shipped figures on the dev set (never trained on), with slack: a regression fails."""
    from training.toxicity_dev import DEV, figures, score_rows

    from safeship.detectors.toxicity import DEFAULT_MODEL

    data = rows(DEV.name)
    scores, banded = score_rows(DEFAULT_MODEL, data)
    fig = figures(data, scores, banded)
    assert fig["benign_band"] <= 0.25  # v4: 0.41, v5: 0.27, v6: 0.21
    assert fig["benign_fpr"] <= 0.02  # v5: 0.018, v6: 0.005
    assert fig["toxic_recall"] >= 0.90  # v4: 0.775, v5: 0.963
