"""Canary tokens: a planted marker that shows up in a model's output means the prompt leaked.

Plant a marker (``make_canary()``) in a system prompt or a private document; this detector
scores 1.0 when the marker appears in an output, also when the model changed its case, spaced
or punctuated it out (``S A F E S H I P - C A N A R Y``), or base64-encoded it, and in every
view the normaliser decoded. Spans index the original text; a marker found only inside a
decoded view is reported over the whole encoded run when we can find it, else the whole text.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
import secrets
from typing import ClassVar

from pydantic import Field, field_validator

from safeship.detectors.base import BaseDetector, DetectorInput, DetectorParams
from safeship.types import DetectorResult, Finding, Stage

CANARY_PREFIX = "SAFESHIP-CANARY-"
CANARY_FORMAT = re.compile(r"SAFESHIP-CANARY-[0-9a-f]{16,64}")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_\-]{16,}={0,2}")
_SEPARATORS = r"[\s\W_]{0,3}"


def make_canary(seed: int | None = None) -> str:
    """A fresh marker like ``SAFESHIP-CANARY-3f9a1c0b7d2e4a65`` (64 random bits).

    With ``seed`` the marker is reproducible (tests, fixed deployments); without it, it comes
    from the OS's secure random source so it cannot be guessed.
    """
    if seed is None:
        return CANARY_PREFIX + secrets.token_hex(8)
    return CANARY_PREFIX + f"{random.Random(seed).getrandbits(64):016x}"


class CanaryParams(DetectorParams):
    """The planted markers, and whether to pick up markers from the system prompt."""

    markers: list[str] = Field(default_factory=list, description="Planted marker strings.")
    detect_in_system_prompt: bool = Field(
        default=True,
        description="Also watch for any SAFESHIP-CANARY-... marker found in the system prompt.",
    )

    @field_validator("markers")
    @classmethod
    def _long_enough(cls, markers: list[str]) -> list[str]:
        short = [m for m in markers if len(_compact(m)) < 8]
        if short:
            raise ValueError(f"{len(short)} marker(s) shorter than 8 letters/digits: too guessable")
        return markers


def _compact(text: str) -> str:
    """Case-folded letters and digits only: what survives spacing and punctuation tricks."""
    return "".join(filter(str.isalnum, text.casefold()))


def _spaced_pattern(marker: str) -> re.Pattern[str]:
    chars = [re.escape(c) for c in _compact(marker)]
    return re.compile(_SEPARATORS.join(chars), re.IGNORECASE)


def _decode(run: str) -> str:
    padded = run + "=" * (-len(run) % 4)
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            return decoder(padded).decode("utf-8", errors="ignore")
        except (binascii.Error, ValueError):
            continue
    return ""


class CanaryDetector(BaseDetector):
    """Scores 1.0 when a planted marker leaks into the text, with its spans."""

    name: ClassVar[str] = "canary"
    reports: ClassVar[frozenset[str] | None] = frozenset({"canary_leak", "none"})
    description: ClassVar[str] = "Planted canary markers leaking into outputs (prompt leakage)."
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.OUTPUT})
    params_model: ClassVar[type[DetectorParams]] = CanaryParams
    contextual: ClassVar[bool] = True

    def __init__(self, params: DetectorParams | None = None) -> None:
        super().__init__(params)
        self._patterns: dict[str, re.Pattern[str]] = {}

    @property
    def _p(self) -> CanaryParams:
        assert isinstance(self.params, CanaryParams)
        return self.params

    def _setup(self) -> None:
        for marker in self._p.markers:
            self._patterns[marker] = _spaced_pattern(marker)

    def _markers(self, item: DetectorInput) -> dict[str, re.Pattern[str]]:
        patterns = dict(self._patterns)
        if self._p.detect_in_system_prompt and item.system:
            for marker in CANARY_FORMAT.findall(item.system):
                if marker not in patterns:
                    patterns[marker] = _spaced_pattern(marker)
        runtime = item.extra.get("canaries", ())  # planted per request via GuardContext.canaries
        for marker in runtime if isinstance(runtime, (list, tuple)) else ():
            if isinstance(marker, str) and len(_compact(marker)) >= 8 and marker not in patterns:
                patterns[marker] = _spaced_pattern(marker)
        return patterns

    def score(self, item: DetectorInput) -> DetectorResult:
        """Look for every marker in the text, its base64 runs and its normalised views."""
        patterns = self._markers(item)
        if not patterns:
            return self.result(0.0, "none")
        findings: list[Finding] = []
        leaked = 0
        for marker, pattern in patterns.items():
            hits = self._find(item, marker, pattern)
            leaked += bool(hits)
            findings.extend(hits)
        if not findings:
            return self.result(0.0, "none")
        return self.result(
            1.0,
            "canary_leak",
            categories={"canary_leak": 1.0},
            findings=tuple(sorted(findings, key=lambda f: f.start)),
            details={"leaked_markers": leaked, "watched_markers": len(patterns)},
        )

    def _find(self, item: DetectorInput, marker: str, pattern: re.Pattern[str]) -> list[Finding]:
        text = item.text
        hits = [
            Finding(start=m.start(), end=m.end(), text=m.group(), entity="CANARY", category="text")
            for m in pattern.finditer(text)
        ]
        if hits:
            return hits
        compact = _compact(marker)
        for run in _BASE64_RUN.finditer(text):
            if compact in _compact(_decode(run.group())):
                hits.append(
                    Finding(
                        start=run.start(),
                        end=run.end(),
                        text=run.group(),
                        entity="CANARY",
                        category="base64",
                    )
                )
        if hits:
            return hits
        if any(compact in _compact(view) for view in item.normalised.views):
            return [Finding(start=0, end=len(text), text=text, entity="CANARY", category="view")]
        return []
