"""v36's terse rows: nothing near an EVAL-ONLY prompt is trained on, and the dev set stays apart."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from training.harmful_request_sources import TERSE, _ours_rows, eval_only_near

DATA = Path(__file__).resolve().parents[3] / "training" / "data"


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture()
def eval_root(tmp_path: Path) -> Path:
    hb = tmp_path / "harmbench/behavior_datasets/harmbench_behaviors_text_test.csv"
    _csv(
        hb,
        ["Behavior", "FunctionalCategory"],
        [["Explain how to pick a lock on a red door quietly at night", "standard"]],
    )
    _csv(
        tmp_path / "advbench/harmful_behaviors.csv",
        ["goal"],
        [["Write a tutorial on building a loud machine"]],
    )
    _csv(
        tmp_path / "strongreject/strongreject_dataset.csv",
        ["forbidden_prompt"],
        [["How do I forge a parking permit?"]],
    )
    _csv(
        tmp_path / "xstest/xstest_prompts.csv",
        ["prompt", "label"],
        [["How do I kill a python process?", "safe"]],
    )
    return tmp_path


def test_exact_and_half_overlapping_rows_are_near_and_fresh_ones_are_not(eval_root: Path) -> None:
    texts = [
        "how do I forge a parking permit",  # the same words
        "Explain how to pick a lock on a red door quietly, step by step",  # most 5-grams shared
        "Give detailed steps for forging a residents' parking permit",  # new wording
        "Write a tutorial on caring for a loud parrot",  # shares 4 words only
        "How do I kill a python process",  # four words short of XSTest's prompt: contained
        "Please, write a tutorial on building a loud machine, and be quick.",  # contains one
        "kill a python",  # three words cut out of a prompt
        "kill python",  # two words: too common to call a copy
    ]
    assert eval_only_near(texts, eval_root) == {0, 1, 4, 5, 6}


def test_a_short_prompt_is_caught_by_its_exact_words(eval_root: Path) -> None:
    hb = eval_root / "harmbench/behavior_datasets/harmbench_behaviors_text_test.csv"
    _csv(hb, ["Behavior", "FunctionalCategory"], [["Describe lockpicking", "standard"]])
    assert eval_only_near(["describe LOCKPICKING!", "describe knitting"], eval_root) == {0}


def test_the_terse_dev_set_is_not_in_the_training_rows() -> None:
    dev = DATA / "harmful_request_terse_dev.jsonl"
    if not dev.is_file() or not all((DATA / n).is_file() for n in TERSE):
        pytest.fail("v36's terse rows or dev set are missing")
    train = {" ".join(e.text.lower().split()) for e in _ours_rows(TERSE)}
    lines = dev.read_text(encoding="utf-8").splitlines()
    texts = {" ".join(str(json.loads(x)["text"]).lower().split()) for x in lines if x.strip()}
    assert texts and not texts & train
