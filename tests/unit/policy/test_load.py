from __future__ import annotations

from pathlib import Path

import pytest

from safeship.errors import PolicyError
from safeship.policy.load import load_policy, parse_policy
from safeship.types import Action, TrustTier

REPO = Path(__file__).resolve().parents[3]

GOOD = """
version: 1
name: t
features:
  chat:
    input:
      - detector: always_pass
    thresholds:
      default: 0.5
      special: {anonymous: 0.2, authenticated: 0.3, internal: 0.9}
    actions:
      special: warn
"""


def test_parse_good_policy_and_version_hash() -> None:
    loaded = parse_policy(GOOD, "good.yaml")
    assert loaded.version.startswith("t@")
    name, feature = loaded.policy.feature(None)
    assert name == "chat"
    assert feature.threshold("x", "always_pass", TrustTier.ANONYMOUS) == pytest.approx(0.4)
    assert feature.threshold("x", "always_pass", TrustTier.AUTHENTICATED) == pytest.approx(0.5)
    assert feature.threshold("special", "d", TrustTier.INTERNAL) == pytest.approx(0.9)
    assert feature.action("special", "d") is Action.WARN
    assert feature.action("other", "d") is Action.BLOCK


def test_every_problem_reported_with_line_and_field() -> None:
    bad = """version: 1
features:
  chat:
    input:
      - detector: no_such_detector
      - detector: always_pass
        params:
          category: 3
          bogus: true
    thresholds:
      default: 1.5
    actions:
      default: explode
    surprise: 1
"""
    with pytest.raises(PolicyError) as info:
        parse_policy(bad, "bad.yaml")
    text = str(info.value)
    problems = info.value.problems
    fields = {p.field for p in problems}
    assert "features.chat.thresholds" in fields or "features.chat.thresholds.default" in fields
    assert "features.chat.actions.default" in fields
    assert "features.chat.surprise" in fields
    by_field = {p.field: p for p in problems}
    assert by_field["features.chat.actions.default"].line == 13
    assert by_field["features.chat.surprise"].line == 14
    assert all(p.file == "bad.yaml" for p in problems)
    assert "bad.yaml:13" in text


def test_detector_params_validated_by_the_detectors_own_model() -> None:
    bad = """version: 1
features:
  chat:
    input:
      - detector: no_such_detector
      - detector: always_pass
        params:
          category: [1]
          bogus: true
"""
    with pytest.raises(PolicyError) as info:
        parse_policy(bad, "p.yaml")
    by_field = {p.field: p for p in info.value.problems}
    assert by_field["features.chat.input.0.detector"].line == 5
    assert "unknown detector" in by_field["features.chat.input.0.detector"].message
    assert by_field["features.chat.input.1.params.bogus"].line == 9
    assert by_field["features.chat.input.1.params.category"].line == 8


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("version: 1\nfeatures: [\n", "invalid YAML"),
        ("- a\n- b\n", "mapping"),
        ("version: 2\nfeatures: {a: {}}\n", "version"),
        ("version: 1\nfeatures: {}\n", "at least one feature"),
        (
            "version: 1\nfeatures:\n  a:\n    rules:\n      deny:\n        - name: r\n          regex: ['(']\n",
            "does not compile",
        ),
        ("version: 1\nfeatures:\n  a:\n    rules:\n      deny:\n        - name: r\n", "keyword or regex"),
    ],
)
def test_malformed_policies_fail_cleanly(text: str, fragment: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "x.yaml")
    assert fragment in str(info.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(PolicyError, match="UTF-8"):
        load_policy(binary)
    huge = tmp_path / "h.yaml"
    huge.write_text("a: " + "x" * 2_100_000)
    with pytest.raises(PolicyError, match="2 MB"):
        load_policy(huge)


@pytest.mark.parametrize("path", sorted((REPO / "examples" / "policies").glob("*.yaml")), ids=lambda p: p.name)
def test_example_policies_are_valid(path: Path) -> None:
    loaded = load_policy(path)
    assert loaded.policy.features


def test_a_partial_tier_adjust_keeps_the_other_tiers_defaults() -> None:
    """Loosening ``internal`` must not silently stop holding anonymous traffic stricter."""
    from safeship.policy.load import parse_policy
    from safeship.types import TrustTier

    text = "version: 1\nfeatures:\n  chat:\n    tier_adjust: {internal: 0.05}\n"
    feature = parse_policy(text, "partial.yaml").policy.features["chat"]
    assert feature.tier_adjust[TrustTier.INTERNAL] == 0.05
    assert feature.tier_adjust[TrustTier.ANONYMOUS] == -0.1
    assert feature.threshold("x", "d", TrustTier.ANONYMOUS) == 0.4
