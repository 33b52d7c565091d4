"""The policy file schema (version 1): what runs, how strict, and what happens.

A policy is written per AI feature, before code, and is the one place where thresholds and actions
live. Detectors only score. The core schema knows nothing about any particular detector: each
detector entry is ``{detector: NAME, params: {...}}`` and the params are validated against that
detector's own params model at load time (see ``policy.load``).

Threshold and action lookup for a flagged result goes from specific to general:
``category`` -> ``detector name`` -> ``default``. A scalar threshold is adjusted per trust tier by
``tier_adjust`` (anonymous traffic is held stricter by default); a mapping sets the tiers it names.
"""

from __future__ import annotations

import math
import re
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from safeship.text.marks import is_plain_latin
from safeship.types import Action, Stage, TrustTier

SCHEMA_VERSION = 1
FailMode = Literal["open", "closed"]


NEVER = math.inf  # the threshold of a score that is recorded, never acted on


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DetectorSpec(_Strict):
    """One detector layer: which detector, its own params, and what to do if it breaks."""

    detector: str
    id: str | None = Field(default=None, description="unique name when one detector is used twice")
    params: dict[str, Any] = Field(default_factory=dict)
    fail_mode: FailMode = "closed"
    timeout_ms: float = Field(default=1000.0, gt=0, le=120_000)
    embeddings: bool = Field(
        default=True,
        description=(
            "let the detector use the shared sentence embedder (the second stage of the ML "
            "detectors); false runs stage 1 only: cheaper, less accurate, for a detector whose "
            "score is only recorded"
        ),
    )

    @property
    def key(self) -> str:
        """The name results are reported under."""
        return self.id or self.detector


class Rule(_Strict):
    """A deny or allow rule on keywords and regular expressions, compiled once."""

    name: str
    keywords: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    category: str = "deny_rule"
    action: Action = Action.BLOCK
    stages: list[Stage] = Field(default_factory=lambda: [Stage.INPUT, Stage.OUTPUT])
    categories: list[str] = Field(
        default_factory=list, description="allow rules: categories they exempt (empty = all)"
    )

    @field_validator("regex")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for i, pattern in enumerate(patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"regex[{i}] {pattern!r} does not compile: {exc}") from exc
        return patterns

    @model_validator(mode="after")
    def _has_pattern(self) -> Rule:
        if not self.keywords and not self.regex:
            raise ValueError(f"rule {self.name!r} needs at least one keyword or regex")
        return self

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """One compiled alternation of all keywords (word-bounded, case-insensitive) and regexes.

        The words of a keyword may be joined by any run of spaces, line breaks, hyphens or
        underscores: "ignore-all_previous instructions" is the same phrase, written to slip past.
        """
        return _compile(self.keywords, self.regex)

    @cached_property
    def folded_pattern(self) -> re.Pattern[str] | None:
        """The keywords written in plain Latin letters, to match against mark-folded text.

        Such a keyword also matches when combining marks, variation selectors or tag characters
        are stacked on its letters ("sarin" struck through, accented or in Zalgo text), which
        an attacker uses to slip past a deny list (see ``safeship.text.marks``). A keyword
        that has marks of its own ("café") or letters of another script (Devanagari, Cyrillic,
        whose marks carry meaning) is left out and matched exactly, by ``exact_pattern``.
        """
        plain = [k for k in self.keywords if is_plain_latin(k)]
        return _compile(plain, []) if plain else None

    @cached_property
    def exact_pattern(self) -> re.Pattern[str] | None:
        """The regexes and the keywords not in ``folded_pattern``, matched on the text as is."""
        exact = [k for k in self.keywords if not is_plain_latin(k)]
        return _compile(exact, self.regex) if exact or self.regex else None


def _compile(keywords: list[str], regexes: list[str]) -> re.Pattern[str]:
    parts = [rf"(?<!\w){_words(k)}(?!\w)" for k in keywords]
    parts += [f"(?:{r})" for r in regexes]
    return re.compile("|".join(parts), re.IGNORECASE)


def _words(keyword: str) -> str:
    """A keyword as a pattern whose words match across any separator run."""
    return r"[\s_\-]+".join(re.escape(word) for word in keyword.split())


class Rules(_Strict):
    """Deny rules win over allow rules; allow rules exempt categories from model-based flags."""

    deny: list[Rule] = Field(default_factory=list)
    allow: list[Rule] = Field(default_factory=list)


class RefusalTemplate(_Strict):
    """What a blocked user is told, and where they can go instead."""

    message: str
    redirect: str | None = None


TierThresholds = dict[TrustTier, float]


