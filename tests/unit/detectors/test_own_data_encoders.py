"""The fine-tuned encoders' data: dev sets and stacker rows are never trained on.

Each encoder's stacker is fitted on rows neither its cascade nor its encoder saw, and each rule's
fresh dev set judges only; if a training loader ever picked one of them up, the figures in the
cards would be in-sample. Own data only (the public sets need ``../shared/datasets``; the
refusal loaders read none).
"""

from __future__ import annotations

from pathlib import Path

from training.fit_harmful_request_stacker import STACK_ROWS as HR_STACK
from training.fit_toxicity_stacker import STACK_ROWS as TOX_STACK
from training.fit_toxicity_stacker import stack_rows
from training.harmful_request_sources import HANDWRITTEN, _ours
from training.toxicity_data import expand_own, own_answers, own_benign
from training.train_refusal import load as rows

DATA = Path(__file__).resolve().parents[3] / "training" / "data"


def _norm(text: object) -> str:
    return " ".join(str(text).casefold().split())


def _texts(*names: str) -> set[str]:
    return {_norm(r["text"]) for n in names for r in rows(n)}


def test_harmful_request_never_trains_on_its_stacker_rows_or_dev_sets() -> None:
    judged = (
        "harmful_request_dev_v12.jsonl",
        "benign_sensitive_v7_dev.jsonl",
        "harmful_request_v10_dev.jsonl",
        "ordinary_questions_v9_dev.jsonl",
    )
    assert not set(HANDWRITTEN) & {*HR_STACK, *judged}
    ours = {_norm(e.text) for e in _ours()}
    assert not ours & _texts(*HR_STACK, *judged)
    assert len(_texts(*HR_STACK)) > 850 and len(_texts(judged[0])) == 420
    assert "benign_sensitive_v13.jsonl" in HANDWRITTEN  # v13's rows are trained on


def test_toxicity_never_trains_on_its_stacker_rows_or_fresh_dev_set() -> None:
    own = {_norm(e.text) for e in expand_own(DATA) + own_benign(DATA) + own_answers(DATA)}
    stack = {_norm(t) for t, _ in stack_rows()}
    assert len(stack) > 800
    assert not own & stack
    assert not own & _texts("toxicity_functional_dev_v9.jsonl")
    assert {n.split("_")[0] for n in TOX_STACK} <= {"toxicity", "injection"}


def test_stacker_rows_have_both_labels() -> None:
    labels = [label for _, label in stack_rows()]
    assert 200 < sum(labels) < len(labels) - 200
