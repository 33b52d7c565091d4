"""A thresholds / actions / refusals key that no layer can report is an error, located and hinted."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from safeship.detectors.base import detectors
from safeship.detectors.hazards import canonical_hazards
from safeship.errors import PolicyError
from safeship.policy.category_keys import known_keys
from safeship.policy.load import load_policy, parse_policy

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
version: 1
features:
  chat:
    input:
      - detector: harmful_request
      - detector: pii
      - detector: secrets
        id: keys
    output:
      - detector: toxicity
      - detector: refusal
    thresholds:
      self_harm: 0.3
      keys: 0.4
      email: 0.6
      harmful_request: {anonymous: 0.4}
      full_refusal: 1.0
      insult: 0.7
      default: 0.5
    actions:
      email: redact
      detector_error: block
      weapons_words: block
    refusals:
      indiscriminate_weapons: {message: "no"}
      weapons_words: {message: "no"}
    rules:
      deny:
        - name: weapons_words
          keywords: [sarin synthesis]
          category: cbrn
      allow:
        - name: history
          keywords: [history of]
          categories: [violent_crimes, cbrn]
"""


def test_every_key_a_layer_or_rule_can_report_loads() -> None:
    assert parse_policy(GOOD, "good.yaml").policy.features["chat"].thresholds["self_harm"] == 0.3


@pytest.mark.parametrize(
    ("old", "new", "field", "hint"),
    [
        ("self_harm: 0.3", "self_harn: 0.3", "thresholds.self_harn", "did you mean 'self_harm'"),
        ("email: redact", "emial: redact", "actions.emial", "did you mean 'email'"),
        (
            "indiscriminate_weapons: {message",
            "indiscriminate_weapon: {message",
            "refusals.indiscriminate_weapon",
            "did you mean 'indiscriminate_weapons'",
        ),
        ("default: 0.5", "defualt: 0.5", "thresholds.defualt", "did you mean 'default'"),
        (
            "categories: [violent_crimes, cbrn]",
            "categories: [violent_crime, cbrn]",
            "rules.allow.0.categories",
            "'violent_crime'",
        ),
    ],
)
def test_a_misspelt_key_names_file_line_field_and_the_likely_key(
    old: str, new: str, field: str, hint: str
) -> None:
    text = GOOD.replace(old, new)
    assert text != GOOD
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "typo.yaml")
    (problem,) = info.value.problems
    assert problem.file == "typo.yaml"
    assert problem.field == f"features.chat.{field}"
    assert (
        problem.line
        == text.splitlines().index(
            next(ln for ln in text.splitlines() if new.split(":")[0].strip() in ln and ":" in ln)
        )
        + 1
    )
    assert hint in problem.message


def test_a_key_of_a_layer_the_feature_does_not_run_is_refused() -> None:
    """``insult`` is a toxicity category; a feature without toxicity can never report it."""
    text = GOOD.replace("      - detector: toxicity\n", "")
    with pytest.raises(PolicyError, match="insult"):
        parse_policy(text, "p.yaml")


def test_a_feature_with_an_undeclared_detector_is_not_checked(test_detectors: None) -> None:
    """Test detectors (like plugins) declare nothing, so any key is taken on trust."""
    policy = parse_policy(
        "version: 1\nfeatures:\n  f:\n    input: [{detector: keyword}]\n"
        "    thresholds: {anything_at_all: 0.2}\n",
        "plugin.yaml",
    )
    assert known_keys(policy.policy.features["f"]) is None


def test_shipped_heads_only_name_declared_categories() -> None:
    """The declared lists must cover what the shipped category heads can actually return."""
    heads = {
        "harmful_request": lambda d: d._model.category_classes,
        "harmful_response": lambda d: d._model.category_classes,
        "toxicity": lambda d: d._model.cascade.category_classes,
    }
    for name, classes_of in heads.items():
        detector = detectors.get(name)()
        detector.setup()
        classes = set(canonical_hazards(dict.fromkeys(classes_of(detector) or (), 0.0)))
        assert classes, name
        assert classes <= detector.reports, (name, classes - detector.reports)


def _policy_files() -> list[Path]:
    """Every shipped YAML file that is a policy (gateway configs and suites live beside them)."""
    files = [*(ROOT / "examples").rglob("*.yaml"), *(ROOT / "src").rglob("policies/*.yaml")]
    return sorted(
        p
        for p in files
        if isinstance(doc := yaml.safe_load(p.read_text()), dict)
        and isinstance(doc.get("features"), dict)
    )


def test_there_are_shipped_policies() -> None:
    assert len(_policy_files()) >= 5


@pytest.mark.parametrize("path", _policy_files(), ids=lambda p: p.name)
def test_shipped_policies_still_load(path: Path) -> None:
    assert load_policy(path).policy.features
