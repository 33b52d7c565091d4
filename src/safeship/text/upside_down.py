"""Upside-down text: letters replaced by rotated look-alikes and written in reverse order.

``FLIP`` maps a character to the one that looks like it rotated by 180 degrees; the obfuscation
transform applies it and reverses the string, the decoder does the same again. A run is only
flipped back when it holds at least three characters that exist *only* in upside-down writing
(``ɐ ǝ ɹ ʇ ...``), so ordinary text with a stray IPA symbol is left alone.
"""

from __future__ import annotations

import re
import unicodedata

_LOWER = "aɐ bq cɔ dp eǝ fɟ gƃ hɥ iᴉ jɾ kʞ ll mɯ nu oo pd qb rɹ ss tʇ un vʌ wʍ xx yʎ zz"
_UPPER = "A∀ Bꓭ CƆ Dᗡ EƎ FℲ G⅁ HH II Jᒋ Kꓘ L˥ MW NN OO PԀ QΌ Rᴚ SS T⊥ U∩ VΛ WM XX Y⅄ ZZ"
_OTHER = "0 0 1 Ɩ 2 ᄅ 3 Ɛ 4 ㄣ 5 ϛ 6 9 7 ㄥ 8 8 9 6 . . , ' ' , ? ¿ ! ¡ ( ) ) ( [ ] ] ["


def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for pair in (_LOWER + " " + _UPPER).split():
        table[pair[0]] = pair[1]
    other = _OTHER.split(" ")
    for i in range(0, len(other) - 1, 2):
        table[other[i]] = other[i + 1]
    return table


FLIP: dict[str, str] = _table()
"""Plain character -> its rotated look-alike (used by the obfuscation transform)."""


def _unflip_table() -> dict[str, str]:
    back: dict[str, str] = {}
    for plain, rotated in FLIP.items():
        # The decoder sees NFKC-normalised text, so key on the folded form of each glyph.
        folded = unicodedata.normalize("NFKC", rotated)
        if len(folded) == 1 and folded not in back:
            back[folded] = plain
        back.setdefault(rotated, plain)
    for ascii_char in "bdnpquil":  # ASCII letters that are themselves rotations of another
        back[ascii_char] = {"b": "q", "d": "p", "n": "u", "p": "d", "q": "b", "u": "n"}.get(
            ascii_char, ascii_char
        )
    return back


UNFLIP: dict[str, str] = _unflip_table()
_REAL_LETTERS = frozenset("ΛΌᄅᒋ")  # also everyday Greek, Korean or historic letters
_ONLY_ROTATED = frozenset(
    c
    for c in UNFLIP
    if not c.isascii() and unicodedata.category(c).startswith("L") and c not in _REAL_LETTERS
)
_RUN = re.compile(
    "[" + re.escape("".join(sorted(set(UNFLIP) - {" "}))) + r"A-Za-z0-9.,'!?()\[\]_\-]+"
    r"(?:\s+[" + re.escape("".join(sorted(set(UNFLIP) - {" "}))) + r"A-Za-z0-9.,'!?()\[\]_\-]+)*"
)
_WORDS = re.compile(r"\S+")
_ROTATED = re.compile("[" + re.escape("".join(sorted(_ONLY_ROTATED))) + "]")
_MIN_ROTATED = 3


def _trimmed(run: re.Match[str]) -> tuple[int, int] | None:
    """The span of words holding rotated-only characters, or None.

    The span is widened over neighbouring words made only of characters that have a rotated
    counterpart in plain ASCII (``oS``, ``pu``), which would otherwise be cut off.
    """
    words = list(_WORDS.finditer(run.group(0)))
    marked = [i for i, w in enumerate(words) if _ROTATED.search(w.group(0))]
    if not marked:
        return None
    rotated = sum(len(_ROTATED.findall(words[i].group(0))) for i in marked)
    if rotated < _MIN_ROTATED:
        return None
    first, last = marked[0], marked[-1]
    while first > 0 and _flippable(words[first - 1].group(0)):
        first -= 1
    while last + 1 < len(words) and _flippable(words[last + 1].group(0)):
        last += 1
    return run.start() + words[first].start(), run.start() + words[last].end()


def _flippable(word: str) -> bool:
    return all(c in UNFLIP or not c.isalnum() for c in word)


def find_upside_down(text: str) -> list[tuple[int, int, str]]:
    """Spans written upside down, as ``(start, end, flipped_back)``."""
    if text.isascii():
        return []
    if len(_ROTATED.findall(text, 0, 4096)) < _MIN_ROTATED:
        return []
    found = []
    for match in _RUN.finditer(text):
        span = _trimmed(match)
        if span is None:
            continue
        start, end = span
        flipped = "".join(UNFLIP.get(c, c) for c in reversed(text[start:end]))
        found.append((start, end, flipped))
    return found
