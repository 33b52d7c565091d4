"""Fold away the marks an attacker stacks on letters, keeping a map back to the original text.

"sarin" struck through (U+0336 after each letter), with an acute accent (U+0301), followed by
a variation selector (U+FE0F), with tag characters inside it, or buried in Zalgo text reads as
"sarin" to a person and to a model, but not to a keyword pattern. The shared normaliser does
not help here: NFKC *composes* "a" + U+0301 into one letter and keeps variation selectors, and
its views carry no offsets. ``fold_marks`` instead decomposes each character (NFKD, so
precomposed letters and ligatures reduce too) and drops combining marks (categories Mn and Me,
which include the variation selectors U+FE00..FE0F and U+E0100..E01EF, and the few other
characters that Unicode reorders as marks: a nonzero combining class, or a decomposition made
only of marks) and tag characters (U+E0000..E007F). Each folded character remembers the
original character it came from, so a match on the folded text maps back to a span of the
original text that redaction can remove whole, marks included.

Marks are dropped *before* decomposing, not only after: CPython sorts a run of marks by
combining class with an insertion sort, so NFKD/NFKC of one letter followed by 200,000 marks of
alternating classes takes tens of seconds. Without marks in its input, NFKD only sorts the few
marks one character decomposes into. ``cap_marks`` gives the shared normaliser, which must keep
marks, the same bound by cutting every run of marks to ``MAX_MARKS``.

The fold erases meaning in scripts whose marks are letters (Devanagari vowel signs, the breve
of Cyrillic short i): callers must only match it against keywords in plain Latin letters
(``is_plain_latin``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain

_MARKS = frozenset({"Mn", "Me"})
_TAG_FIRST, _TAG_LAST = "\U000e0000", "\U000e007f"
_ASCII_TAGS = re.compile("[\U000e0020-\U000e007e]")
_UNTAG = {code: code - 0xE0000 for code in range(0xE0020, 0xE007F)}


def _char_class(codes: list[int]) -> str:
    ranges: list[list[int]] = []
    for c in codes:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


MAX_MARKS = 8
"""Marks kept after one base character by ``cap_marks``.

Real writing stays well under it: Vietnamese stacks 2 marks, Devanagari and Thai up to 3,
pointed and cantillated Hebrew up to 5. Zalgo text stacks tens or thousands.
"""


def _is_mark(ch: str) -> bool:
    """Whether Unicode treats ``ch`` as a mark: category Mn or Me, or a nonzero combining class.

    The combining class adds 25 spacing marks (Mc) such as U+1D165 that canonical ordering
    sorts like any other mark, and that an attacker could therefore use in the same way.
    """
    return unicodedata.category(ch) in _MARKS or unicodedata.combining(ch) != 0


def _fold(ch: str) -> str:
    if _TAG_FIRST <= ch <= _TAG_LAST or _is_mark(ch):
        return ""
    decomposed = unicodedata.normalize("NFKD", ch)
    if decomposed == ch:
        return ch
    return "".join(c for c in decomposed if not _is_mark(c))


@lru_cache(maxsize=1)
def _mark_classes() -> tuple[str, str]:
    """Character classes (regex syntax) of the BMP and the astral characters that fold to nothing.

    Built once, on the first non-ASCII text: marks only live in planes 0, 1 and 14, so about
    130,000 code points are looked at (~30 ms). Besides the marks themselves this takes in the
    two halfwidth katakana sound marks U+FF9E and U+FF9F, letters that decompose to a mark.
    """
    codes = [
        c
        for c in chain(range(0x300, 0x20000), range(0xE0100, 0xE01F0))
        if not (_TAG_FIRST <= chr(c) <= _TAG_LAST) and not _fold(chr(c))
    ]
    bmp = _char_class([c for c in codes if c <= 0xFFFF])
    astral = _char_class([c for c in codes if c > 0xFFFF])
    return bmp, astral


@lru_cache(maxsize=1)
def _droppable() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Runs of marks in the BMP, and of astral marks and tag characters.

    Two patterns because a character class that stays in the BMP compiles to a bitmap, one with
    astral characters to a slow range list.
    """
    bmp, astral = _mark_classes()
    return re.compile(f"[{bmp}]+"), re.compile(f"[{astral}{_TAG_FIRST}-{_TAG_LAST}]+")


