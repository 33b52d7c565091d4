"""Structured refusals: say why, briefly, and point somewhere genuinely useful.

A refusal that only says "no" turns a user away; one that redirects keeps them. The built-in
templates below are the defaults; a policy overrides any of them per category or detector.
"""

from __future__ import annotations

from safeship.history import same_text
from safeship.policy.schema import FeaturePolicy, RefusalTemplate
from safeship.types import Refusal, Stage

_DEFAULTS: dict[str, RefusalTemplate] = {
    "self_harm": RefusalTemplate(
        message=(
            "I'm really sorry you're going through this. I can't help with anything that could "
            "hurt you, but you don't have to face it alone."
        ),
        redirect=(
            "If you are in danger now, call your local emergency number. In the US you can "
            "call or text 988 (Suicide & Crisis Lifeline); in the UK and Ireland call "
            "Samaritans on 116 123; elsewhere, findahelpline.com lists free, confidential lines."
        ),
    ),
    "indiscriminate_weapons": RefusalTemplate(
        message="I can't help with making or using weapons that can cause mass harm.",
        redirect=(
            "I'm happy to talk about the history, policy and arms-control side of this topic, or "
            "about safety and emergency preparedness."
        ),
    ),
    "violent_crimes": RefusalTemplate(
        message="I can't help with hurting people.",
        redirect=(
            "If someone is in danger, contact local emergency services. I can help with conflict "
            "de-escalation, personal safety, or understanding the law."
        ),
    ),
    "child_exploitation": RefusalTemplate(
        message="I can't help with this.",
        redirect="To report child sexual abuse material, contact NCMEC (CyberTipline) or the IWF.",
    ),
    "prompt_injection": RefusalTemplate(
        message=(
            "This request looks like an attempt to override my instructions, so I won't act on it."
        ),
        redirect="Ask your question directly and I'll do my best to help within my guidelines.",
    ),
    "toxicity": RefusalTemplate(
        message="I can't continue with messages that insult or threaten people.",
        redirect="I'm glad to keep helping if we keep the conversation respectful.",
    ),
    "detector_error": RefusalTemplate(
        message="I can't process this request right now because a safety check is unavailable.",
        redirect="Please try again in a moment.",
    ),
    "canary": RefusalTemplate(
        message="I can't share that: it would reveal confidential configuration.",
        redirect="Ask about what I can do for you instead.",
    ),
    "default": RefusalTemplate(
        message="I can't help with that request.",
        redirect="I'm happy to help with something related that doesn't risk harm.",
    ),
}


def refusal_for(feature: FeaturePolicy, category: str, source: str, stage: Stage) -> Refusal:
    """The most specific template for a block: policy first, then built-in defaults."""
    detector = source.removeprefix("rule:")
    template = None
    for key in (category, detector, "default"):
        template = feature.refusals.get(key) or (None if key == "default" else _DEFAULTS.get(key))
        if template is not None:
            break
    if template is None:
        template = _DEFAULTS["default"]
    return Refusal(
        category=category,
        reason_code=f"{stage.value}.{category}",
        message=template.message,
        redirect=template.redirect,
    )


GENERIC_REFUSAL = "I can't help with that request."  # what a block without a template says


def refusal_messages(feature: FeaturePolicy) -> frozenset[str]:
    """Every refusal text a block of ``feature`` can show, whitespace-normalised.

    A template's message alone and with its redirect (as the gateway writes it: message, blank
    line, redirect), for the policy's templates, the built-ins and the generic fallback. The
    guard compares a conversation's assistant turns with these to tell a user turn it refused
    from one the model answered (see ``safeship.history``).
    """
    templates = [*feature.refusals.values(), *_DEFAULTS.values()]
    texts = {GENERIC_REFUSAL}
    for t in templates:
        texts |= {t.message, shown(t.message, t.redirect)}
    return frozenset(same_text(t) for t in texts if t.strip())


def shown(message: str, redirect: str | None) -> str:
    """A refusal as the user reads it: the message and, if any, where to go instead.

    The gateway writes refusals this way, and the guard recognises them in a conversation's
    history by this same text, so both go through here.
    """
    return f"{message}\n\n{redirect}" if redirect else message
