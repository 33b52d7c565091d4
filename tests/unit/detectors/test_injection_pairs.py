"""The hand-written system-prompt pairs that train the injection detector's context head."""

import json
from collections import Counter

from training.injection_pairs import PARTS, build_pairs


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
