"""Normalise a text once, before any detector sees it.

Attackers hide instructions with spacing, homoglyphs, zero-width characters, leetspeak and
encodings. ``normalise`` undoes these and returns every *view* worth scanning: the normalised
text plus any decoded payloads. Detectors score each view and keep the maximum.

The pipeline, in order::

    lone surrogates out -> runs of marks cut to MAX_MARKS -> NFKC
    -> control / invisible / bidi characters out -> homoglyphs folded = the base text
    base -> spaced-out letters joined -> leetspeak undone   = views[0]
    base -> payloads found (base64, hex, URL escapes, rot13, reversed, upside-down,
            tag characters) -> payload replaced by its decoding, canonicalised, and
            searched once more for a nested payload          = views[1:]

Benign text must come out unchanged (up to NFKC) and with no extra view: every step is gated
so that it only fires on text that is clearly disguised. Work is bounded for huge inputs:
letter-level steps and payload search read a text of up to ``2 * WINDOW`` characters (1 MiB)
whole and only the first and last ``WINDOW`` of a longer one; every payload found is decoded,
all of them in one view that replaces them at once and the first ``MAX_PAYLOADS`` in a view each,
which keeps ``CONTEXT`` characters of text on either side so it stays within what a classifier
reads. (Finding payloads decodes them all anyway; a cap on the ones read let harmless decoys,
eight and then 256 of them, hide the next one.)

The whole text, not a head and a tail: a pasted document or a retrieved page hides its
instruction in the middle as easily as at the start, and the detectors read every window of a
long text. That costs tens of milliseconds a megabyte of prose and up to about two seconds a
megabyte of hostile text, so the guard normalises long texts off the event loop
(:meth:`safeship.long_text.LongTextLane.normalise`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from safeship.text.cleaning import clean, strip_surrogates
from safeship.text.confusables import fold_confusables
from safeship.text.decoders import Payload, find_payloads
from safeship.text.marks import cap_marks
from safeship.text.spelling import collapse_spacing, decode_leet

WINDOW = 512 * 1024
_PADDING = re.compile(r"(\S{1,4}?)\1{7,}")
"""A unit of one to four characters repeated eight times or more ("xxxxxxxx", "xyzxyz..."): in a
short text it swamps a classifier's n-grams (found by review: twenty x's on a line before a
harmful request let most through the default guard), so such a text also gets a view without it.
Without a look-ahead for digits (checked on a match instead): it runs on every short text, and
that costs a third less."""
MAX_PAYLOADS = 8
"""Payloads that get a view of their own (each view costs every detector a scan)."""
CONTEXT = 2000


@dataclass(frozen=True)
class NormalisedText:
    """The original text, its canonical form, and the extra views a detector should scan."""

    original: str
    normalised: str
    views: tuple[str, ...]
    transforms: tuple[str, ...] = ()
    payloads: tuple[Payload, ...] | None = None
    """Encoded payloads of ``original`` (offsets into it) that the views decode; None: not
    known (a hand-built instance), so a reader finds them itself (``payloads_of``)."""


def _base(text: str, transforms: list[str], hidden: list[str]) -> str:
    """Character-level canonical form: no surrogates, NFKC, no invisibles, no homoglyphs.

    Runs of marks are cut before NFKC, which takes quadratic time on a long run (Zalgo text,
    or a denial of service); real writing never has runs that long and is left as it was.
    """
    text = strip_surrogates(text)
    if not text.isascii():
        capped = cap_marks(text)
        if capped != text:
            transforms.append("marks")
        text = capped
        folded = unicodedata.normalize("NFKC", text)
        if folded != text:
            transforms.append("nfkc")
        text = folded
    cleaned = clean(text)
    transforms.extend(cleaned.transforms)
    hidden.extend(cleaned.hidden)
    composed = cleaned.text
    if cleaned.transforms and not unicodedata.is_normalized("NFKC", composed):
        # a removed soft hyphen or zero-width space stood between a letter and its accent
        # (e + U+00AD + U+0301): compose them now, or the view keeps a bare combining mark
        # that breaks words and addresses ("jose\u0301@example.com" is no e-mail address)
        composed = unicodedata.normalize("NFKC", cap_marks(composed))
    folded = fold_confusables(composed)
    if folded != composed:
        transforms.append("homoglyph")
    return folded


def _respell(text: str, transforms: list[str]) -> str:
    """Word-level canonical form: spaced-out letters joined, leetspeak undone."""
    joined = collapse_spacing(text)
    if joined != text:
        transforms.append("spacing")
    plain = decode_leet(joined)
    if plain != joined:
        transforms.append("leet")
    return plain


def _windowed(text: str, transforms: list[str]) -> str:
    if len(text) <= 2 * WINDOW:
        return _respell(text, transforms)
    head = _respell(text[:WINDOW], transforms)
    tail = _respell(text[-WINDOW:], transforms)
    return head + text[WINDOW:-WINDOW] + tail


def payloads_of(norm: NormalisedText) -> tuple[Payload, ...]:
    """The encoded payloads of ``norm.original`` the views decode (first and last ``WINDOW``).

    Found once by the normaliser and shared by every detector that needs spans for them
    (``pii`` and ``secrets`` both do, on every check).
    """
    if norm.payloads is not None:
        return norm.payloads
    return tuple(_find_payloads(norm.original))


def _find_payloads(text: str) -> list[Payload]:
    if len(text) <= 2 * WINDOW:
        spans = [(0, text)]
    else:
        spans = [(0, text[:WINDOW]), (len(text) - WINDOW, text[-WINDOW:])]
    found: list[Payload] = []
    for offset, window in spans:
        for p in find_payloads(window):
            found.append(Payload(p.kind, p.start + offset, p.end + offset, p.decoded))
    return found  # every one: a cap, by count or kind, would let harmless decoys hide the next


def _decoded_views(
    base: str, transforms: list[str], depth: int, found: list[Payload] | None = None
) -> list[str]:
    """Views of ``base`` with its payloads decoded.

    One view per payload, one with all payloads decoded at once (when a text holds several,
    e.g. a rot13 message cut by punctuation), and one per payload nested in a decoding.
    """
    views: list[str] = []
    payloads = _find_payloads(base) if found is None else found
    transforms.extend(payload.kind for payload in payloads)
    for payload in payloads[:MAX_PAYLOADS]:
        before = base[max(0, payload.start - CONTEXT) : payload.start]
        after = base[payload.end : payload.end + CONTEXT]
        inner = _base(payload.decoded, transforms, [])
        views.append(_respell(before + inner + after, transforms))
        if depth > 0:
            for nested in _decoded_views(inner, transforms, depth - 1):
                views.append(_respell(before + nested + after, transforms))
    if len(payloads) > 1:
        views.insert(0, _respell(_replace_all(base, payloads), transforms))
    return views


def _replace_all(base: str, payloads: list[Payload]) -> str:
    """``base`` with every non-overlapping payload replaced by its decoding."""
    pieces, last = [], 0
    for payload in sorted(payloads, key=lambda p: p.start):
        if payload.start >= last:
            pieces += [base[last : payload.start], payload.decoded]
            last = payload.end
    return "".join(pieces) + base[last:]


def _without_padding(text: str) -> str | None:
    """``text`` with its padding runs cut, or ``None`` if it has none.

    A run of digits is left alone: 1000000000 is a number, not padding.
    """
    cut = False

    def blank(m: re.Match[str]) -> str:
        nonlocal cut
        if m.group(1).isdigit():
            return m.group(0)
        cut = True
        return " "

    out = _PADDING.sub(blank, text)
    return out if cut else None


def _normalise(text: str) -> NormalisedText:
    transforms: list[str] = []
    hidden: list[str] = []
    base = _base(text, transforms, hidden)
    canonical = _windowed(base, transforms)
    views = [canonical]
    payloads = _find_payloads(base)
    views.extend(_decoded_views(base, transforms, depth=1, found=payloads))
    for payload in hidden:
        views.append(_respell(canonical[:CONTEXT] + "\n" + _base(payload, transforms, []), []))
    # short texts only: they are scored whole, while a longer one is also read line by line
    unpadded = _without_padding(canonical) if len(canonical) <= CONTEXT else None
    if unpadded is not None:
        views.append(unpadded)
        transforms.append("padding")
    unique = tuple(dict.fromkeys(v for v in views if v.strip() or v is canonical))
    return NormalisedText(
        original=text,
        normalised=canonical,
        views=unique[: MAX_PAYLOADS * 2 + 1],
        transforms=tuple(dict.fromkeys(transforms)),
        # offsets into the original: the ones found on ``base`` serve when nothing changed it
        payloads=tuple(payloads) if base == text else tuple(_find_payloads(text)),
    )


def normalise(text: str) -> NormalisedText:
    """Canonicalise ``text`` and decode hidden payloads into extra views.

    Never raises: this runs before every detector, and a crash here would take the whole check
    down, so any unexpected error falls back to the NFKC text as the only view.

    Args:
        text: Any string, including lone surrogates, control characters or megabytes of junk.

    Returns:
        ``views[0]`` is the normalised text (also ``normalised``); further views hold the text
        with each decoded payload in place; ``transforms`` names the steps that changed
        something (``nfkc``, ``zero_width``, ``homoglyph``, ``spacing``, ``leet``, ``base64`` ...).
    """
    try:
        return _normalise(text)
    except Exception:  # noqa: BLE001 - a guard must not fail on hostile input; see docstring
        safe = strip_surrogates(text)
        try:
            safe = unicodedata.normalize("NFKC", cap_marks(safe))
        except Exception:  # noqa: BLE001
            safe = text.encode("utf-8", "replace").decode("utf-8")
        return NormalisedText(original=text, normalised=safe, views=(safe,), transforms=("error",))
