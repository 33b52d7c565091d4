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

from safeship.text.cleaning import is_invisible
from safeship.text.confusables import LATIN_LOOKALIKES, SCRIPT_LOOKALIKES
from safeship.text.marks import cap_marks


@lru_cache(maxsize=4096)
def _gone(char: str) -> bool:
    """Whether the views drop ``char``: a format character (ZWSP, soft hyphen) or a filler."""
    return unicodedata.category(char) == "Cf" or is_invisible(char)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character as the views read it: format characters and fillers vanish."""
    if _gone(char):
        return ""
    return unicodedata.normalize("NFKC", char)


def _past_gone(text: str, at: int) -> int:
    """The first index from ``at`` on whose character the views keep."""
    while at < len(text) and _gone(text[at]):
        at += 1
    return at


def _marked(text: str, at: int) -> bool:
    """Whether a combining mark stands at ``at``."""
    return at < len(text) and unicodedata.combining(text[at]) != 0


def _cluster_end(text: str, start: int) -> int:
    """Where the cluster starting at ``start`` ends.

    After its combining marks, and after any characters the views drop that a combining mark
    follows. Each character is looked at once per cluster, and :func:`folded` skips a run of
    dropped characters that no mark follows in one step, so the whole fold stays linear.
    """
    end = start + 1
    while end < len(text):
        run = _past_gone(text, end)
        if not _marked(text, run):
            break
        end = run + 1
    return end


def _gone_run_end(text: str, start: int) -> int:
    """The end of the run of dropped characters at ``start``; ``start`` if a mark follows it.

    A run that no combining mark follows vanishes as a whole.
    """
    run = _past_gone(text, start)
    return start if _marked(text, run) else run


def folded(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` folded cluster by cluster; for each folded character, its cluster's start and end.

    A cluster is a character with the combining marks after it, folded together, so text in
    decomposed form (``e`` + U+0301, as macOS writes it) reads as its composed form does. Format
    characters (soft hyphen, zero-width space) between a letter and its marks belong to the
    cluster and vanish from it, as the views drop them before composing: ``e`` + soft hyphen +
    U+0301 reads as ``é``.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < len(text):
        skipped = _gone_run_end(text, i)
        if skipped > i:
            i = skipped  # dropped characters with no mark after them fold to nothing
            continue
        end = _cluster_end(text, i)
        cluster = text[i:end]
        if cluster.isascii():
            piece = cluster
        elif end == i + 1:
            piece = _fold_char(cluster)
        else:
            kept = "".join(c for c in cluster if not _gone(c))
            # capped as the normaliser caps before NFKC: quadratic on a hostile run of marks
            # (80,000 alternating accents took 5.8 s here), and the views read it capped too
            piece = unicodedata.normalize("NFKC", cap_marks(kept))
        out.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([end] * len(piece))
        i = end
    return "".join(out), starts, ends


class Folding:
    """One text's folded reading, made only when a value is not found in the text as it is."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._fold: tuple[str, list[int], list[int]] | None = None

    @property
    def mapped(self) -> str:
        """The folded text (the text itself when it is ASCII: nothing folds)."""
        if self.text.isascii():
            return self.text
        if self._fold is None:
            self._fold = folded(self.text)
        return self._fold[0]

    def locate_all(self, value: str, confusables: bool = False) -> list[tuple[int, int]]:
        """Every span of the text that reads as ``value`` once folded, in order.

        ``confusables`` also folds look-alike letters (Cyrillic ``а`` for ``a``), character by
        character, as the normaliser's homoglyph step may have: a sentence an attacker wrote with
        homoglyphs is then found where it is, not only in the whole text. Off for private data,
        whose views do not fold homoglyphs.
        """
        if not value:
            return []
        mapped = self.mapped
        if confusables and not mapped.isascii():
            # both sides alike: a view keeps genuine Cyrillic or Greek as written
            mapped = mapped.translate(LATIN_LOOKALIKES).translate(SCRIPT_LOOKALIKES)
            value = value.translate(LATIN_LOOKALIKES).translate(SCRIPT_LOOKALIKES)
        spans = []
        at = mapped.find(value)
        while at >= 0:
            end = at + len(value)
            if self._fold is None:  # ASCII: the text is its own folding
                spans.append((at, end))
            else:
                spans.append((self._fold[1][at], self._fold[2][end - 1]))
            at = mapped.find(value, end)
        return spans
