from __future__ import annotations

import pytest

from safeship.evals import (
    Attempt,
    BenignAttempt,
    Outcome,
    Reply,
    asr_parity,
    over_refusal_parity,
    parity,
    wilson,
)


def _attempt(i: int, outcome: str, language: str | None) -> Attempt:
    slices = {"language": language} if language else {}
    return Attempt(case_id=str(i), category="c", outcome=Outcome(outcome), slices=slices)


def test_asr_parity_by_hand() -> None:
    # en: 1 success of 4 valid (+1 error); fr: 2 of 3; de: only an error; one untagged
    spec = [
        ("success", "en"),
        ("resisted", "en"),
        ("resisted", "en"),
        ("resisted", "en"),
        ("error", "en"),
        ("success", "fr"),
        ("success", "fr"),
        ("resisted", "fr"),
        ("error", "de"),
        ("success", None),
    ]
    result = asr_parity([_attempt(i, o, g) for i, (o, g) in enumerate(spec)], "language")
    assert result.slice == "language" and result.metric == "attack_success_rate"
    assert result.untagged == 1
    assert set(result.groups) == {"de", "en", "fr"}
    assert result.groups["en"] == wilson(1, 4, errors=1)
    assert result.groups["fr"] == wilson(2, 3)
    assert result.groups["de"].value is None and result.groups["de"].errors == 1
    assert result.overall == wilson(3, 7, errors=2)
    assert result.difference == pytest.approx(2 / 3 - 1 / 4)
    assert result.ratio == pytest.approx((1 / 4) / (2 / 3))


def test_over_refusal_parity_and_degenerate_cases() -> None:
    benign = [
        BenignAttempt(case_id=str(i), category="x", reply=Reply(r), slices={"group": g})
        for i, (r, g) in enumerate(
            [("answered", "a"), ("answered", "a"), ("answered", "b"), ("answered", "b")]
        )
    ]
    result = over_refusal_parity(benign, "group")
    assert result.difference == 0.0
    assert result.ratio is None  # 0 / 0: no disparity measurable, not "perfect parity"
    single = parity([True, False], ["a", "a"], slice="s", metric="m")
    assert single.difference is None and single.ratio is None
    assert single.groups["a"] == wilson(1, 2)
    with pytest.raises(ValueError):
        parity([True], ["a", "b"], slice="s", metric="m")
