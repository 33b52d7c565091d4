"""Find where in the original text a value seen in a normalised view sits.

Why: the PII and secrets detectors scan normalised views too (NFKC, zero-width and format
characters removed), and a value found only there had no span on the original text, so a
policy that redacts it had to block the whole text instead (an e-mail written with a ligature,
fullwidth digits, a phone number split by no-break spaces, a soft hyphen inside an address).
Mapping each original character through the same per-character folding keeps the offsets, so
such a value gets a span on the original text and is cut out like any other.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character as the views read it: format characters (ZWSP, soft hyphen) vanish."""
    if unicodedata.category(char) == "Cf":
        return ""
    return unicodedata.normalize("NFKC", char)


def folded(text: str) -> tuple[str, list[int]]:
    """``text`` folded character by character, and for each folded character its origin."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        piece = char if char.isascii() else _fold_char(char)
        out.append(piece)
        origin.extend([i] * len(piece))
    return "".join(out), origin


class Folding:
    """One text's folded reading, made only when a value is not found in the text as it is."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._fold: tuple[str, list[int]] | None = None

    @property
    def mapped(self) -> str:
        """The folded text (the text itself when it is ASCII: nothing folds)."""
        if self.text.isascii():
            return self.text
        if self._fold is None:
            self._fold = folded(self.text)
        return self._fold[0]

    def locate_all(self, value: str) -> list[tuple[int, int]]:
        """Every span of the text that reads as ``value`` once folded, in order."""
        if not value:
            return []
        if self.text.isascii():
            mapped, origin = self.text, None
        else:
            mapped = self.mapped
            assert self._fold is not None
            origin = self._fold[1]
        spans = []
        at = mapped.find(value)
        while at >= 0:
            end = at + len(value)
            spans.append((at, end) if origin is None else (origin[at], origin[end - 1] + 1))
            at = mapped.find(value, end)
        return spans
