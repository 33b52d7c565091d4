"""Undo letter-level disguises: spaced-out letters and leetspeak.

Both rewrite ``views[0]`` in place, so each rule is built to leave benign text alone:

* Spacing only collapses runs of at least five single letters (``i g n o r e``, ``i.g.n.o.r.e``,
  ``i-g-n``, ``i_g_n``), mostly letters, so initials (``U.S.A.``), IP addresses, dates and
  ``a.b`` attribute access stay as they are. Word breaks are taken from wider gaps; a run
  with no gaps is split into words with the lexicon when it can be.
* Leetspeak is only undone in tokens that mix letters with digits or symbols, and only when
  the decoding is a known word (``pr3v10u5``) or, in a text already shown to be leet, when the
  token is clearly written in leet: its most English-looking decoding (letter trigrams, see
  ``englishness``) reads as a word, so dense tokens (``d3m0n57r473``) and words outside the
  lexicon are undone too, and ``1`` becomes ``l`` or ``i`` as English spelling suggests.
  Numbers, prices, ``mp3``, ``sha256``, ``covid19`` and ``5pm`` stay intact.
"""

from __future__ import annotations

import itertools
import re

from safeship.text.englishness import letter_score
from safeship.text.lexicon import COMMON_WORDS, is_word

_SPACED = re.compile(
    r"(?<!\S)[^\W_](?: {1,4}|\t)(?:(?:[^\W_]|[.,!?;:'’])(?: {1,4}|\t)){3,}"
    r"[^\W_](?: {1,4}[.,!?;:](?!\S))?(?!\S)"
)
_SEP_CHARS = ".-_*|~·•"
_SEP = r"[.\-_*|~·•]"
_DOTTED = rf"(?:['’\"]{_SEP})?[^\W_](?:{_SEP}(?:[^\W_]|['’]{_SEP}[^\W_]))+{_SEP}{{0,2}}['’\"]?"
_PUNCT_RUN = re.compile(
    rf"(?<![\w.\-*|~·•]){_DOTTED}(?:[ \t]+(?:{_DOTTED}|[^\W_](?=[ \t]+{_DOTTED})))*(?!\w)"
)
_SEPARATORS = re.compile(_SEP)
# Cheap gates: each starts with a character class that most positions fail at once.
_SPACED_GATE = re.compile(r"[ \t][^\W_][ \t][^\W_][ \t][^\W_][ \t][^\W_][ \t]")
_DOTTED_GATE = re.compile(rf"{_SEP}[^\W_]{_SEP}")
_GAP = re.compile(r" {2,}|\t")
_MIN_LETTERS = 5
_MAX_WORD = 14

# Starts with the rare class so the scan rejects most positions on their first character.
_LEET_GATE = re.compile(r"[0-9@$|!+](?:(?<=[A-Za-z].)|[A-Za-z])")
# A whole token holding at least one leet character (letters are checked in the callback).
_LEET_TOKEN = re.compile(r"(?<![A-Za-z0-9@$|!+])[A-Za-z0-9@$|!+]*?[0-9@$|!+][A-Za-z0-9@$|!+]*")
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@$|!+")
_TOKEN_AT = re.compile(r"[A-Za-z0-9@$|!+]+")
_LEET_SINGLE = dict(zip("03457896@$|!+", "oeastbggaslit", strict=True))
_LEET_CHARS = frozenset(_LEET_SINGLE) | {"1"}
_HEX = re.compile(r"[0-9a-fA-F]+")
_MIN_LOOSE = 4  # shorter tokens only decode to lexicon words
_LEET_ENGLISH = -4.5  # letter_score floor: English words outside the lexicon score -3 to -4.6
_LEET_NUMBER = re.compile(r"(?<![\w.,$])[013456789]{1,6}(?![\w.,%])")
_TECH = frozenset(
    "h1n1 a11y i18n l10n k8s k3s b2b b2c p2p e2e g7 g20 w3c s3 ec2 c3po r2d2 mp3 mp4 x86 m4a "
    "i3 i5 i7 i9 a4 a5 b6 b12 d3 t4 s5 m1".split()
)  # tech abbreviations that would otherwise read as leet
_NUMBER_UNIT = re.compile(
    r"\d+(?:st|nd|rd|th|s|ms|m|km|cm|mm|am|pm|h|hr|hrs|min|k|kg|g|mg|mb|gb|tb|kb|x|d|l|ml|"
    r"in|ft|yd|lb|lbs|oz|v|w|kw|hz|khz|mhz|ghz|p|fps|y|yr|yrs|mo|wk|b|bn|t|c|f|e)",
    re.IGNORECASE,
)
_MAX_ONES = 4


def _ratio_letters(chars: str) -> float:
    return sum(c.isalpha() for c in chars) / max(1, len(chars))


def segment(run: str) -> str:
    """Split a run of letters into lexicon words, or return it unchanged if impossible."""
    n = len(run)
    if n < 6 or n > 200:
        return run
    lower = run.lower()
    best = [-1] * (n + 1)  # best[end] = start of the last word of a split of run[:end]
    best[0] = 0
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_WORD), end):
            if best[start] >= 0 and lower[start:end] in COMMON_WORDS:
                best[end] = start
                break
    if best[n] < 0:
        return run
    words, end = [], n
    while end > 0:
        words.append(run[best[end] : end])
        end = best[end]
    return " ".join(reversed(words))


