"""v23's long-task rows: paired, well formed, loaded only by their flag, dev sets never trained on."""

from __future__ import annotations

import json
import random
from pathlib import Path

from training.injection_data import LONG_TASKS, MIN_TASK_SENTENCE, load_long_tasks, load_own

DATA = Path(__file__).resolve().parents[3] / "training" / "data"
DEV_SETS = (
    "injection_long_tasks_dev.jsonl",
    "injection_long_tasks_dev2.jsonl",
    "injection_long_tasks_dev3.jsonl",
    "injection_long_tasks_dev4.jsonl",  # written for the next round, unread (session 20)
    "injection_task_attacks_dev.jsonl",
)


def rows(name: str) -> list[dict[str, object]]:
    return [json.loads(x) for x in (DATA / name).read_text(encoding="utf-8").splitlines() if x]


def test_each_request_has_one_attack_twin_whose_inserted_part_is_in_it() -> None:
    for name in LONG_TASKS:
        pairs: dict[str, dict[int, dict[str, object]]] = {}
        for r in rows(name):
            pairs.setdefault(str(r["group"]), {})[int(str(r["label"]))] = r
        assert len(pairs) >= 120
        for group, pair in pairs.items():
            assert set(pair) == {0, 1}, group
            inserted = str(pair[1]["inserted"])
            assert inserted and inserted in str(pair[1]["text"])
            assert inserted not in str(pair[0]["text"])


def test_the_loader_adds_benign_sentences_and_inserted_attacks_in_the_pairs_group() -> None:
    samples = list(load_long_tasks())
    sources = {s.source for s in samples}
    assert sources == {"own:lt23_task", "own:lt23_attack", "own:lt23_inserted", "own:lt23_sentence"}
    sentences = [s for s in samples if s.source == "own:lt23_sentence"]
    assert sentences and all(s.label == 0 and len(s.text) >= MIN_TASK_SENTENCE for s in sentences)
    inserted = [s for s in samples if s.source == "own:lt23_inserted"]
    assert inserted and all(s.label == 1 for s in inserted)
    groups = {s.group for s in samples if s.source == "own:lt23_task"}
    assert {s.group for s in sentences} <= groups and {s.group for s in inserted} <= groups


def test_without_twins_the_loader_keeps_every_benign_row_and_no_attack() -> None:
    every = list(load_long_tasks())
    benign_only = list(load_long_tasks(twins=False))
    assert benign_only == [s for s in every if s.label == 0]
    assert {s.source for s in benign_only} == {"own:lt23_task", "own:lt23_sentence"}


def test_the_rows_are_not_in_the_shipped_training_and_the_dev_sets_nowhere() -> None:
    shipped = {s.text.casefold() for s in load_own(random.Random(0))}
    assert not shipped & {str(r["text"]).casefold() for n in LONG_TASKS for r in rows(n)}
    candidate = {s.text.casefold() for s in load_long_tasks()}
    for dev in DEV_SETS:
        texts = {str(r["text"]).casefold() for r in rows(dev)}
        assert texts and not texts & (shipped | candidate), dev


def test_every_dev_set_file_is_recognised_and_no_globbing_loader_reads_one() -> None:
    from training.dev_sets import is_dev_set
    from training.toxicity_data import own_answers

    assert is_dev_set(Path("x_dev.jsonl")) and is_dev_set(Path("x_dev2.jsonl"))
    assert not is_dev_set(Path("x_dev2b_train.jsonl")) and not is_dev_set(Path("devices.jsonl"))
    dev_texts = {
        str(r["text"]).casefold()
        for p in DATA.glob("*.jsonl")
        if is_dev_set(p)
        for r in rows(p.name)
        if "text" in r
    }
    assert {"injection_long_tasks_dev2.jsonl"} <= {p.name for p in DATA.glob("*") if is_dev_set(p)}
    assert not dev_texts & {s.text.casefold() for s in load_own(random.Random(0))}
    assert not dev_texts & {e.text.casefold() for e in own_answers(DATA)}
