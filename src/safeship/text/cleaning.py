"""Character-level clean-up: surrogates, control characters, invisible and bidi characters.

Invisible characters split a word into pieces no classifier recognises (``ig\u200bnore``) and
bidi overrides make text display differently from how it is stored. They go, with two
exceptions that benign text relies on: a zero-width (non-)joiner between two non-ASCII
characters stays (emoji ZWJ sequences, Persian and Indic orthography), and tab, newline and
carriage return stay.

Unicode tag characters (U+E0020..U+E007E) mirror ASCII invisibly, a known way to smuggle
instructions; their hidden ASCII is returned so the caller can scan it as a payload view. Tag
runs that follow the black flag (subdivision flags such as Scotland's) are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from safeship.text.confusables import LATIN_LOOKALIKES, SCRIPT_LOOKALIKES

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\U0001d173-\U0001d17a]"
)
_JOINERS = re.compile("[\u200c\u200d]")
_TAGS = re.compile("[\U000e0000-\U000e007f]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BLACK_FLAG = "\U0001f3f4"
_MIN_TAG_RUN = 4


@dataclass(frozen=True)
class Cleaned:
    """Text without invisible characters, what was removed, and any ASCII hidden in tags."""

    text: str
    transforms: tuple[str, ...]
    hidden: tuple[str, ...]


def _keeps_joiner(text: str, at: int) -> bool:
    if at == 0 or at + 1 >= len(text):
        return False
    before, after = text[at - 1], text[at + 1]
    for ch in (before, after):
        code = ord(ch)
        if ch.isascii() or code in SCRIPT_LOOKALIKES or code in LATIN_LOOKALIKES:
            return False
    return True


def _drop_joiners(text: str) -> str:
    return _JOINERS.sub(lambda m: m.group(0) if _keeps_joiner(text, m.start()) else "", text)


def _strip_tags(text: str, hidden: list[str]) -> str:
    def repl(match: re.Match[str]) -> str:
        run = match.group(0)
        if match.start() > 0 and text[match.start() - 1] == _BLACK_FLAG:
            return run
        decoded = "".join(chr(ord(c) - 0xE0000) for c in run if 0x20 <= ord(c) - 0xE0000 < 0x7F)
        if len(decoded) >= _MIN_TAG_RUN:
            hidden.append(decoded)
        return ""

    return _TAGS.sub(repl, text)


def is_invisible(char: str) -> bool:
    """Whether :func:`clean` removes ``char`` wherever it stands (fillers, CGJ, bidi marks...).

    ``safeship.text.locate`` reads text the way the views do, so it drops these too.
    """
    return _INVISIBLE.match(char) is not None


def strip_surrogates(text: str) -> str:
    """Remove lone surrogates, which cannot be encoded and break later steps."""
    if text.isascii():
        return text
    return _SURROGATE.sub("", text)


def clean(text: str) -> Cleaned:
    """Remove control, invisible and bidi characters; extract ASCII hidden in tag characters.

    Args:
        text: NFKC-normalised text without surrogates.

    Returns:
        The cleaned text, the names of the steps that changed it, and hidden tag payloads.
    """
    transforms: list[str] = []
    hidden: list[str] = []
    out = text if text.isprintable() else _CONTROL.sub("", text)
    if len(out) != len(text):
        transforms.append("control")
    if out.isascii():
        return Cleaned(out, tuple(transforms), ())
    before = out
    out = _INVISIBLE.sub("", out)
    if "\u200c" in out or "\u200d" in out:
        out = _drop_joiners(out)
    if out != before:
        transforms.append("zero_width")
    if out and "\U000e0000" <= max(out) and _TAGS.search(out):
        stripped = _strip_tags(out, hidden)
        if stripped != out:
            transforms.append("tag_chars")
            out = stripped
    return Cleaned(out, tuple(transforms), tuple(hidden))