def _collapse_spaced(match: re.Match[str]) -> str:
    run = match.group(0)
    if _ratio_letters(run.replace(" ", "")) < 0.6:
        return run
    words = [w.replace(" ", "") for w in _GAP.split(run)]
    if len(words) == 1:
        return segment(words[0])
    return " ".join(words)


def _collapse_punct(match: re.Match[str]) -> str:
    run = match.group(0)
    tokens = run.split()
    sizes = [len(_SEPARATORS.sub("", t)) for t in tokens]
    long_enough = max(sizes) >= _MIN_LETTERS or sum(s >= 3 for s in sizes) >= 2
    if not long_enough or _ratio_letters(_SEPARATORS.sub("", run)) < 0.6:
        return run
    return " ".join(_SEPARATORS.sub("", t) for t in tokens)


def collapse_spacing(text: str) -> str:
    """Join letters spread out with spaces or punctuation back into words.

    Cheap gates first (token lengths, separator counts, all in C) so that the regexes only
    scan texts that could hold a spaced-out word.
    """
    spaced, dotted = _gates(text)
    if spaced:
        text = _SPACED.sub(_collapse_spaced, text)
    if dotted:
        text = _PUNCT_RUN.sub(_collapse_punct, text)
    return text


def _gates(text: str) -> tuple[bool, bool]:
    """Whether the text has five single characters in a row / a token like ``a.b.c``."""
    return _SPACED_GATE.search(text) is not None, _DOTTED_GATE.search(text) is not None


def _candidates(token: str) -> list[str]:
    base = "".join(_LEET_SINGLE.get(c, c) for c in token)
    ones = [i for i, c in enumerate(base) if c == "1"]
    if not ones:
        return [base]
    if len(ones) > _MAX_ONES:
        return [base.replace("1", "i")]
    out = []
    for combo in itertools.product("il", repeat=len(ones)):
        chars = list(base)
        for i, letter in zip(ones, combo, strict=True):
            chars[i] = letter
        out.append("".join(chars))
    return out


def _clearly_leet(token: str, decoded: str) -> bool:
    """Leet outside the lexicon, in a text already shown to be leet: reads as English letters.

    Mixed-case tokens (``A7fB3``) look like ids and hex like hashes, so both stay; otherwise the
    decoding must read as a word by its letter trigrams, which soup (``sqlx``) does not.
    """
    if len(token) < _MIN_LOOSE or not decoded.isalpha() or not token[1:].islower():
        return False
    if _HEX.fullmatch(token) or not any(c in _LEET_CHARS for c in token):
        return False
    return letter_score(decoded) >= _LEET_ENGLISH


def _in_address(text: str, start: int, end: int) -> bool:
    """Whether the token is part of an e-mail address, domain, hashtag or id (``#A7F3``)."""
    if start > 0 and text[start - 1] in "#/.\\":
        return True
    return end + 1 < len(text) and text[end] == "." and text[end + 1].isalnum()


def _decode_token(text: str, start: int, end: int, loose: bool) -> str:
    token = text[start:end]
    core = token.rstrip("!+|$")
    if core.isalnum() and (core.isdigit() or core.isalpha()):
        return token
    tech = core.lower() in _TECH
    if len(core) < 2 or (tech and not loose) or is_word(core):
        return token
    if _in_address(text, start, end) or (not loose and _NUMBER_UNIT.fullmatch(core)):
        return token
    candidates = _candidates(core)
    if core.isupper():
        candidates = [c.upper() for c in candidates]
    for candidate in candidates:
        if candidate.isalpha() and is_word(candidate):
            return candidate + token[len(core) :]
    if loose and not tech:
        best = max(candidates, key=letter_score)
        if _clearly_leet(core, best):
            return best + token[len(core) :]
    return token


def _decode_number(match: re.Match[str]) -> str:
    for candidate in _candidates(match.group(0)):
        if candidate.isalpha() and is_word(candidate):
            return candidate
    return match.group(0)


def _token_spans(text: str) -> list[tuple[int, int]]:
    """Whole tokens around each letter/leet-character contact found by the fast gate."""
    spans: list[tuple[int, int]] = []
    for hit in _LEET_GATE.finditer(text):
        if spans and hit.start() < spans[-1][1]:
            continue
        start = hit.start()
        while start > 0 and text[start - 1] in _TOKEN_CHARS:
            start -= 1
        match = _TOKEN_AT.match(text, start)
        if match is not None:
            spans.append((start, match.end()))
    return spans


def decode_leet(text: str) -> str:
    """Replace leetspeak tokens (``1gn0r3``, ``p@ssw0rd``) with the words they spell.

    A first pass only decodes tokens whose decoding is a lexicon word, and only looks at
    tokens where a letter touches a digit or symbol (found by a fast regex scan). Once a text
    has shown itself to be leetspeak that way (two or more tokens), a second pass is looser:
    it also decodes tokens that are clearly leet but not in the lexicon, number-and-letter
    tokens such as ``4t``, and all-digit tokens that spell a word (``4`` = a, ``411`` = all).
    In any other text numbers are never touched.
    """
    spans = _token_spans(text)
    if not spans:
        return text
    pieces, last, decoded = [], 0, 0
    for start, end in spans:
        out = _decode_token(text, start, end, loose=False)
        decoded += out != text[start:end]
        pieces += [text[last:start], out]
        last = end
    if not decoded:
        return text
    text = "".join(pieces) + text[last:]
    if decoded >= 2:
        text = _LEET_TOKEN.sub(lambda m: _decode_token(m.string, m.start(), m.end(), True), text)
        text = _LEET_NUMBER.sub(_decode_number, text)
    return text
