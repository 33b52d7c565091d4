"""Our categories -> OpenAI's moderation categories, in one table.

``/v1/moderations`` answers in OpenAI's shape, so every result carries all thirteen of OpenAI's
category keys. Our detectors and policy rules name their own categories (toxicity heads, the
MLCommons hazard ids of ``safeship.detectors.hazards``); this table says which OpenAI keys each
one stands for, and is the only place that knows. Why each mapping:

* ``toxicity`` (the score with no sub-category), ``insult``, ``harassment`` and
  ``sexual_harassment`` -> ``harassment``: OpenAI's harassment is abusive language towards any
  target; sexual harassment is not content "meant to arouse", so it does not set ``sexual``.
* ``threat`` -> ``harassment``, ``harassment/threatening`` and ``violence``: a threat is
  harassment that includes violence or serious harm, which is OpenAI's definition of the
  sub-category; the violence it names is also ``violence``.
* ``violence`` (toxicity) -> ``violence``. Nothing we have tells graphic detail apart, so
  ``violence/graphic`` is never set.
* ``hate`` (toxicity or hazard) -> ``hate``. Whether hate also threatens is not something one
  flag tells us (a detector flags its top category only), so ``hate/threatening`` is never set.
* ``violent_crimes`` -> ``illicit``, ``illicit/violent`` and ``violence``: planning wrongdoing
  that includes violence is OpenAI's ``illicit/violent``, a subset of ``illicit``.
* ``indiscriminate_weapons`` -> ``illicit`` and ``illicit/violent``: OpenAI puts procuring any
  weapon under ``illicit/violent``; mass-casualty weapons certainly qualify.
* ``non_violent_crimes``, ``code_abuse`` and ``intellectual_property`` -> ``illicit``: advice
  on committing fraud, theft, intrusion, malware or piracy is OpenAI's "how to shoplift" case.
* ``sex_crimes`` -> ``illicit``, ``illicit/violent`` and ``sexual``: sexual assault and
  trafficking are violent wrongdoing with sexual content.
* ``child_exploitation`` -> ``sexual`` and ``sexual/minors``: the sub-category of ``sexual``.
* ``sexual_content`` -> ``sexual``.
* ``self_harm`` -> ``self-harm`` only. Our detectors do not tell intent from a request for
  instructions, so ``self-harm/intent`` and ``self-harm/instructions`` are never set rather
  than guessed.

A sub-category always sets its parent as well, as OpenAI's own answers do. Categories with no
OpenAI counterpart (``prompt_injection``, ``pii``, ``secrets``, ``profanity``, ``privacy``,
``specialized_advice``, ``elections``, the unspecified ``harmful_request``, ``detector_error``,
a deny rule's own category) map to nothing: their decisions still set ``flagged``, and the
``safeship`` extension of the result names them.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from safeship.types import DetectorResult, DetectorStatus

OPENAI_CATEGORIES: tuple[str, ...] = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
"""Every category key OpenAI's moderation results carry (the official client requires all)."""

_ILLICIT_VIOLENT = ("illicit", "illicit/violent")

TO_OPENAI: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        # toxicity heads
        "toxicity": ("harassment",),
        "insult": ("harassment",),
        "harassment": ("harassment",),
        "sexual_harassment": ("harassment",),
        "threat": ("harassment", "harassment/threatening", "violence"),
        "violence": ("violence",),
        "hate": ("hate",),
        # hazard ids (harmful_request, harmful_response, deny rules that use them)
        "violent_crimes": (*_ILLICIT_VIOLENT, "violence"),
        "indiscriminate_weapons": _ILLICIT_VIOLENT,
        "non_violent_crimes": ("illicit",),
        "code_abuse": ("illicit",),
        "intellectual_property": ("illicit",),
        "sex_crimes": (*_ILLICIT_VIOLENT, "sexual"),
        "child_exploitation": ("sexual", "sexual/minors"),
        "sexual_content": ("sexual",),
        "self_harm": ("self-harm",),
    }
)
"""Our category -> the OpenAI categories it stands for (see the module docstring for why)."""


def openai_flags(ours: Iterable[str]) -> dict[str, bool]:
    """All OpenAI categories, true for those that any of ``ours`` maps to."""
    hit = {theirs for category in ours for theirs in TO_OPENAI.get(category, ())}
    return {key: key in hit for key in OPENAI_CATEGORIES}


def openai_scores(results: Iterable[DetectorResult]) -> dict[str, float]:
    """All OpenAI categories, each the max score of the detector categories mapped to it.

    A detector's ``categories`` holds its per-category scores; one that reports none stands
    for its top ``category`` at its overall score. Errored or timed-out detectors scored
    nothing, so they add nothing here (the result's extension lists them instead).
    """
    scores = dict.fromkeys(OPENAI_CATEGORIES, 0.0)
    for result in results:
        if result.status is not DetectorStatus.OK:
            continue
        per_category = result.categories or {result.category: result.score}
        for category, score in per_category.items():
            for theirs in TO_OPENAI.get(category, ()):
                scores[theirs] = max(scores[theirs], score)
    return scores
