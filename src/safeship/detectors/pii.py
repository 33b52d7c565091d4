"""Personal data in a text: emails, phones, payment cards, IBANs, US SSNs, IP addresses.

Presidio's pattern recognizers propose candidates (see ``_pii_recognizers``); our own checks in
``_pii_validate`` (Luhn plus card scheme, mod-97 plus registry length, SSA ranges, phone
validity plus context, version-string rule for dotted quads) turn each into a calibrated score.
Names and places need the optional spaCy model (``ner=True``).

Dotted quads: ``1.2.3.4`` is reported as an IP address unless a version keyword (``v``,
``version``, ``release``, ``build``, ``==`` ...) comes right before it; a leaked IP costs more
than a redacted version string.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator

from safeship.detectors import _pii_validate as v
from safeship.detectors._views import scan_views
from safeship.detectors.base import BaseDetector, DetectorInput, DetectorParams
from safeship.types import DetectorResult, Finding

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

ENTITY_CATEGORY: dict[str, str] = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "credit_card",
    "IBAN_CODE": "iban",
    "US_SSN": "ssn",
    "IP_ADDRESS": "ip_address",
    "PERSON": "person",
    "LOCATION": "location",
}
_NER_SCORE = 0.7  # spaCy's small model gives no usable confidence; its precision is ~0.7 here.


class PIIParams(DetectorParams):
    """Which entities to look for and how weak a finding may be."""

    entities: list[str] | None = Field(
        default=None, description="Entity types to report (default: all pattern types)."
    )
    ner: bool = Field(default=False, description="Also find names and places (needs [ner]).")
    min_score: float = Field(default=0.3, ge=0.0, le=1.0, description="Drop weaker findings.")

    @field_validator("entities")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        """A misspelt type (``email``) would find nothing and pass every text: refuse it."""
        known = (*v.PATTERN_ENTITIES, *v.NER_ENTITIES)
        unknown = [e for e in value or [] if e not in known]
        if unknown:
            raise ValueError(f"unknown entity {unknown[0]!r}; known: {', '.join(known)}")
        return value


class PIIDetector(BaseDetector):
    """Finds personal data; score = the strongest finding's calibrated confidence."""

    name: ClassVar[str] = "pii"
    reports: ClassVar[frozenset[str] | None] = frozenset(
        {
            "none",
            *(ENTITY_CATEGORY.get(e, e.lower()) for e in (*v.PATTERN_ENTITIES, *v.NER_ENTITIES)),
        }
    )
    description: ClassVar[str] = (
        "Personal data: emails, phones, cards (Luhn), IBANs (mod-97), US SSNs, IPs; "
        "names and places with the optional NER model."
    )
    params_model: ClassVar[type[DetectorParams]] = PIIParams

    def __init__(self, params: DetectorParams | None = None) -> None:
        super().__init__(params)
        self._recognizers: list[Any] = []
        self._engine: AnalyzerEngine | None = None
        self._phone_valid: Any = None
        self._ner_entities: list[str] = []

    @property
    def _p(self) -> PIIParams:
        assert isinstance(self.params, PIIParams)
        return self.params

    def _setup(self) -> None:
        from safeship._lazy_imports import torch_hidden

        with torch_hidden():
            from safeship.detectors import _pii_recognizers as rec

        wanted = set(self._p.entities or (*v.PATTERN_ENTITIES, *v.NER_ENTITIES))
        engine = rec.build_engine(self._p.ner and bool(wanted & set(v.NER_ENTITIES)))
        self._recognizers = sorted(
            (
                r
                for r in engine.registry.recognizers
                if r.supported_entities[0] in wanted
                and r.supported_entities[0] in v.PATTERN_ENTITIES
            ),
            key=lambda r: r.supported_entities[0] == "PHONE_NUMBER",
        )
        self._engine = engine if self._p.ner else None
        self._ner_entities = [e for e in v.NER_ENTITIES if e in wanted]
        self._phone_valid = rec.phone_valid

    def find(self, text: str) -> list[Finding]:
        """Calibrated, de-overlapped findings in ``text`` (offsets index ``text``)."""
        self.setup()
        found: list[Finding] = []
        for recognizer in self._recognizers:  # phones come last: see ``_claimed``
            for r in recognizer.analyze(text, recognizer.supported_entities, None):
                if r.entity_type == "PHONE_NUMBER" and _claimed(found, r.start, r.end):
                    continue
                score = self._calibrate(r.entity_type, text, r.start, r.end)
                if score >= self._p.min_score:
                    found.append(self._finding(text, r.entity_type, r.start, r.end, score))
        if self._engine is not None and self._ner_entities:
            for r in self._engine.analyze(text, language="en", entities=self._ner_entities):
                found.append(self._finding(text, r.entity_type, r.start, r.end, _NER_SCORE))
        return _resolve_overlaps(found)

    def _calibrate(self, entity: str, text: str, start: int, end: int) -> float:
        candidate = text[start:end]
        before = text[max(0, start - 40) : start]
        if entity == "CREDIT_CARD":
            return v.card_score(candidate, before)
        if entity == "IBAN_CODE":
            return 0.97 if v.iban_ok(candidate) else 0.0
        if entity == "US_SSN":
            return v.ssn_score(candidate, before)
        if entity == "IP_ADDRESS":
            return v.ip_score(candidate, before)
        if entity == "PHONE_NUMBER":
            return v.phone_score(candidate, before, self._phone_valid)
        return 0.95  # email: the recognizer already checked the public suffix

    @staticmethod
    def _finding(text: str, entity: str, start: int, end: int, score: float) -> Finding:
        return Finding(
            start=start,
            end=end,
            text=text[start:end],
            entity=entity,
            category=ENTITY_CATEGORY.get(entity, entity.lower()),
            score=round(score, 4),
        )

    def score(self, item: DetectorInput) -> DetectorResult:
        """Scan the original text and every normalised view; spans index the original."""
        findings = self.find(item.text)
        hidden = scan_views(item, findings, self.find, "pii")
        categories = dict(hidden)
        for f in findings:
            cat = f.category or "pii"
            categories[cat] = max(categories.get(cat, 0.0), f.score)
        if not categories:
            return self.result(0.0, "none")
        top = max(categories, key=lambda c: categories[c])
        counts: dict[str, int] = {}
        for f in findings:
            counts[f.category or "pii"] = counts.get(f.category or "pii", 0) + 1
        return self.result(
            categories[top],
            top,
            categories=categories,
            findings=tuple(sorted(findings, key=lambda f: (f.start, f.end))),
            details={"counts": counts, "hidden": sorted(hidden)},
        )


def _claimed(found: list[Finding], start: int, end: int) -> bool:
    """Whether a checksum-validated finding already covers this span (saves a phone lookup)."""
    return any(f.start < end and start < f.end and f.score >= 0.5 for f in found)


def _resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Keep the strongest (then longest) finding wherever two overlap.

    The kept spans never overlap, so each candidate is checked against its two neighbours
    in start order (bisect), not against every kept span: a view decoding 500 escaped
    addresses made that quadratic, 0.1 s of a chat turn on the event loop. An empty span (none
    is ever found) covers nothing and is dropped.
    """
    spans = [f for f in findings if f.end > f.start]
    ranked = sorted(spans, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    kept: list[Finding] = []
    starts: list[int] = []
    ends: list[int] = []
    for f in ranked:
        i = bisect.bisect_right(starts, f.start)
        if (i == 0 or ends[i - 1] <= f.start) and (i == len(starts) or starts[i] >= f.end):
            starts.insert(i, f.start)
            ends.insert(i, f.end)
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)
