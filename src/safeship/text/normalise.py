"""Normalise a text once, before any detector sees it.

Attackers hide instructions with spacing, homoglyphs, zero-width characters, leetspeak and
encodings. ``normalise`` undoes these and returns every *view* worth scanning: the normalised
text plus any decoded payloads. Detectors score each view and keep the maximum.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class NormalisedText:
    """The original text, its canonical form, and the extra views a detector should scan."""

    original: str
    normalised: str
    views: tuple[str, ...]
    transforms: tuple[str, ...] = ()


def normalise(text: str) -> NormalisedText:
    """Canonicalise ``text`` (placeholder: NFKC only, replaced by the full normaliser)."""
    canonical = unicodedata.normalize("NFKC", text)
    return NormalisedText(original=text, normalised=canonical, views=(canonical,))
