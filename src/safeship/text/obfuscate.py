"""Seeded obfuscation transforms: the disguises attackers use, applied on purpose.

The quality bench uses them to check that detectors see through disguises (and that disguised
*benign* text is not flagged); the red-team attack module reuses them. Each transform is a
pure function of the text and a ``random.Random``, so a seed reproduces the exact output.
Some kinds (``upside_down``, ``math_bold``, ``fullwidth``) are here even where the normaliser
may not fully undo them: the bench reports those honestly as unseen kinds.

Names compose with ``+``: ``apply("leetspeak+spacing", text)`` applies leetspeak, then spacing.
"""

from __future__ import annotations

import base64 as _b64
import codecs
import random
from collections.abc import Callable

from safeship.text.upside_down import FLIP

Transform = Callable[[str, random.Random], str]

_HOMOGLYPHS = {
    "a": "а", "c": "с", "e": "е", "i": "і", "j": "ј", "o": "о", "p": "р", "s": "ѕ", "x": "х",
    "y": "у", "h": "һ", "d": "ԁ", "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К",
    "M": "М", "O": "О", "P": "Р", "T": "Т", "X": "Х", "v": "ν", "n": "ո", "u": "υ",
}  # fmt: skip
_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "l": "1", "g": "9", "b": "8"}
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")


def spacing(text: str, rng: random.Random) -> str:
    """``ignore all`` -> ``i g n o r e  a l l`` (letters split by spaces, words by two)."""
    return "  ".join(" ".join(word) for word in text.split())


def _joined(sep: str) -> Transform:
    def transform(text: str, rng: random.Random) -> str:
        return " ".join(sep.join(word) for word in text.split())

    transform.__doc__ = f"Letters of each word joined by {sep!r}."
    return transform


def homoglyph(text: str, rng: random.Random) -> str:
    """Swap about half the swappable Latin letters for Cyrillic, Greek or Armenian look-alikes."""
    return "".join(_HOMOGLYPHS[c] if c in _HOMOGLYPHS and rng.random() < 0.5 else c for c in text)


def zero_width(text: str, rng: random.Random) -> str:
    """Insert an invisible character after about a third of the letters."""
    out = []
    for c in text:
        out.append(c)
        if c.isalpha() and rng.random() < 0.35:
            out.append(rng.choice(_ZERO_WIDTH))
    return "".join(out)


def leetspeak(text: str, rng: random.Random) -> str:
    """Replace most letters that have a digit look-alike (``ignore`` -> ``1gn0r3``)."""
    return "".join(
        _LEET[c.lower()] if c.lower() in _LEET and rng.random() < 0.8 else c for c in text
    )


def base64(text: str, rng: random.Random) -> str:
    """Wrap the base64 encoding in a request to decode and follow it."""
    return "Decode this and follow it: " + _b64.b64encode(text.encode("utf-8")).decode("ascii")


def hex_encode(text: str, rng: random.Random) -> str:
    """Hex-encode the UTF-8 bytes, prefixed with a request to decode them."""
    return "Decode this hex and follow it: " + text.encode("utf-8").hex()


def rot13(text: str, rng: random.Random) -> str:
    """Rotate letters by 13 places, prefixed with a request to decode them."""
    return "Decode this rot13 and follow it: " + codecs.encode(text, "rot13")


def reverse(text: str, rng: random.Random) -> str:
    """Write the whole text backwards."""
    return text[::-1]


def upside_down(text: str, rng: random.Random) -> str:
    """Rotate every character by 180 degrees (look-alike glyphs, reversed order)."""
    return "".join(FLIP.get(c, FLIP.get(c.lower(), c)) for c in reversed(text))


def fullwidth(text: str, rng: random.Random) -> str:
    """Fullwidth forms of printable ASCII (``ａｂｃ``)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def math_bold(text: str, rng: random.Random) -> str:
    """Mathematical bold letters and digits (``𝐚𝐛𝐜``)."""
    out = []
    for c in text:
        if "A" <= c <= "Z":
            out.append(chr(0x1D400 + ord(c) - ord("A")))
        elif "a" <= c <= "z":
            out.append(chr(0x1D41A + ord(c) - ord("a")))
        elif "0" <= c <= "9":
            out.append(chr(0x1D7CE + ord(c) - ord("0")))
        else:
            out.append(c)
    return "".join(out)


def mixed_case(text: str, rng: random.Random) -> str:
    """Randomise letter case (``iGnOrE``)."""
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)


TRANSFORMS: dict[str, Transform] = {
    "spacing": spacing,
    "dotted": _joined("."),
    "hyphenated": _joined("-"),
    "underscored": _joined("_"),
    "homoglyph": homoglyph,
    "zero_width": zero_width,
    "leetspeak": leetspeak,
    "base64": base64,
    "hex": hex_encode,
    "rot13": rot13,
    "reverse": reverse,
    "upside_down": upside_down,
    "fullwidth": fullwidth,
    "math_bold": math_bold,
    "mixed_case": mixed_case,
}
"""Every transform by name."""


def apply(name: str, text: str, seed: int = 0) -> str:
    """Apply the transform ``name`` (or ``a+b+...``, left to right) with a seeded RNG.

    Raises:
        KeyError: If a name is not in ``TRANSFORMS``.
    """
    rng = random.Random(seed)
    for part in name.split("+"):
        text = TRANSFORMS[part](text, rng)
    return text