_TIER_ADJUST = {TrustTier.ANONYMOUS: -0.1, TrustTier.AUTHENTICATED: 0.0, TrustTier.INTERNAL: 0.0}


class FeaturePolicy(_Strict):
    """Everything the guard needs for one AI feature."""

    description: str = ""
    input: list[DetectorSpec] = Field(default_factory=list)
    output: list[DetectorSpec] = Field(default_factory=list)
    thresholds: dict[str, float | TierThresholds] = Field(default_factory=dict)
    tier_adjust: dict[TrustTier, float] = Field(default_factory=lambda: dict(_TIER_ADJUST))
    actions: dict[str, Action] = Field(default_factory=dict)
    rules: Rules = Field(default_factory=Rules)
    refusals: dict[str, RefusalTemplate] = Field(default_factory=dict)
    history_turns: int = Field(default=4, ge=1, le=50)
    on_error: Action = Action.BLOCK

    @field_validator("tier_adjust")
    @classmethod
    def _keep_unnamed_tiers(cls, value: dict[TrustTier, float]) -> dict[TrustTier, float]:
        """Tiers a mapping does not name keep their defaults.

        Why: ``{internal: 0.05}`` reads as "loosen internal", not "and stop holding anonymous
        traffic stricter"; replacing the whole default silently dropped the anonymous margin.
        """
        return {**_TIER_ADJUST, **value}

    @field_validator("thresholds")
    @classmethod
    def _in_unit_interval(
        cls, value: dict[str, float | TierThresholds]
    ) -> dict[str, float | TierThresholds]:
        for key, threshold in value.items():
            for t in threshold.values() if isinstance(threshold, dict) else [threshold]:
                if not 0.0 <= t <= 1.0:
                    raise ValueError(f"threshold for {key!r} must be in [0, 1], got {t}")
        return value

    @model_validator(mode="after")
    def _unique_keys(self) -> FeaturePolicy:
        for stage, specs in (("input", self.input), ("output", self.output)):
            keys = [s.key for s in specs]
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            if dupes:
                raise ValueError(f"{stage}: detector {dupes[0]!r} listed twice; give each an id")
        return self

    def specs(self, stage: Stage) -> list[DetectorSpec]:
        """Detector layers for a stage."""
        return self.input if stage is Stage.INPUT else self.output

    def threshold(self, category: str, detector: str, tier: TrustTier) -> float:
        """Threshold for a flag: category, then detector, then default, then 0.5.

        A threshold of 1.0 (or more) means "record the score, never act on it", for every tier:
        the anonymous tier's stricter ``tier_adjust`` does not lower it, and a score of exactly
        1.0 does not reach it (the result is infinite). Without that, a recorded-only detector
        such as ``refusal`` blocked the model's own refusals for anonymous users and counted
        them as violations against those users.
        """
        for key in (category, detector, "default"):
            if key in self.thresholds:
                value = self.thresholds[key]
                if isinstance(value, dict):
                    if tier in value:
                        return NEVER if value[tier] >= 1.0 else value[tier]
                    continue
                if value >= 1.0:
                    return NEVER
                return min(1.0, max(0.0, value + self.tier_adjust.get(tier, 0.0)))
        return min(1.0, max(0.0, 0.5 + self.tier_adjust.get(tier, 0.0)))

    def action(self, category: str, detector: str) -> Action:
        """Action for a flag: category, then detector, then default, then block."""
        for key in (category, detector, "default"):
            if key in self.actions:
                return self.actions[key]
        return Action.BLOCK


class Policy(_Strict):
    """A whole policy file."""

    version: Literal[1] = 1
    name: str = "policy"
    description: str = ""
    default_feature: str | None = None
    features: dict[str, FeaturePolicy]

    @model_validator(mode="after")
    def _default_exists(self) -> Policy:
        if not self.features:
            raise ValueError("a policy needs at least one feature")
        if self.default_feature is not None and self.default_feature not in self.features:
            raise ValueError(f"default_feature {self.default_feature!r} is not a feature")
        return self

    def feature(self, name: str | None) -> tuple[str, FeaturePolicy]:
        """Resolve a feature name (None: the default, or the only one)."""
        if name is None:
            name = self.default_feature or (
                next(iter(self.features)) if len(self.features) == 1 else None
            )
            if name is None:
                raise KeyError(
                    f"policy {self.name!r} has several features; "
                    f"choose one of {sorted(self.features)}"
                )
        if name not in self.features:
            raise KeyError(f"unknown feature {name!r}; policy has {sorted(self.features)}")
        return name, self.features[name]
