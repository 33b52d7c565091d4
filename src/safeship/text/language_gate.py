"""Does a text read as English? A cheap gate for detectors whose learnt stages read English only.

Two signals, no model to load: letters of non-Latin scripts (more than half of the letters: not
English), and, for Latin-script text, the share of words found in the project's English lexicon
(:mod:`safeship.text.lexicon`, about 1,200 common words and their inflections). English chat is
full of them ("how", "do", "my", "the"); French, German or Turkish chat has few, and fewer than
a quarter is not English. Texts with fewer than three Latin words are taken as English: too short
to tell, and the English path is the one every figure was measured on.

On ``harmful_request``'s training rows this calls 10.2% not English, and those are its French
AILuminate rows. Where the ``language`` detector (py3langid, 110 MB) is wanted anyway it is the
better judge; this gate exists so that a detector can route without loading it.
"""

from __future__ import annotations

import re

from safeship.text.lexicon import is_word

MIN_WORDS = 3
ENGLISH_SHARE = 0.25
NON_LATIN_SHARE = 0.5

_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_LETTER = re.compile(r"[^\W\d_]")
_NON_LATIN_LETTER = re.compile(r"[^\W\d_A-Za-z\u00c0-\u024f]")


def reads_as_english(text: str) -> bool:
    """Whether ``text`` reads as English (see the module docstring for the rule)."""
    letters = len(_LETTER.findall(text))
    if not letters:
        return True
    if len(_NON_LATIN_LETTER.findall(text)) > NON_LATIN_SHARE * letters:
        return False
    words = _LATIN_WORD.findall(text)
    if len(words) < MIN_WORDS:
        return True
    return sum(map(is_word, words)) >= ENGLISH_SHARE * len(words)
