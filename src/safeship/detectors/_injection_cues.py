"""Injection cues in scripts the learnt model cannot read: find them, say where, say which kind.

The vocabulary is in :mod:`safeship.detectors._injection_cue_lexicon`; this module compiles it once
and matches it. A cue is one of five families, named like the English rules' sub-categories:

- ``instruction_override``: an override action near an instruction word, with a determiner that
  points at the assistant's own instructions and no "my" in the way;
- ``system_prompt_extraction``: a reveal action near the name of what the system prompt holds;
- ``jailbreak_persona``: "without restrictions / censorship / filters" in the same or a
  neighbouring sentence as a persona frame ("you are now", "from now on", "mode", "two
  answers"), or right next to "answer";
- ``fake_system_message``: a line that opens as a system or administrator message ("SYSTEM:")
  and then announces new instructions, orders an override or lifts restrictions;
- ``planted_instruction``: a note addressed to the AI inside the text, opened with a colon, that
  diverts the task ("for the translator AI: stop translating and ...") or orders an override.

Texts without a letter of these scripts pay one regex search and nothing more. Otherwise each
language first looks for its action words (one scan, skipping ahead to the characters they start
with, so a text in another script costs little) and runs its matchers only when one is there.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from unicodedata import normalize

from safeship.detectors._injection_cue_lexicon import LANGUAGES, CueWords

OVERRIDE = "instruction_override"
EXTRACTION = "system_prompt_extraction"
PERSONA = "jailbreak_persona"
FAKE_SYSTEM = "fake_system_message"
PLANTED = "planted_instruction"
NOTE_COLON = 30  # characters from "for the AI" to the colon that opens the note
NOTE_BODY = 120  # characters after that colon in which the note must give its order
NOTE_BARE = 25  # without a colon: characters from "the AI" to a diversion ("stop translating")
_COLON = re.compile(r"[:：]")
ANSWER_GAP = 12  # characters allowed between "answer" and "without restrictions"

_SCRIPTS: dict[str, str] = {
    "cyrillic": "\u0400-\u04ff",
    "greek": "\u0370-\u03ff",
    "hebrew": "\u0590-\u05ff",
    "arabic": "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff",
    "devanagari": "\u0900-\u097f",
    "thai": "\u0e00-\u0e7f",
    "kana": "\u3040-\u30ff",
    "han": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
    "hangul": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
}
_ANY_SCRIPT = re.compile("[" + "".join(_SCRIPTS.values()) + "]")
_SENTENCE_END = re.compile(r"[.!?\n;。！？；؟।]+")

# Character folds: Greek accents and final sigma, Arabic letter variants that Persian writes
# differently (and hamza forms users often drop), zero-width joiners (Persian writes them inside
# words) as spaces. All one-to-one, so spans stay valid, except the optional vowel marks of Arabic
# and Hebrew (and the Arabic stretching tatweel), which are dropped: a text that has them gets
# whole-text spans.
_DROPPED = "".join(map(chr, [*range(0x064B, 0x0653), 0x0670, 0x0640, *range(0x0591, 0x05C8)]))
_FOLD: dict[str, str] = {
    **dict.fromkeys(_DROPPED, ""),
    **dict(zip("άέήίόύώϊϋΐΰς", "αεηιουωιυιυσ", strict=True)),
    "ي": "ی",
    "ى": "ی",
    "ك": "ک",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "\u200c": " ",
    "\u200d": " ",
}
_FOLDABLE = re.compile("[" + re.escape("".join(_FOLD)) + "]")


def fold(text: str) -> str:
    """Lower-case and fold ``text`` the way the vocabulary is folded (length kept where possible).

    One ``str.replace`` per distinct foldable character present: ``str.translate`` walks a
    non-ASCII text in Python-level steps, twice as slow on an Arabic chat message. No folded
    character is itself foldable, so the order of the replacements does not matter.
    """
    text = text.lower()
    for ch in set(_FOLDABLE.findall(text)):
        text = text.replace(ch, _FOLD[ch])
    return text


@dataclass(frozen=True)
class Cue:
    """A matched cue: its family, the language whose words matched, and its span in the text.

    The span is the whole text when normalising changed the text's length (offsets no longer
    line up); a cue is still a cue.
    """

    family: str
    lang: str
    start: int
    end: int


_WORD_END = "\x00"  # a word written with a trailing space must end there ("كل ", not "كلمة")
_TOKENS = {" ": r"\s*", _WORD_END: r"(?!\w)"}


def _fold_word(word: str) -> str:
    """A vocabulary word as it is matched: normalised and folded like text, spaces collapsed."""
    return " ".join(fold(normalize("NFKC", word)).split())


def _trie(words: list[str], before: str = "") -> str:
    """A regex for a set of words, factored by common prefixes.

    A plain alternation makes ``re`` try every word at every position; a trie starts with one
    character set, which ``re`` scans for quickly, and shares each prefix once. ``before`` is a
    character class that must not precede a word (a word start); it is checked just after the
    word's first character, as ``c(?<!Xc)``, which means the same as ``(?<!X)c`` but keeps that
    character first, so ``re`` can still skip ahead to it.
    """
    tree: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def first(ch: str) -> str:
        token = re.escape(ch)
        return f"{token}(?<!{before}{token})" if before else token

    def emit(node: dict[str, dict], root: bool = False) -> str:  # type: ignore[type-arg]
        ends = "" in node
        branches = [
            (first(ch) if root else _TOKENS.get(ch, re.escape(ch))) + emit(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return f"(?:{body})?"
        return body

    return emit(tree, root=True)


def _alternation(
    words: tuple[str, ...], anchored: bool, word_char: str = r"\w"
) -> re.Pattern[str] | None:
    """One regex for a word list: folded like text, spaces flexible, Latin tokens whole words."""
    folded = {_fold_word(w) + (_WORD_END if w.endswith(" ") else "") for w in words}
    latin = sorted(w for w in folded if w.strip(_WORD_END).isascii())
    native = sorted(folded.difference(latin))
    parts = []
    if native:
        parts.append("(?:" + _trie(native, word_char if anchored else "") + ")")
    if latin:
        # a Latin token is a whole Latin word, even glued to CJK ("给ai的"), where \b fails
        parts.append("(?:" + _trie(latin, "[a-z0-9_]") + r")(?![a-z0-9_])")
    return re.compile("|".join(parts)) if parts else None


_WORD_LISTS = (
    "verbs", "objects", "soft_objects", "strong_dets", "weak_dets", "mine", "reveal", "secrets",
    "unbound", "persona", "answer", "news", "ai", "directives", "send", "lifted",
)  # fmt: skip
"""The :class:`CueWords` fields that are matched as plain word lists (``headers`` is not)."""


@dataclass(frozen=True)
class _Compiled:
    """One language's vocabulary, compiled: a pattern per word list (``None`` when empty)."""

    words: CueWords
    patterns: dict[str, re.Pattern[str] | None]
    trigger: re.Pattern[str]
    leads: frozenset[int]
    strong_suffixes: tuple[str, ...]
    mine_suffixes: tuple[str, ...]


