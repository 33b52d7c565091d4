"""Long runs of combining marks are cut before NFKC; real writing normalises exactly as before.

CPython sorts a run of combining marks with an insertion sort, so NFKD/NFKC of one letter with
200,000 marks of alternating combining classes took ~23 s in ``normalise`` and as long again in
the deny-rule fold (``safeship.text.marks``): a 1 MB request body held the server for minutes.
``cap_marks`` cuts every run of marks to ``MAX_MARKS`` and the fold drops marks before
decomposing. These tests pin both the speed and that legitimate text, whose marks carry
meaning for every detector downstream, comes out of ``normalise`` unchanged.
"""

from __future__ import annotations

import sys
import time
import unicodedata

import pytest

from safeship.policy.engine import match_rules
from safeship.policy.load import parse_policy
from safeship.text.marks import MAX_MARKS, cap_marks, fold_char, fold_marks
from safeship.text.normalise import normalise
from safeship.types import Stage

# Written for these tests: every script here stacks marks, and some emoji carry selectors.
LEGITIMATE = [
    "Crème brûlée, naïve façade, São Paulo, Ångström, Øresund, Dvořák, Łódź, İstanbul.",
    unicodedata.normalize("NFD", "Crème brûlée, naïve façade, résumé, jalapeño, Zürich."),
    "Tiếng Việt có dấu: người, nghiệp, thưởng, Nguyễn Phúc Ưng, chuyện ổn định.",
    unicodedata.normalize("NFD", "Tiếng Việt: người, nghiệp, thưởng, ổn định, kỹ thuật."),
    "नमस्ते दुनिया, क़िताब, ज़्यादा, हिन्दी, संस्कृतम्, चाँद, पढ़ाई, श्रृंखला।",
    "বাংলা ভাষা, தமிழ் மொழி, ગુજરાતી, ਪੰਜਾਬੀ, ಕನ್ನಡ, മലയാളം, తెలుగు.",
    "בְּרֵאשִׁ֖ית בָּרָ֣א אֱלֹהִ֑ים אֵ֥ת הַשָּׁמַ֖יִם וְאֵ֥ת הָאָֽרֶץ׃",
    "שָׁלוֹם עֲלֵיכֶם, מַה־שְּׁלוֹמְךָ? יְרוּשָׁלַיִם",
    "بِسْمِ ٱللَّٰهِ ٱلرَّحْمَٰنِ ٱلرَّحِيمِ — مَرْحَبًا بِكُمْ",
    "ภาษาไทย ที่นี่ น้ำ ผู้ใหญ่ กิ๋ว, ພາສາລາວ, ភាសាខ្មែរ, မြန်မာဘာသာ",
    "བཀྲ་ཤིས་བདེ་ལེགས། སྒྲུབ་བསྒྲུབས་ཧཱུྃ་ཀྵྰ",
    "Привет, йогурт и ёлка; й and ё decomposed: и\u0306 е\u0308; Ελληνικά: ἄνθρωπος, ᾧ.",
    "Emoji: 👨\u200d👩\u200d👧\u200d👦 ❤\ufe0f 1\ufe0f\u20e3 🏳\ufe0f\u200d🌈 👍🏽 ☺\ufe0e 🇵🇹",
    "Flag of Scotland 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f, "
    "ideographic variant 葛\U000e0100.",
    "Halfwidth katakana ｶﾞｷﾞﾊﾟ, fullwidth ＡＢＣ１２３, ligature ﬁne, Hangul 한국어, "
    + unicodedata.normalize("NFD", "한국어"),
    "IPA: [ˈpʰɪ̃ŋ], [t̪ʰ], [ə̃ː], n̩, a\u0361i; enclosed: a\u20dd, 1\u20e3.",
    "Music 𝅗𝅥 𝅘𝅥𝅮 and 𝆹𝅥𝅯 with their spacing stems; combining grapheme joiner a\u034f\u0301b.",
    "Moderate zalgo h\u0337\u0322\u0335e\u0334\u0328\u0336l\u0338\u0321l\u0489o — "
    + "x"
    + "\u0301\u0316" * (MAX_MARKS // 2),
    "Mixed: café 🙂 नमस्ते Tiếng שָׁלוֹם ﬁ ²³ ½ 𝐁𝐨𝐥𝐝 ｗｉｄｅ ℌ𝔢𝔩𝔩𝔬 ⅷ, then ASCII.",
    # long enough to take the windowed path of normalise
    ("Tiếng Việt người नमस्ते שָׁלוֹם ❤\ufe0f " * 1500),
]

ALTERNATING = "sarin " + "a" + "\u0301\u0316" * 100_000  # combining classes 230 and 220
ASTRAL_MIXED = "sarin " + "a" + "\U0001d165\u0301\U0001d16d\u0316" * 50_000  # Mc 216/226 too
HOSTILE = [ALTERNATING, ASTRAL_MIXED, "sarin " + "\uff9e\U0001d165" * 100_000]

DENY = (
    parse_policy(
        """
version: 1
features:
  chat:
    input: []
    rules:
      deny:
        - name: w
          keywords: ["sarin"]
          action: redact
"""
    )
    .policy.features["chat"]
    .rules.deny
)


@pytest.mark.parametrize("text", LEGITIMATE, ids=range(len(LEGITIMATE)))
def test_legitimate_text_normalises_exactly_as_before(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real writing never reaches the cap, so every view and transform is what it was.

    "Before" is ``normalise`` with ``cap_marks`` replaced by the identity: the only step this
    change added.
    """
    assert cap_marks(text) == text
    new = normalise(text)
    # the module, not the function ``safeship.text`` re-exports under the same name
    monkeypatch.setattr(sys.modules["safeship.text.normalise"], "cap_marks", lambda t: t)
    old = normalise(text)
    assert new == old


@pytest.mark.parametrize("text", LEGITIMATE, ids=range(len(LEGITIMATE)))
def test_the_mark_fold_equals_the_fold_of_each_character(text: str) -> None:
    """Dropping marks before NFKD leaves the fold, and so the offset map, exact."""
    expected = "".join(fold_char(c) for c in text)
    folds = fold_marks(text)
    assert folds[0].text == expected if folds else expected == text
    for folded in folds[:1]:
        start = folded.text.find("ng")
        if start >= 0:
            s, e = folded.span(start, start + 2)
            assert "".join(fold_char(c) for c in text[s:e]) == "ng"


def test_long_runs_of_marks_are_cut_to_the_cap() -> None:
    """Zalgo runs keep their first ``MAX_MARKS`` marks; the letters around them stay."""
    marks = "\u0301\u0316" * 20
    assert cap_marks(f"a{marks}b{marks}") == f"a{marks[:MAX_MARKS]}b{marks[:MAX_MARKS]}"
    astral = "\U0001d165\u0301" * 20  # a run that mixes astral and BMP marks is one run
    assert cap_marks(f"a{astral}") == f"a{astral[:MAX_MARKS]}"
    result = normalise("a" + marks * 100)
    assert "marks" in result.transforms and len(result.normalised) <= 1 + MAX_MARKS


@pytest.mark.parametrize("text", HOSTILE, ids=["alternating", "astral-mixed", "halfwidth"])
def test_alternating_marks_normalise_and_match_in_linear_time(text: str) -> None:
    """200K hostile characters took ~23 s in each step; now well under a second each."""
    start = time.perf_counter()
    views = normalise(text).views
    normalised = time.perf_counter() - start
    start = time.perf_counter()
    hits = match_rules(DENY, "deny", text, views, Stage.INPUT)
    matched = time.perf_counter() - start
    print(f"len={len(text)} normalise={normalised:.3f}s match_rules={matched:.3f}s")
    assert normalised < 2.0 and matched < 2.0
    (hit,) = hits
    assert [text[f.start : f.end] for f in hit.findings] == ["sarin"]


LOCATE_CASES = [
    # a hostile run of marks beside an address folded each cluster with NFKC, uncapped: 80,000
    # alternating marks after one letter took 5.8 s, and pii locates any address a view shows
    *(
        (
            f"mail jose\u00ad\u0301@example.com {text}",
            "jos\u00e9@example.com",
            "jose\u00ad\u0301@example.com",
        )
        for text in HOSTILE
    ),
    # each dropped character of a long run rescanned the rest of it: 16,000 soft hyphens after
    # an address took 14.5 s (a review of session 20's cluster change)
    *(
        (
            "write to jane@example.com " + hidden * 20_000 + " thanks \u00e9",
            "jane@example.com",
            "jane@example.com",
        )
        for hidden in ("\u00ad", "\U000e0041", "\u034f")
    ),
]


@pytest.mark.parametrize(
    ("written", "value", "span_text"),
    LOCATE_CASES,
    ids=["alternating", "astral-mixed", "halfwidth", "soft-hyphens", "tags", "cgj"],
)
def test_locating_a_value_beside_hostile_text_is_linear(
    written: str, value: str, span_text: str
) -> None:
    """Clusters are capped as the normaliser caps them, and a run of dropped characters that no
    mark follows is skipped in one step."""
    from safeship.text.locate import Folding

    start = time.perf_counter()
    spans = Folding(written).locate_all(value)
    took = time.perf_counter() - start
    print(f"len={len(written)} locate={took:.3f}s")
    assert took < 2.0
    assert [written[s:e] for s, e in spans] == [span_text]
