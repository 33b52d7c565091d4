"""Text preparation shared by every detector: normalisation and de-obfuscation."""

from safeship.text.normalise import NormalisedText, normalise

__all__ = ["NormalisedText", "normalise"]
