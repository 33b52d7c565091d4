"""Refuse policy keys that name a category no layer of the feature can ever report.

``thresholds``, ``actions`` and ``refusals`` are looked up by category, then detector, then
``default`` (see ``schema.FeaturePolicy``). A key matching none of those is never read: a
misspelt ``self_harn: 0.2`` leaves self-harm at the default threshold, and nothing says so.
The known keys of a feature are ``default``, its layers' ids and detector names, every category
its detectors declare they can report (``BaseDetector.categories_for``), its deny rules'
categories and names, and ``detector_error``. A feature with a detector that declares nothing (a
plugin, or a classifier whose labels live in its weights) is not checked: its keys cannot be known
without loading the model.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from safeship.detectors.base import detectors
from safeship.errors import RegistryError
from safeship.policy.schema import FeaturePolicy, Policy
from safeship.yaml_source import Loc

ERROR_CATEGORY = "detector_error"  # the category of a layer that failed closed (policy.engine)


def known_keys(feature: FeaturePolicy) -> frozenset[str] | None:
    """Every key a lookup of this feature can read; None when a layer's categories are unknown."""
    keys = {"default", ERROR_CATEGORY}
    for spec in (*feature.input, *feature.output):
        keys.update((spec.key, spec.detector))
        try:
            cls = detectors.get(spec.detector)
            params = cls.params_model.model_validate(spec.params)
        except (RegistryError, ValueError):
            return None  # reported by the detector checks; nothing to compare against here
        declared = getattr(cls, "categories_for", None)
        reports = declared(params) if callable(declared) else None
        if reports is None:
            return None
        keys.update(reports)
    for rule in (*feature.rules.deny, *feature.rules.allow):
        keys.update((rule.category, rule.name))
    return frozenset(keys)


def _hint(key: str, known: frozenset[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; known here: {', '.join(sorted(known))}"


def unknown_category_keys(policy: Policy) -> Iterator[tuple[Loc, str]]:
    """``(location, message)`` for every lookup key no layer of its feature can report."""
    for name, feature in policy.features.items():
        known = known_keys(feature)
        if known is None:
            continue
        lookups: dict[str, list[str]] = {
            "thresholds": list(feature.thresholds),
            "actions": list(feature.actions),
            "refusals": list(feature.refusals),
        }
        for rule_index, rule in enumerate(feature.rules.allow):
            for category in rule.categories:
                if category not in known:
                    loc: Loc = ("features", name, "rules", "allow", rule_index, "categories")
                    yield (
                        loc,
                        f"allow rule {rule.name!r} exempts unknown category {category!r}"
                        + (_hint(category, known)),
                    )
        for field, keys in lookups.items():
            for key in keys:
                if key not in known:
                    yield (
                        ("features", name, field, key),
                        f"no layer or rule of feature {name!r} reports {key!r}, so this "
                        f"{field} entry would never apply" + _hint(key, known),
                    )
