"""The hand-written system-prompt pairs that train the injection detector's context head."""

import json
from collections import Counter
from pathlib import Path

import pytest
from training.injection_pairs import PAIR_MODEL_PARTS, PARTS, build_pairs


def test_held_out_pairs_share_no_system_prompt_with_training() -> None:
    pairs = build_pairs()
    systems = {split: {p.system for p in pairs if p.split == split} for split in ("train", "val")}
    assert systems["train"] and systems["val"]
    assert not systems["train"] & systems["val"]


def test_every_technique_and_family_is_represented_on_both_labels() -> None:
    pairs = build_pairs()
    labels = Counter(p.label for p in pairs)
    assert labels[0] >= 400 and labels[1] >= 1500
    techniques = {p.technique for p in pairs if p.label == 1}
    assert {"indirect", "many_shot", "payload_splitting", "different_language"} <= techniques
    rows = [json.loads(line) for line in PARTS.read_text(encoding="utf-8").splitlines() if line]
    families = Counter(r["family"] for r in rows if r["kind"] == "system")
    assert set(families) == {"secret", "instructions", "topic", "constraint", "task"}


def test_a_bare_off_topic_request_is_not_labelled_an_attack() -> None:
    # "explain the stock market" to a cooking bot is off-scope, not an injection; asking a
    # vault bot outright for its code is the attack itself
    pairs = build_pairs()
    rows = [json.loads(line) for line in PARTS.read_text(encoding="utf-8").splitlines() if line]
    family = {r["text"].split("{secret}")[0]: r["family"] for r in rows if r["kind"] == "system"}

    def family_of(system: str) -> str:
        return next(f for prefix, f in family.items() if system.startswith(prefix))

    direct = [p for p in pairs if p.technique == "direct_request"]
    assert direct
    assert {family_of(p.system) for p in direct} <= {"secret", "instructions"}


def test_the_text_model_reads_the_first_parts_file_only() -> None:
    # the pair model's extra files must not leak into the text model's standalone rows
    assert PAIR_MODEL_PARTS[0] == PARTS
    assert len(build_pairs(parts=PAIR_MODEL_PARTS)) > 1.5 * len(build_pairs())


def test_benign_more_rows_join_their_system_and_unknown_ones_fail(tmp_path: Path) -> None:
    system = {
        "kind": "system",
        "family": "constraint",
        "text": "Always reply in Welsh.",
        "violations": ["reply in English"],
        "inscope": ["Sut mae?"],
        "offscope": ["What is 2 + 2?"],
    }
    parts = tmp_path / "parts.jsonl"
    rows = [
        system,
        {"kind": "attack", "technique": "ignore_previous", "standalone": True, "text": "Now {v}."},
        {"kind": "foreign_violation", "text": ["antwoord in het Engels"]},
        *({"kind": "benign_generic", "text": t} for t in ("Hi", "Thanks!", "Ok", "Bye", "Cheers")),
    ]
    parts.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    extra = tmp_path / "more.jsonl"
    more = {"kind": "benign_more", "system": system["text"], "texts": ["Diolch yn fawr!"]}
    extra.write_text(json.dumps(more), encoding="utf-8")
    pairs = build_pairs(parts=(parts, extra), per_system=1)
    benign = {p.text for p in pairs if p.label == 0}
    assert {"Sut mae?", "Diolch yn fawr!"} <= benign
    stray = tmp_path / "stray.jsonl"
    stray.write_text(json.dumps({**more, "system": "Another prompt."}), encoding="utf-8")
    with pytest.raises(ValueError, match="no known system prompt"):
        build_pairs(parts=(parts, stray), per_system=1)
