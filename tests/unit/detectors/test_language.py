"""The language detector: which texts the feature's guard reads in a language it supports."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from safeship.detectors.base import DetectorInput, detectors
from safeship.detectors.language import CATEGORY, LanguageDetector, LanguageParams
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.guard import Guard, GuardContext
from safeship.policy.load import parse_policy
from safeship.text.normalise import normalise
from safeship.types import Action, TrustTier


def score(det: LanguageDetector, text: str):  # type: ignore[no-untyped-def]
    item = DetectorInput(
        text=text, normalised=normalise(text), features=FeatureCache(NgramHasher())
    )
    return det.score(item)


@pytest.fixture(scope="module")
def english_only() -> LanguageDetector:
    det = LanguageDetector()
    det.setup()
    return det


# written for this test: everyday messages, several with English loanwords or names
FOREIGN = {
    "fr": "Est-ce que je peux encore changer l'adresse de livraison de ma commande ?",
    "es": "Se me olvidó la contraseña y el enlace para restablecerla no me llega.",
    "de": "Könnt ihr mir sagen, wann mein Paket ungefähr ankommt? Tracking zeigt nichts.",
    "pt": "Vocês entregam no sábado? Preciso do presente até domingo de manhã.",
    "ja": "注文した靴のサイズを交換したいです。",
    "zh": "我的退款什么时候到账？",
    "ru": "Подскажите, пожалуйста, как отменить подписку?",
    "ar": "متى سيصل طلبي؟ لقد مر أسبوع.",
}
ENGLISH = [
    "How long does standard delivery usually take?",
    "When was Angela Merkel born?",  # names that read as German to a byte n-gram model
    "Which university did Barack Obama go to for law school?",
    "Can you translate 'où est la gare' into English for me?",  # a quoted foreign phrase
    "def total(items):\n    return sum(item.price for item in items)",
]


@pytest.mark.parametrize(("lang", "text"), FOREIGN.items())
def test_other_languages_are_flagged_and_named(english_only, lang, text):
    result = score(english_only, text)
    assert result.score >= 0.5
    assert result.category == CATEGORY
    assert result.details["language"] == lang


@pytest.mark.parametrize("text", ENGLISH)
def test_english_is_not_flagged(english_only, text):
    assert score(english_only, text).score < 0.5


def test_supported_languages_are_not_flagged():
    det = LanguageDetector(LanguageParams(supported=["en", "fr", "es"]))
    assert score(det, FOREIGN["fr"]).score < 0.5
    assert score(det, FOREIGN["es"]).score < 0.5
    assert score(det, FOREIGN["de"]).score >= 0.5


@pytest.mark.parametrize("text", ["", "ok", "Merci !", "lol 😂", "12345 67890 !!!"])
def test_short_texts_are_not_judged(english_only, text):
    result = score(english_only, text)
    assert result.score == 0.0
    assert result.details["judged"] is False


def test_short_texts_in_other_scripts_are_judged(english_only):
    # eight CJK characters say more about the language than eight Latin letters
    result = score(english_only, "谢谢啦，太有用了！")
    assert result.details["judged"] is True
    assert result.score >= 0.5


def test_the_prior_decides_ambiguous_text():
    text = "When was Angela Merkel born?"
    no_prior = LanguageDetector(LanguageParams(supported_prior=0.5))
    assert score(no_prior, text).score > score(LanguageDetector(), text).score


def test_long_and_odd_texts_get_a_clean_result(english_only):
    assert score(english_only, "The parcel is late again. " * 40_000).score < 0.5
    assert 0.0 <= score(english_only, "\x00\x01\ufffd" * 1000).score <= 1.0


@pytest.mark.parametrize(
    ("supported", "message"),
    [(["english"], "not ISO 639"), (["xx"], "does not know"), ([], "at least 1")],
)
def test_bad_language_codes_are_rejected_by_name(supported, message):
    with pytest.raises(ValidationError, match=message):
        LanguageParams(supported=supported)


def test_registered_like_every_built_in():
    assert detectors.get("language") is LanguageDetector


POLICY = """
version: 1
features:
  shop:
    input:
      - detector: language
        params: {supported: [en]}
    actions:
      default: allow
      unsupported_language: block
    refusals:
      unsupported_language:
        message: I can only help in English for now.
        redirect: Our team answers other languages by email at help@example.com.
"""


def test_a_policy_can_refuse_other_languages_with_a_redirect():
    guard = Guard(parse_policy(POLICY))
    ctx = GuardContext(tier=TrustTier.AUTHENTICATED)
    try:
        blocked = guard.check_input([{"role": "user", "content": FOREIGN["de"]}], ctx)
        allowed = guard.check_input([{"role": "user", "content": ENGLISH[0]}], ctx)
    finally:
        guard.close()
    assert blocked.action is Action.BLOCK
    assert blocked.refusal is not None
    assert "English" in blocked.refusal.message
    assert "help@example.com" in (blocked.refusal.redirect or "")
    assert allowed.action is Action.ALLOW


def test_incoming_documents_are_checked_too():
    # the auto-reply feature's incoming message arrives as a document, not as a user turn
    from pathlib import Path

    from safeship.guard import Guard

    policy = Path(__file__).resolve().parents[3] / "examples" / "policies" / "auto_reply.yaml"
    g = Guard.from_file(policy)
    ctx = GuardContext(
        tier=TrustTier.AUTHENTICATED,
        documents=("Hola, ¿podemos mover la cena al viernes? Me surgió un compromiso el jueves.",),
    )
    try:
        decision = g.check_input([{"role": "user", "content": "Draft a short, kind reply."}], ctx)
    finally:
        g.close()
    assert "unsupported_language" in decision.categories
    # not asserted: the action. prompt_injection scores this very message 0.53 (its English
    # twin 0.02) and blocks it: the non-English weakness the language detector makes visible
