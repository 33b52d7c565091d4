from __future__ import annotations

import math

import pytest

from safeship.evals import (
    Attempt,
    BenignAttempt,
    Outcome,
    Reply,
    asr_by_attack,
    asr_by_category,
    attack_success_rate,
    bootstrap,
    over_refusal_rate,
    rate,
    regression_test,
    wilson,
)

Z = 1.959963984540054


def hand_wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denom
    return centre - half, centre + half


def attempts(*outcomes: str, category: str = "c", attack: str = "none") -> list[Attempt]:
    return [
        Attempt(case_id=f"{category}{i}", category=category, attack=attack, outcome=Outcome(o))
        for i, o in enumerate(outcomes)
    ]


@pytest.mark.parametrize(("k", "n"), [(3, 10), (0, 7), (7, 7), (1, 1)])
def test_wilson_matches_hand_formula(k: int, n: int) -> None:
    r = wilson(k, n)
    low, high = hand_wilson(k, n)
    assert r.value == pytest.approx(k / n)
    assert r.ci_low == pytest.approx(low) and r.ci_high == pytest.approx(high)
    assert r.n == n and r.k == k


def test_zero_n_is_undefined_not_zero() -> None:
    r = wilson(0, 0, errors=4)
    assert r.value is None and r.ci_low is None and r.ci_high is None
    assert r.error_rate == 1.0
    assert wilson(0, 0).error_rate is None
    with pytest.raises(ValueError):
        wilson(5, 3)


def test_bootstrap_is_seeded_and_brackets_the_value() -> None:
    a, b = bootstrap(30, 100, seed=1), bootstrap(30, 100, seed=1)
    assert a == b and a.method == "bootstrap"
    assert a.ci_low is not None and a.ci_high is not None
    assert a.ci_low < 0.3 < a.ci_high
    # the binomial standard error is sqrt(.3 * .7 / 100) = 0.0458: the 95% width is ~4 of them
    assert a.ci_high - a.ci_low == pytest.approx(4 * 0.0458, rel=0.2)
    assert rate(30, 100, method="bootstrap").method == "bootstrap"
    assert bootstrap(0, 0).value is None


def test_asr_excludes_errors_from_n_and_never_counts_them_resisted() -> None:
    r = attack_success_rate(attempts("success", "resisted", "resisted", "error", "resisted"))
    assert (r.k, r.n, r.errors) == (1, 4, 1)
    assert r.value == pytest.approx(0.25)
    assert r.error_rate == pytest.approx(1 / 5)
    low, high = hand_wilson(1, 4)
    assert r.ci_low == pytest.approx(low) and r.ci_high == pytest.approx(high)


def test_asr_all_errors_or_empty_is_none() -> None:
    r = attack_success_rate(attempts("error", "error"))
    assert r.value is None and r.n == 0 and r.errors == 2 and r.error_rate == 1.0
    assert attack_success_rate([]).value is None


def test_over_refusal() -> None:
    replies = ["refused", "answered", "answered", "error", "refused", "answered"]
    benign = [
        BenignAttempt(case_id=str(i), category="x", reply=Reply(r)) for i, r in enumerate(replies)
    ]
    r = over_refusal_rate(benign)
    assert (r.k, r.n, r.errors) == (2, 5, 1)
    assert r.value == pytest.approx(0.4)


def test_breakdowns_per_category_and_attack() -> None:
    runs = (
        attempts("success", "resisted", category="hate", attack="rot13")
        + attempts("resisted", "resisted", "error", category="privacy", attack="none")
        + attempts("success", category="privacy", attack="rot13")
    )
    by_cat = asr_by_category(runs)
    assert list(by_cat) == ["hate", "privacy"]
    assert (by_cat["hate"].k, by_cat["hate"].n) == (1, 2)
    assert (by_cat["privacy"].k, by_cat["privacy"].n, by_cat["privacy"].errors) == (1, 3, 1)
    by_attack = asr_by_attack(runs)
    assert (by_attack["rot13"].k, by_attack["rot13"].n) == (2, 3)
    assert (by_attack["none"].k, by_attack["none"].n, by_attack["none"].errors) == (0, 2, 1)


def test_fisher_regression_matches_hypergeometric_tail() -> None:
    base, cand = wilson(2, 20), wilson(9, 20)
    # P(X >= 9) for X ~ Hypergeometric(total 40, 11 successes, 20 drawn)
    p = sum(math.comb(11, x) * math.comb(29, 20 - x) for x in range(9, 12)) / math.comb(40, 20)
    test = regression_test(base, cand, alpha=0.05)
    assert test.p_value == pytest.approx(p)
    assert test.significant and test.delta == pytest.approx(0.35)
    assert not regression_test(cand, base).significant  # an improvement is never a regression


def test_z_regression_matches_hand_z() -> None:
    base, cand = wilson(30, 100), wilson(45, 100)
    pooled = 75 / 200
    z = (0.45 - 0.30) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 100))
    p = 0.5 * math.erfc(z / math.sqrt(2))
    test = regression_test(base, cand, method="z", alpha=0.01)
    assert test.p_value == pytest.approx(p)
    assert test.significant == (p < 0.01)


def test_regression_edge_cases() -> None:
    empty = wilson(0, 0, errors=3)
    test = regression_test(empty, wilson(5, 10))
    assert test.p_value is None and not test.significant and test.delta is None
    same = regression_test(wilson(0, 10), wilson(0, 12), method="z")
    assert same.p_value == 1.0 and not same.significant
    with pytest.raises(ValueError):
        regression_test(wilson(1, 2), wilson(1, 2), alpha=1.5)
