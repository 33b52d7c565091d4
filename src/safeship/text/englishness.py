"""How much a word looks like English, by its letter trigrams.

Decoders guess. Leetspeak ``1`` may be ``i`` or ``l`` and a dense token (``f347ur35``) decodes to
a word the small lexicon does not hold; a rot13 sentence of rare words (``Zl tenqhny
zvtengvbaf``) has no lexicon word to vote for it. Both need a cheap judge of "is this English"
that goes beyond the lexicon: :func:`letter_score`, the mean log-probability of a word's letter
trigrams under a model counted from the lexicon's word forms (with word boundaries and add-k
smoothing). English words score about -1 to -4.5, letter soup mostly lower, and the score ranks
``implement`` above ``impiement``.

The model is counted on first use (tens of milliseconds), not at import, so that importing the
normaliser stays cheap; :func:`prepare` counts it ahead of the first request.
"""

from __future__ import annotations

import functools
import math
from collections import Counter

from safeship.text.lexicon import COMMON_FORMS

_K = 0.1  # add-k smoothing
_ALPHABET = 27  # letters plus the boundary mark


@functools.cache
def _trigram_model() -> tuple[dict[str, float], dict[str, float]]:
    """Log-probabilities of seen trigrams and the fallback per two-letter context."""
    # one string of padded words: the trigrams that span two words ("e$^", "$^^") are never
    # asked for, so counting them too is harmless and keeps the loop in C
    text = "".join(sorted(f"^^{word}$" for word in COMMON_FORMS))
    tri = Counter(map("".join, zip(text, text[1:], text[2:], strict=False)))
    ctx: Counter[str] = Counter()
    for t, n in tri.items():
        ctx[t[:2]] += n
    logp = {t: math.log((n + _K) / (ctx[t[:2]] + _K * _ALPHABET)) for t, n in tri.items()}
    unseen = {c: math.log(_K / (n + _K * _ALPHABET)) for c, n in ctx.items()}
    return logp, unseen


_UNSEEN_CONTEXT = math.log(1 / _ALPHABET) - 3.0


def letter_score(word: str) -> float:
    """Mean log-probability per letter of ``word`` (letters only, any case) under the model."""
    logp, unseen = _trigram_model()
    padded = f"^^{word.lower()}$"
    total = 0.0
    for i in range(len(padded) - 2):
        t = padded[i : i + 3]
        total += logp.get(t, unseen.get(t[:2], _UNSEEN_CONTEXT))
    return total / max(1, len(padded) - 2)


def prepare() -> None:
    """Count the trigram model now, so that no request pays for it (detectors call it in setup)."""
    _trigram_model()
