"""Find encoded payloads (base64, hex, URL escapes, rot13, reversed, upside-down) and decode them.

Each finder returns ``Payload`` objects: where the payload sits in the text and what it decodes
to. The caller builds one extra view per payload, the text with the payload replaced by its
decoding, so a classifier sees the hidden instruction in its context.

Every finder rejects decodings that do not look like text (binary bytes, random letters),
because a garbage view can only add false positives: hashes, ids, long identifiers and
ordinary URLs produce no view.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from safeship.text.englishness import letter_score
from safeship.text.lexicon import COMMON_FORMS, is_word
from safeship.text.upside_down import find_upside_down


@dataclass(frozen=True)
class Payload:
    """One encoded span ``text[start:end]`` and its decoding."""

    kind: str
    start: int
    end: int
    decoded: str


_B64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{12,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(
    r"(?<![0-9A-Za-z\\])(?:"
    r"(?:[0-9A-Fa-f]{2}){6,}"  # 69676e6f7265
    r"|[0-9A-Fa-f]{2}(?:[ :,][0-9A-Fa-f]{2}){5,}"  # 69 67 6e 6f 72 65
    r"|(?:(?:\\x|0x)[0-9A-Fa-f]{2}[ ,]?){4,}"  # \x69\x67 or 0x69 0x67
    r")(?![0-9A-Za-z])"
)
_HEX_NOISE = re.compile(r"\\x|0x|[ ,:]")
_URL = re.compile(r"(?<!\S)[^\s%]*%\S*")
"""A whitespace-delimited token holding a ``%``. The look-behind starts a match only where a token
starts: without it a token of n characters with no ``%`` was scanned again from each of its n
positions, so 80,000 letters and a "%41" elsewhere took 30 s, 300,000 took 7 minutes."""
_URL_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_WORD = re.compile(r"[A-Za-z]+")
_RUN_BREAK = re.compile(r"[^A-Za-z\s',.!?;:-]")
_ROT13 = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "NOPQRSTUVWXYZABCDEFGHIJKLMnopqrstuvwxyzabcdefghijklm",
)
_MIN_HITS = 2
_LONG_DECODING = 16
_MIN_HIT_RATE = 0.4
_HEX_PAIRS_GATE = re.compile(r"[0-9A-Fa-f]{2}[ :,][0-9A-Fa-f]{2}[ :,][0-9A-Fa-f]{2}[ :,]")
_TO_SPACE = str.maketrans({c: " " for c in string.punctuation + string.digits})
_ROT13_GAIN = 1.0  # letter_score gain of a rot13 word decoded over as written ...
_ROT13_ENGLISH = -4.0  # ... and the score its decoding must reach (own examples in tests)
_ROT13_MIN_WORDS = 3
_ROT13_UNKNOWN_SHARE = 0.4
_ROT13_SAMPLE = 16
_ROT13_HIT_SHARE = 0.6
_B64_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}|(?:\\x[0-9A-Fa-f]{2}){4,}")


def looks_like_text(decoded: str) -> bool:
    """Whether a decoding is readable text rather than binary or random characters.

    Readable means printable and made of letters, digits and spaces. Short decodings must
    also have normal word lengths with vowels and a common word, because a few random bytes
    are printable by chance far more often than a dozen are.
    """
    stripped = decoded.strip()
    if len(stripped) < 6:
        return False
    if sum(c.isprintable() or c in "\n\t" for c in stripped) < 0.97 * len(stripped):
        return False
    if sum(c.isalnum() or c == " " for c in stripped) < 0.75 * len(stripped):
        return False
    if len(stripped) >= _LONG_DECODING and " " in stripped:
        return True
    words = _WORD.findall(stripped)
    if not words:
        return False
    letters = "".join(words).lower()
    vowels = sum(c in "aeiouy" for c in letters) / len(letters)
    mean_len = len(letters) / len(words)
    if not (0.2 <= vowels <= 0.7 and 2 <= mean_len <= 12):
        return False
    return any(is_word(w) for w in words)


def _decode_bytes(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _b64_decoded(body: str) -> str | None:
    """One base64 (standard or URL-safe) run, padding optional, decoded as UTF-8 (None: not)."""
    padded = body + "=" * (-len(body) % 4)
    try:
        if "-" in body or "_" in body:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return _decode_bytes(raw)


def find_base64(text: str) -> list[Payload]:
    """Base64 (standard or URL-safe) runs that decode to readable text."""
    found = []
    for match in _B64.finditer(text):
        decoded = _b64_decoded(match.group(0).rstrip("="))
        if decoded is not None and looks_like_text(decoded):
            found.append(Payload("base64", match.start(), match.end(), decoded))
    return found


_B64_VALUE = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}")
"""A base64 run anywhere, after ``=`` too (``KEY=<base64>`` in a .env file): 20 characters or
more, since a shorter one cannot carry a credential worth finding."""


def base64_decodings(text: str, longest: int = 4096) -> list[Payload]:
    """Base64 runs of ``text`` (20 to ``longest`` characters) that decode to printable UTF-8.

    Unlike ``find_base64`` nothing asks the decoding to read as prose: a key encoded alone
    decodes to a token, not to words, and the secrets detector must still see it. No cap on
    how many runs: a cap would let a key hide behind enough decoys (a long text is scored on
    the guard's long-text lane, under its timeout and fail mode).
    """
    found = []
    for match in _B64_VALUE.finditer(text):
        body = match.group(0).rstrip("=")
        if len(body) > longest:
            continue
        decoded = _b64_decoded(body)
        if decoded is not None and decoded.isprintable():
            found.append(Payload("base64", match.start(), match.end(), decoded))
    return found


def find_hex(text: str) -> list[Payload]:
    r"""Hex byte runs (``69676e``, ``69 67 6e``, ``\x69\x67``, ``0x69 0x67``) that read as text."""
    found = []
    for match in _HEX.finditer(text):
        digits = _HEX_NOISE.sub("", match.group(0))
        if len(digits) % 2:
            continue
        decoded = _decode_bytes(bytes.fromhex(digits))
        if decoded is not None and looks_like_text(decoded):
            found.append(Payload("hex", match.start(), match.end(), decoded.strip()))
    return found


def find_url_escapes(text: str) -> list[Payload]:
    """Tokens that percent-encode letters or digits, which no ordinary URL needs to do."""
    if "%" not in text:
        return []
    found = []
    for match in _URL.finditer(text):
        escapes = _URL_ESCAPE.findall(match.group(0))
        needless = sum(chr(int(h, 16)).isalnum() for h in escapes)
        if needless >= 3 and needless >= 0.3 * len(escapes):
            decoded = unquote(match.group(0), errors="replace")
            found.append(Payload("url", match.start(), match.end(), decoded))
    return found


def _word_runs(
    text: str,
    decode_word: Callable[[str], str],
    kind: str,
    decode_run: Callable[[str], str],
    reads: Callable[[str], bool] | None = None,
) -> list[Payload]:
    """Runs of words that mean nothing as written but are English once each word is decoded.

    ``reads(word)`` says whether a word reads as English once decoded (default: its decoding is
    a lexicon word).
    """
    words = list(_WORD.finditer(text))
    if len(words) < _MIN_HITS:
        return []
    found: list[Payload] = []
    run: list[re.Match[str]] = []
    tally = [0, 0]  # [hits, misses] among words of three or more letters not common as written

    def flush() -> None:
        hits, misses = tally
        if run and hits >= _MIN_HITS and hits >= _MIN_HIT_RATE * (hits + misses):
            start, end = run[0].start(), run[-1].end()
            found.append(Payload(kind, start, end, decode_run(text[start:end])))
        run.clear()
        tally[0] = tally[1] = 0

    previous_end = 0
    for match in words:
        word = match.group(0)
        plain = is_word(word)
        decoded = reads(word) if reads is not None else is_word(decode_word(word))
        if _RUN_BREAK.search(text, previous_end, match.start()) or (plain and not decoded):
            flush()
        if not plain or decoded:
            run.append(match)
            if not plain and len(word) >= 3:
                tally[0 if decoded else 1] += 1
        previous_end = match.end()
    flush()
    return found


def _unknown_words(text: str) -> set[str]:
    """Lower-case words of three or more letters that are not common English as written."""
    rough = set(text.lower().translate(_TO_SPACE).split()) - COMMON_FORMS
    return {w for w in rough if len(w) >= 3}


def _reverse(word: str) -> str:
    return word[::-1]


def _hits(unknown: set[str], decode: Callable[[str], str]) -> int:
    """How many unknown words decode to common words: one C-level pass over all of them.

    Both decodings map a space-joined string of words to the decoded words (reversal also
    reverses their order, which a set ignores).
    """
    return len(set(decode(" ".join(unknown)).split()) & COMMON_FORMS)


def _gated(text: str, unknown: set[str], decode: Callable[[str], str], kind: str) -> list[Payload]:
    """Search runs only when at least two unknown words decode to common words (cheap gate)."""
    if _hits(unknown, decode) < _MIN_HITS:
        return []
    return _word_runs(text, decode, kind, decode)


def rot13(text: str) -> str:
    """Rotate ASCII letters by 13 places."""
    return text.translate(_ROT13)


def _rot13_reads(word: str) -> bool:
    """Whether ``word`` reads as English under rot13 and clearly better than as written."""
    decoded = rot13(word)
    if is_word(decoded):
        return True
    gain = letter_score(decoded) - letter_score(word)
    return gain >= _ROT13_GAIN and letter_score(decoded) >= _ROT13_ENGLISH


def _rot13_by_letters(text: str, unknown: set[str]) -> list[Payload]:
    """Rot13 whose words are mostly outside the lexicon (``Zl tenqhny zvtengvbaf``).

    The lexicon gate needs two decoded words to be common ones, which a rot13 sentence of
    technical or rare words does not give, and the raw soup then reaches the classifier. Here
    the words must instead read far more like English decoded than as written (letter
    trigrams). Only texts where unknown words are a large share are checked, so ordinary
    prose pays one set operation; English words score worse under rot13, so they never pass.
    """
    if len(unknown) < _ROT13_MIN_WORDS:
        return []
    words = set(text.lower().translate(_TO_SPACE).split())
    if len(unknown) < _ROT13_UNKNOWN_SHARE * len(words):
        return []
    sample = sorted(unknown)[:_ROT13_SAMPLE]
    needed = max(_ROT13_MIN_WORDS, math.ceil(_ROT13_HIT_SHARE * len(sample)))
    misses = 0
    for word in sample:  # stops as soon as too many words fail: English fails at once
        if not _rot13_reads(word):
            misses += 1
            if misses > len(sample) - needed:
                return []
    return _word_runs(text, rot13, "rot13", rot13, reads=_rot13_reads)


def find_rot13(text: str) -> list[Payload]:
    """Runs of words that become common English under rot13 (lexicon, else letter trigrams)."""
    unknown = _unknown_words(text)
    return _gated(text, unknown, rot13, "rot13") or _rot13_by_letters(text, unknown)


def find_reversed(text: str) -> list[Payload]:
    """Runs of words written backwards (``snoitcurtsni suoiverp erongi``)."""
    return _gated(text, _unknown_words(text), _reverse, "reverse")


def find_upside(text: str) -> list[Payload]:
    """Text written with rotated letters (``ǝɹouƃᴉ``), flipped back."""
    return [Payload("upside_down", s, e, d) for s, e, d in find_upside_down(text)]


FINDERS: tuple[Callable[[str], list[Payload]], ...] = (
    find_base64,
    find_hex,
    find_url_escapes,
    find_rot13,
    find_reversed,
    find_upside,
)
"""All payload finders, each usable on its own."""

_LONG_TOKEN = 12
_HEX_PAIRS = 6


def find_payloads(text: str) -> list[Payload]:
    """Run every finder whose cheap gate passes; the same results as all ``FINDERS``, faster.

    The gates use C-level string operations (split, token lengths, substring tests) so that
    a typical benign text pays a few microseconds instead of a full regex scan per finder.
    """
    found: list[Payload] = []
    tokens = text.split()
    lengths = list(map(len, tokens))
    encoded = (
        bool(lengths)
        and max(lengths) >= _LONG_TOKEN
        and any(_B64_TOKEN.search(token) for token in tokens if len(token) >= _LONG_TOKEN)
    )
    if encoded:
        found.extend(find_base64(text))
    pairs = lengths.count(2) >= _HEX_PAIRS and _HEX_PAIRS_GATE.search(text)
    if encoded or pairs or "0x" in text:
        found.extend(find_hex(text))
    found.extend(find_url_escapes(text))
    unknown = _unknown_words(text)
    if len(unknown) >= _MIN_HITS:
        found.extend(_gated(text, unknown, rot13, "rot13") or _rot13_by_letters(text, unknown))
        found.extend(_gated(text, unknown, _reverse, "reverse"))
    found.extend(find_upside(text))
    return found
