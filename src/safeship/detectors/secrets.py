"""Credentials in a text: cloud keys, API tokens, private keys, JWTs, password assignments.

Every rule is a documented token shape (see ``_secret_patterns``), compiled once at import;
each rule runs only when one of its literal prefixes (or keywords) occurs, so most texts
cost a few substring searches. A
secret's value is kept in ``Finding.text`` (the guard needs it to redact) but never in
``details``, in ``repr`` of anything we build, or in error messages: the detector reports
entity types, counts and a masked preview only.
"""

from __future__ import annotations

import bisect
from typing import ClassVar

from pydantic import Field

from safeship.detectors._secret_patterns import RULES, SecretRule, candidate_rules
from safeship.detectors._views import scan_views
from safeship.detectors.base import BaseDetector, DetectorInput, DetectorParams
from safeship.text.decoders import base64_decodings
from safeship.types import DetectorResult, Finding


class SecretsParams(DetectorParams):
    """Which secret types to report and how weak a finding may be."""

    entities: list[str] | None = Field(
        default=None, description="Secret types to report, e.g. ['AWS_ACCESS_KEY_ID'] (all)."
    )
    min_score: float = Field(default=0.3, ge=0.0, le=1.0, description="Drop weaker findings.")


def mask(secret: str) -> str:
    """A preview safe to log: the first four characters and the length."""
    return f"{secret[:4]}...({len(secret)} chars)"


def find_secrets(text: str, entities: frozenset[str] | None = None) -> list[Finding]:
    """Validated, de-overlapped secret findings in ``text`` (offsets index ``text``).

    Candidates are ranked strongest first and validated lazily: a span already covered by a
    stronger finding (a GitHub token inside ``token = ...``) skips its validator. The overlap
    test is a binary search over the kept spans: comparing each candidate with every kept
    finding took minutes on 1 MB of short "pwd: abc12" lines.
    """
    candidates: list[tuple[float, int, int, SecretRule, str]] = []
    for rule in candidate_rules(text):
        if entities is None or rule.entity in entities:
            for m in rule.finditer(text):
                start, end = m.span(rule.group)
                candidates.append((rule.score, start, end, rule, m.group(rule.group)))
    candidates.sort(key=lambda c: (-c[0], c[1] - c[2], c[1]))
    kept: list[Finding] = []
    starts: list[int] = []  # kept spans, sorted; they never overlap, so one neighbour decides
    ends: list[int] = []
    for score, start, end, rule, value in candidates:
        i = bisect.bisect_left(starts, end)
        if (i and ends[i - 1] > start) or not rule.validate(value):
            continue
        starts.insert(i, start)
        ends.insert(i, end)
        kept.append(
            Finding(
                start=start,
                end=end,
                text=value,
                entity=rule.entity,
                category=rule.entity.lower(),
                score=score,
            )
        )
    return sorted(kept, key=lambda f: f.start)


class SecretsDetector(BaseDetector):
    """Finds credentials; score = the strongest finding's confidence."""

    name: ClassVar[str] = "secrets"
    reports: ClassVar[frozenset[str] | None] = frozenset(
        {"none", *(rule.entity.lower() for rule in RULES)}
    )
    description: ClassVar[str] = (
        "API keys and tokens (AWS, GCP, Azure, GitHub, Slack, Stripe, OpenAI, Anthropic, "
        "Twilio, SendGrid), private keys, JWTs, high-entropy assignments and typed-out "
        "passwords with a digit or symbol."
    )
    params_model: ClassVar[type[DetectorParams]] = SecretsParams

    @property
    def _p(self) -> SecretsParams:
        assert isinstance(self.params, SecretsParams)
        return self.params

    def score(self, item: DetectorInput) -> DetectorResult:
        """Scan the original text and each normalised view; spans index the original."""
        wanted = frozenset(self._p.entities) if self._p.entities else None
        findings = [f for f in find_secrets(item.text, wanted) if f.score >= self._p.min_score]
        hidden = scan_views(
            item,
            findings,
            lambda text: [f for f in find_secrets(text, wanted) if f.score >= self._p.min_score],
            "secret",
            base64_decodings(item.text),  # a key encoded alone decodes to no prose
        )
        categories = dict(hidden)
        for f in findings:
            cat = f.category or "secret"
            categories[cat] = max(categories.get(cat, 0.0), f.score)
        if not categories:
            return self.result(0.0, "none")
        top = max(categories, key=lambda c: categories[c])
        return self.result(
            categories[top],
            top,
            categories=categories,
            findings=tuple(sorted(findings, key=lambda f: f.start)),
            details={
                "previews": [f"{f.entity}:{mask(f.text)}" for f in findings],
                "hidden": sorted(hidden),
            },
        )
