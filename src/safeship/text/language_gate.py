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
from typing import Literal

from safeship.text.lexicon import is_word

MIN_WORDS = 3
ENGLISH_SHARE = 0.25
NON_LATIN_SHARE = 0.5

_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_LETTER = re.compile(r"[^\W\d_]")
_NON_LATIN_LETTER = re.compile(r"[^\W\d_A-Za-z\u00c0-\u024f]")


def _mostly_non_latin(text: str) -> bool | None:
    """Whether most of ``text``'s letters are not Latin; ``None`` when it has no letters."""
    letters = len(_LETTER.findall(text))
    if not letters:
        return None
    return len(_NON_LATIN_LETTER.findall(text)) > NON_LATIN_SHARE * letters


def mostly_non_latin(text: str) -> bool:
    """Whether most of ``text``'s letters belong to scripts other than Latin (no letters: no)."""
    return bool(_mostly_non_latin(text))


def _few_english_words(words: list[str]) -> bool:
    """Enough Latin words to judge, and fewer than ``ENGLISH_SHARE`` of them English."""
    return len(words) >= MIN_WORDS and sum(map(is_word, words)) < ENGLISH_SHARE * len(words)


def reads_as_english(text: str) -> bool:
    """Whether ``text`` reads as English (see the module docstring for the rule)."""
    non_latin = _mostly_non_latin(text)
    if non_latin is None:
        return True
    return not non_latin and not _few_english_words(_LATIN_WORD.findall(text))


# Function words of the Latin-script languages USE multilingual v3 was trained on (besides
# English), one list per language: positive evidence that a text is one of them. Words that are
# also common English words ("a", "in", "die", "no") are left out; they would prove nothing.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "fr": "le la les des du et est je tu il elle nous vous ils sont pour pas que qui une un "
        "dans sur avec mon ma mes ton ta ce cette ces mais ou où donc très aussi comment pourquoi "
        "quand bonjour merci est-ce suis ai avez peux votre notre leur moi toi lui veux voudrais "
        "pouvez aux au sans chez vers peut fais faire",
        "de": "der das und ist ich nicht ein eine einen zu mit für auf wie was wo warum wann mein "
        "meine ihr sie wir es sind bin hast habe kann können bitte danke auch noch schon oder "
        "aber dem den des einem einer kein keine ja nein mir mich dir dich uns euch sich kannst "
        "möchte will soll hier heute gibt wird haben man ohne dass eigentlich am im bei vom zum "
        "zur du",
        "es": "el los las y que en un una por para con es mi mis tu tus su sus cómo como qué "
        "cuándo dónde muy pero también hola gracias estoy tengo puedo quiero del al lo le se "
        "puedes puede necesito hay está están este esta eso sin hacer hago desde hasta todo "
        "todos",
        "it": "il di che non per sono ho mi ti ci gli della delle dei degli nel nella come perché "
        "quando dove molto anche ciao grazie posso voglio questo questa è sei siamo mio mia miei "
        "tuo tua suo sua vorrei puoi può hai sto sta si faccio fa senza tutti tutto sempre "
        "ancora",
        "pt": "os e um uma não é meu minha você vocês com como porque quando onde muito também "
        "olá obrigado obrigada posso quero isso este esta estou tenho do da dos das no na nos "
        "nas meus minhas seu sua pode preciso tem eu pra pro só qual faço faz sem mas",
        "nl": "het een en van ik je jij niet dat met voor op wat hoe waarom wanneer waar mijn jouw "
        "zijn ben heb kan kunt wil graag bedankt ook maar naar uit bij dit deze mij jullie hij "
        "zij wij kunnen moet heeft hebben mag",
        "pl": "w na z się nie to jest że do jak co mój moja moje twój jestem mam mogę chcę "
        "dlaczego kiedy gdzie bardzo też ale dziękuję proszę czy ten ta tego jego jej mnie ty ja "
        "ona wy oni możesz może muszę twoje żeby już nic tak ze oraz albo lub",
        "tr": "bir ve bu için ne nasıl mi mı mu mü ben sen değil çok ile da de ama neden zaman "
        "nerede benim senin var yok lütfen teşekkürler merhaba şu olan bana sana bunu şunu "
        "istiyorum misin mısın olarak gibi kadar sonra önce daha her hiç yoksa diye ise veya",
    }.items()
}
FUNCTION_SHARE = 0.15
MIN_FUNCTION_WORDS = 2