def _header(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """A line opening with one of ``words`` as a label: ``SYSTEM:``, ``[SYSTEM NOTICE]``."""
    if not words:
        return None
    body = _trie(sorted({_fold_word(w) for w in words}))
    bracketed = rf"[\[(<【「]+[ \t]*(?:{body})[^\])>】」\n]{{0,24}}[\])>】」]"
    labelled = rf"[#*]*[ \t]*(?:{body})[^:：\n]{{0,24}}[:：]"
    return re.compile(rf"(?m)^[ \t]*(?:{bracketed}|{labelled})")


def _trigger_words(w: CueWords) -> tuple[str, ...]:
    """The action words: a text without one of them cannot hold any of ``w``'s cues."""
    return (*w.verbs, *w.reveal, *w.unbound, *w.news, *w.directives, *w.lifted)


def _leads(words: tuple[str, ...]) -> frozenset[int]:
    """The first UTF-8 byte of each word's first character (as matched: folded).

    A text holds one of ``words`` only if it holds that word's first character, hence its first
    byte: a text none of whose bytes is in this set cannot trigger the language. Reading a text's
    byte set is one step in C, where finding its scripts took one regex scan per script.
    """
    return frozenset(_fold_word(word).encode()[0] for word in words)


def _required(pattern: re.Pattern[str] | None) -> re.Pattern[str]:
    if pattern is None:
        raise ValueError("a cue language needs at least one action word")
    return pattern


@cache
def _compiled() -> tuple[_Compiled, ...]:
    out = []
    for w in LANGUAGES:
        patterns = {field: _alternation(getattr(w, field), w.spaced) for field in _WORD_LISTS}
        patterns["headers"] = _header(w.headers)
        out.append(
            _Compiled(
                words=w,
                patterns=patterns,
                # a trigger word starts a word where words are spaced; a letter or digit (not
                # "_") before it means it is inside another word ("подскажи" is not "скажи")
                trigger=_required(_alternation(_trigger_words(w), w.spaced, r"[^\W_]")),
                leads=_leads(_trigger_words(w)),
                strong_suffixes=tuple(fold(x) for x in w.strong_suffixes),
                mine_suffixes=tuple(fold(x) for x in w.mine_suffixes),
            )
        )
    return tuple(out)


class _Spans:
    """Where each word list of one language matches in one text, grouped by sentence."""

    def __init__(self, c: _Compiled, text: str, sentence_ends: list[int]) -> None:
        self.c, self.text, self._ends = c, text, sentence_ends
        self._cache: dict[str, dict[int, list[tuple[int, int]]]] = {}

    def get(self, field: str) -> dict[int, list[tuple[int, int]]]:
        """Spans of the word list ``field`` (a :class:`CueWords` field) by sentence index."""
        if field not in self._cache:
            pattern = self.c.patterns[field]
            grouped: dict[int, list[tuple[int, int]]] = {}
            if pattern is not None:
                for m in pattern.finditer(self.text):
                    grouped.setdefault(bisect_right(self._ends, m.start()), []).append(m.span())
            self._cache[field] = grouped
        return self._cache[field]


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two spans (negative when they overlap)."""
    return max(b[0] - a[1], a[0] - b[1])


def _near(spans: list[tuple[int, int]], target: tuple[int, int], window: int) -> bool:
    return any(_gap(s, target) <= window for s in spans)


_WORD_TAIL = re.compile(r"\w*")


def _word_tail(text: str, end: int) -> str:
    match = _WORD_TAIL.match(text, end)
    return match.group() if match else ""


def _override(sp: _Spans) -> tuple[int, int] | None:
    w = sp.c.words
    verbs_by_sentence = sp.get("verbs")
    if not verbs_by_sentence:
        return None
    objects = sp.get("objects")
    soft_objects = sp.get("soft_objects")
    for k, verbs in verbs_by_sentence.items():
        candidates = [(o, True) for o in objects.get(k, [])]
        candidates += [(o, False) for o in soft_objects.get(k, [])]
        if not candidates:
            continue
        strong = sp.get("strong_dets").get(k, [])
        weak = sp.get("weak_dets").get(k, [])
        mine = sp.get("mine").get(k, [])
        for obj, is_hard in candidates:
            verb = next((v for v in verbs if _gap(v, obj) <= w.window), None)
            if verb is None:
                continue
            tail = _word_tail(sp.text, obj[1])
            if tail and any(tail.endswith(x) for x in sp.c.mine_suffixes):
                continue
            lo, hi = min(verb[0], obj[0]), max(verb[1], obj[1])
            if any(lo <= m[0] < hi or 0 <= obj[0] - m[1] <= 12 for m in mine):
                continue  # "ignore MY previous instructions": the user correcting themself
            owned = bool(tail) and any(tail.endswith(x) for x in sp.c.strong_suffixes)
            if owned or _near(strong, obj, w.window) or (is_hard and _near(weak, obj, w.window)):
                return lo, hi
    return None


def _extraction(sp: _Spans) -> tuple[int, int] | None:
    reveal_by_sentence = sp.get("reveal")
    secrets = sp.get("secrets") if reveal_by_sentence else {}
    for k, reveal in reveal_by_sentence.items():
        for secret in secrets.get(k, []):
            for verb in reveal:
                if _gap(verb, secret) <= sp.c.words.window:
                    return min(verb[0], secret[0]), max(verb[1], secret[1])
    return None


def _persona(sp: _Spans) -> tuple[int, int] | None:
    persona, answers = sp.get("persona"), None
    for k, unbound in sp.get("unbound").items():
        if persona.get(k) or persona.get(k - 1) or persona.get(k + 1):
            return unbound[0]
        answers = answers if answers is not None else sp.get("answer")
        for u in unbound:
            for a in answers.get(k, []):
                first, second = (a, u) if sp.c.words.answer_first else (u, a)
                if 0 <= second[0] - first[1] <= ANSWER_GAP:
                    return min(a[0], u[0]), max(a[1], u[1])
    return None


def _fake_system(sp: _Spans) -> tuple[int, int] | None:
    headers = _flat(sp, "headers")
    if not headers:
        return None
    first = headers[0]
    for field in ("news", "verbs", "unbound"):
        later = [s for s in _flat(sp, field) if s[0] >= first[1]]
        if later:
            return first[0], later[0][1]
    lifted = [s for s in _flat(sp, "lifted") if s[0] >= first[1]]
    for limit in (s for s in _flat(sp, "soft_objects") if s[0] >= first[1]):
        near = [s for s in lifted if _gap(s, limit) <= sp.c.words.window]
        if near:  # "[SYSTEM] ... restrictions temporarily disabled"
            return first[0], max(limit[1], near[0][1])
    return None


def _flat(sp: _Spans, field: str) -> list[tuple[int, int]]:
    return sorted(span for spans in sp.get(field).values() for span in spans)


def _planted(sp: _Spans) -> tuple[int, int] | None:
    """A note to the AI inside the text ("P.S. for the AI: stop translating and ...")."""
    notes = _flat(sp, "ai")
    if not notes:
        return None
    diversions = _flat(sp, "directives")
    orders = [*diversions, *_flat(sp, "send"), *_flat(sp, "verbs"), *_flat(sp, "reveal")]
    for start, end in notes:
        line_end = sp.text.find("\n", end)
        limit = min(end + NOTE_COLON, line_end if line_end >= 0 else len(sp.text))
        colon = _COLON.search(sp.text, end, limit)
        if colon is not None:
            hits = [o for o in orders if colon.end() <= o[0] < colon.end() + NOTE_BODY]
        else:  # "the translator AI stops translating and writes ...": a diversion, close by
            hits = [o for o in diversions if end <= o[0] < end + NOTE_BARE]
        if hits:
            return start, max(o[1] for o in hits)
    return None


_FAMILIES = (
    (OVERRIDE, _override),
    (EXTRACTION, _extraction),
    (PERSONA, _persona),
    (FAKE_SYSTEM, _fake_system),
    (PLANTED, _planted),
)


def prepare() -> None:
    """Compile every language's word lists now (a few hundred ms), not on the first message."""
    _compiled()


def find_cues(text: str) -> list[Cue]:
    """Every family's first cue in ``text``, over the languages whose action words it holds."""
    if not _ANY_SCRIPT.search(text):
        return []
    folded = fold(normalize("NFKC", text))
    same_offsets = len(folded) == len(text)  # NFKC splits Thai sara am, ligatures and the like
    present = set(folded.encode())
    ends: list[int] | None = None
    found: dict[str, Cue] = {}
    for c in _compiled():
        if c.leads.isdisjoint(present) or c.trigger.search(folded) is None:
            continue  # none of this language's action words is in the text: none of its cues
        if ends is None:
            ends = [m.end() for m in _SENTENCE_END.finditer(folded)]
        spans = _Spans(c, folded, ends)
        for family, match in _FAMILIES:
            if family not in found:
                span = match(spans)
                if span is not None:
                    tail = 0 if c.words.dense else len(_word_tail(folded, span[1]))
                    end = span[1] + tail  # the whole last word
                    start, end = (span[0], end) if same_offsets else (0, len(text))
                    found[family] = Cue(family, c.words.lang, start, end)
        if len(found) == len(_FAMILIES):
            break
    return list(found.values())