@lru_cache(maxsize=2)
def _long_runs(astral: bool) -> re.Pattern[str]:
    """Runs of more than ``MAX_MARKS`` marks; with ``astral``, runs that mix in astral marks.

    The astral class sits behind a lookahead for any astral character, so ordinary BMP text
    pays for one bitmap test per character, not for a scan of the astral range list.
    """
    bmp, wide = _mark_classes()
    mark = f"(?:[{bmp}]|(?=[\U00010000-\U0010ffff])[{wide}])" if astral else f"[{bmp}]"
    return re.compile(f"{mark}{{{MAX_MARKS + 1},}}")


def cap_marks(text: str) -> str:
    """``text`` with each run of marks cut to its first ``MAX_MARKS``; the rest unchanged.

    Makes ``unicodedata.normalize`` linear on hostile text (see the module docstring) while
    real writing, which never stacks that many marks, comes back as it was.
    """
    if text.isascii():
        return text
    runs = _long_runs(max(text) > "\uffff")
    return runs.sub(lambda m: m.group()[:MAX_MARKS], text)


def _drop_marks(text: str) -> str:
    """``text`` in NFKD without marks and tag characters.

    Marks go before NFKD (which would sort them, in quadratic time) and after it (the marks
    that precomposed letters decompose into). Only marks have a nonzero combining class, so
    what is left is exactly the per-character ``fold_char`` of every character.
    """
    bmp, astral = _droppable()
    if not text:
        return text
    wide = max(text) > "\uffff"
    text = bmp.sub("", text)
    if wide:
        text = astral.sub("", text)
    text = bmp.sub("", unicodedata.normalize("NFKD", text))
    return astral.sub("", text) if text and max(text) > "\uffff" else text


@dataclass(frozen=True)
class Folded:
    """A folded copy of ``original`` that can map its positions back.

    The map is built only when a span is asked for, i.e. when a keyword matched: text that
    matches nothing pays for one NFKD pass and one regex substitution.
    """

    original: str
    text: str
    untag: bool = False

    @cached_property
    def _map(self) -> tuple[list[int], list[int]]:
        """Where each folded position starts and ends in ``original``.

        ``starts[i]`` is the original index folded position ``i`` came from; ``ends[i]`` the
        original index just past folded position ``i - 1`` and any dropped characters after it
        (a span ending there takes trailing marks along). Both have one more entry than ``text``.

        Built per character, which equals the whole-text fold: canonical reordering only
        moves characters with a nonzero combining class, and the fold drops all of them.
        """
        fold = _untag if self.untag else fold_char
        starts: list[int] = []
        ends: list[int] = [0]
        for i, ch in enumerate(self.original):
            piece = fold(ch)
            if not piece:
                ends[-1] = i + 1  # a dropped character extends the span of what precedes it
                continue
            starts.extend([i] * len(piece))
            ends.extend([i + 1] * len(piece))
        starts.append(len(self.original))
        return starts, ends

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``original`` that the folded span ``[start, end)`` came from."""
        starts, ends = self._map
        last = len(starts) - 1
        start, end = min(start, last), min(end, last)
        return starts[start], ends[end] if end > start else starts[start]


@lru_cache(maxsize=8192)
def fold_char(ch: str) -> str:
    """One character without its marks: NFKD, then marks and tag characters out."""
    return _fold(ch)


def _untag(ch: str) -> str:
    """A tag character as the ASCII it mirrors (U+E0061 -> "a"); anything else folded."""
    if _TAG_FIRST <= ch <= _TAG_LAST:
        code = ord(ch) - 0xE0000
        return chr(code) if 0x20 <= code < 0x7F else ""
    return fold_char(ch)


def fold_marks(text: str) -> tuple[Folded, ...]:
    """Fold ``text`` for mark-blind matching; empty when folding changes nothing.

    ASCII text (most traffic) returns at once. Tag characters are dropped, and when the text
    holds any that mirror ASCII a second fold reads them as that ASCII instead: ``s`` + U+E0061
    + ``rin`` shows as "srin" but a model can read it as "sarin", while tags scattered as noise
    inside a word only read right when dropped.
    """
    if text.isascii():
        return ()
    folded = _drop_marks(text)
    if folded == text:
        return ()
    folds = [Folded(text, folded)]
    if max(text) >= _TAG_FIRST and _ASCII_TAGS.search(text):
        untagged = _drop_marks(text.translate(_UNTAG))
        folds.append(Folded(text, untagged, untag=True))
    return tuple(folds)


def is_plain_latin(keyword: str) -> bool:
    """Whether ``keyword`` has no marks and its letters are all Latin: safe to match folded."""
    if any(fold_char(c) != c for c in keyword):
        return False
    return all(
        not c.isalpha() or c.isascii() or unicodedata.name(c, "").startswith("LATIN ")
        for c in keyword
    )
