"""Map look-alike letters (homoglyphs) to ASCII without touching genuine non-Latin text.

NFKC already folds fullwidth forms, mathematical alphanumerics, circled and squared letters and
superscripts. What it leaves are letters from other scripts that *look* Latin (Cyrillic ``о``,
Greek ``ο``, Armenian ``օ``, Cherokee ``Ꭺ``) and Latin-script oddities such as small capitals.

Two tables, because the risk differs:

* ``LATIN_LOOKALIKES`` (small capitals, dotless i, negative circled letters ...) are never used
  to write real words, so they are always folded.
* ``SCRIPT_LOOKALIKES`` (Cyrillic, Greek, Armenian, Cherokee) are real letters: Russian or Greek
  text must stay intact. They are folded only inside a token that also holds an ASCII letter
  (mixed script, the signature of a homoglyph attack), or in a token of three or more letters
  made *only* of look-alikes inside a text that is mostly Latin.
"""

from __future__ import annotations

import re

_SMALL_CAPS = "ᴀaʙbᴄcᴅdᴇeꜰfɢgʜhɪiᴊjᴋkʟlᴍmɴnᴏoᴘpǫqʀrꜱsᴛtᴜuᴠvᴡwʏyᴢz"
_LATIN_MISC = "ıiȷjɑaɡgɩiƅbꞇtꝺdʋvƿpꜱsꞓc"
_CYRILLIC = (
    "аaАAВBсcСCеeЕEһhҺHіiІIјjЈJкkКKмmМMнHНHоoОOрpРPтTТTуyУYхxХXѕsЅS"
    "ԁdԛqԚQԝwԜWӏlӀIүyҮYьbЬbгrпnѡwԌGԍgѵvѴVɛe"
)
_GREEK = "αaΑAΒBεeΕEΖZηnΗHιiΙIκkΚKΜMνvΝNοoΟOρpΡPτtΤTυuΥYχxΧXγyωwϲcϳjϹCϵe"
_ARMENIAN = "օoսuհhոnզqցgՕOՍUԼL"
_CHEROKEE = "ᎪAᏴBᏟCᎬEᎻHᎫJᏦKᏞLᎷMᏢPᏒRᏚSᎢTᏙVᏔWᏃZᎡR"


def _pairs(spec: str) -> dict[int, str]:
    return {ord(spec[i]): spec[i + 1] for i in range(0, len(spec), 2)}


def _enclosed() -> dict[int, str]:
    """Negative circled and negative squared capitals (NFKC keeps these).

    The negative squared A, B, O and P double as emoji (blood types, parking) and are kept.
    """
    table = {0x1F150 + k: chr(ord("A") + k) for k in range(26)}
    table.update({0x1F170 + k: chr(ord("A") + k) for k in range(26) if chr(65 + k) not in "ABOP"})
    return table


LATIN_LOOKALIKES: dict[int, str] = {**_pairs(_SMALL_CAPS), **_pairs(_LATIN_MISC), **_enclosed()}
"""Folded everywhere: Latin-script look-alikes nobody writes real words with."""

SCRIPT_LOOKALIKES: dict[int, str] = {
    **_pairs(_CYRILLIC),
    **_pairs(_GREEK),
    **_pairs(_ARMENIAN),
    **_pairs(_CHEROKEE),
}
"""Folded only in mixed-script or look-alike-only tokens (see module docstring)."""

_SCRIPT_CHARS = "".join(chr(c) for c in SCRIPT_LOOKALIKES)
_HAS_SCRIPT = re.compile(f"[{re.escape(_SCRIPT_CHARS)}]")
_TOKEN = re.compile(r"[^\W\d_]+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_OTHER_LETTER = re.compile(r"[^\W\d_A-Za-z]")
_MIN_PURE_TOKEN = 3


def _mostly_latin(text: str) -> bool:
    return len(_ASCII_LETTER.findall(text)) > len(_OTHER_LETTER.findall(text))


def _is_mixed(token: str) -> bool:
    return not token.isascii() and _ASCII_LETTER.search(token) is not None


def _is_pure(token: str) -> bool:
    return not token.isascii() and all(ord(c) in SCRIPT_LOOKALIKES for c in token)


def fold_confusables(text: str) -> str:
    """Return ``text`` with homoglyphs mapped to ASCII (see the module docstring for the rules).

    Look-alike-only tokens shorter than three letters (a lone Cyrillic ``а``, Greek ``α`` in
    a formula) are only folded when the text already shows a homoglyph attack elsewhere: a
    mixed-script token or a longer look-alike-only one.

    Args:
        text: Text already NFKC-normalised.

    Returns:
        The folded text; identical to ``text`` when nothing looked like a homoglyph.
    """
    if text.isascii():
        return text
    text = text.translate(LATIN_LOOKALIKES)
    if _HAS_SCRIPT.search(text) is None or _ASCII_LETTER.search(text) is None:
        return text  # no look-alikes, or no Latin letter for them to hide among
    tokens = _TOKEN.findall(text)
    mixed = any(_is_mixed(t) for t in tokens)
    pure = [t for t in tokens if _is_pure(t)]
    latin = _mostly_latin(text) or mixed
    evidence = mixed or (latin and any(len(t) >= _MIN_PURE_TOKEN for t in pure))
    if not evidence:
        return text

    def fold(match: re.Match[str]) -> str:
        token = match.group(0)
        if _is_mixed(token) or (latin and _is_pure(token)):
            return token.translate(SCRIPT_LOOKALIKES)
        return token

    return _TOKEN.sub(fold, text)