_SCRIPT_LETTERS: dict[str, re.Pattern[str]] = {
    "cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "arabic": re.compile(r"[\u0600-\u06ff]"),
    "han": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]"),
    "kana": re.compile(r"[\u3040-\u30ff]"),
    "hangul": re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"),
    "thai": re.compile(r"[\u0e00-\u0e7f]"),
    "other": re.compile(r"[\u0370-\u03ff\u0590-\u05ff\u0900-\u097f]"),  # Greek, Hebrew, Devanagari
}
_UKRAINIAN = re.compile(r"[іїєґІЇЄҐ]")
_PERSIAN = re.compile(r"[پچژگ]")
# Latin letters none of the eight languages writes: Nordic, Czech and Slovak, Hungarian,
# Romanian, Croatian and Vietnamese, Icelandic. Polish ź ż ś ć ń ł ą ę, Turkish ş ğ ı and the
# Romance and Germanic accents are not here.
_FOREIGN_LATIN = re.compile(r"[åøřěůťďňľĺŕčšžýőűșțăţđðþơưÅØŘĚŮŤĎŇĽĹŔČŠŽÝŐŰȘȚĂŢĐÐÞƠƯ]")


def reads_as_use_language(text: str, latin_only: bool = False, strict: bool = False) -> bool:
    """Whether ``text`` is not English but one of the languages USE multilingual v3 reads.

    ``latin_only`` keeps every text in a non-Latin script out (``prompt_injection``'s path: in
    Russian, Chinese or Arabic its head flagged hard negatives that the text model and the
    multilingual cues leave alone).

    Why: a head on USE embeddings judges French or Japanese well and English is the home model's;
    in a language USE was not trained on (Ukrainian, Persian, Hindi, Hebrew, Greek; Swedish or
    Indonesian among Latin scripts) its embedding is no guide, and a head on it flagged a
    quarter of such benign messages. So: non-Latin text by its main script (Cyrillic without
    Ukrainian letters, Arabic script without Persian letters, Han, kana, Hangul, Thai); Latin
    text only with positive evidence, few English words *and* at least two words, 15% of them,
    function words of *one* of French, German, Spanish, Italian, Portuguese, Dutch, Polish or
    Turkish, so English slang ("lol ok thx") stays English and a Romanian "de ... la" or a
    Swedish "du kan" (words from two lists) is not taken for one of them.

    ``strict`` also keeps out Latin text holding a letter none of the eight languages writes
    (``_FOREIGN_LATIN``): Czech shares "jak", "na" and "si" with Polish, and Danish or Swedish
    short words with Dutch and German, but not their letters.
    """
    group = use_script_group(text, strict=strict, latin_only=latin_only)
    return group is not None and (group == "latin" or not latin_only)


def use_script_group(
    text: str, strict: bool = False, latin_only: bool = False
) -> Literal["latin", "script"] | None:
    """Which of USE's groups ``text`` belongs to (see :func:`reads_as_use_language`), or ``None``.

    ``"latin"``: one of the eight Latin-script languages; ``"script"``: a non-Latin script USE
    reads. A detector with a head per group routes with one call (``latin_only`` skips the
    script count for callers that only take Latin text).
    """
    non_latin = _mostly_non_latin(text)
    if non_latin is None:
        return None
    if non_latin:
        if latin_only:
            return None
        counts = {name: len(rx.findall(text)) for name, rx in _SCRIPT_LETTERS.items()}
        script = max(counts, key=lambda name: counts[name])
        if script == "cyrillic":
            readable = not _UKRAINIAN.search(text)
        elif script == "arabic":
            readable = not _PERSIAN.search(text)
        else:
            readable = script != "other" and counts[script] > 0
        return "script" if readable else None
    if strict and _FOREIGN_LATIN.search(text):
        return None
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if not _few_english_words(words):
        return None
    found = max(sum(w in vocab for w in words) for vocab in _FUNCTION_WORDS.values())
    return "latin" if found >= MIN_FUNCTION_WORDS and found >= FUNCTION_SHARE * len(words) else None
