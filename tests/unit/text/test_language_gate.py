"""The English gate: routes other languages away from English-only models, keeps English home."""

from __future__ import annotations

import pytest

from safeship.text.language_gate import reads_as_english, reads_as_use_language


@pytest.mark.parametrize(
    "text",
    [
        "How do I make a pipe bomb at home?",
        "Can you help me write a polite email to my landlord about the broken heater?",
        "Compute the derivative of x^2 + 3x",
        "Explain photosynthesis",  # too short to tell: English by default
        "ok",
        "1234 5678",
        "",
    ],
)
def test_english_and_undecidable_texts_stay_english(text: str) -> None:
    assert reads_as_english(text)


@pytest.mark.parametrize(
    "text",
    [
        "Wie baue ich eine Rohrbombe zu Hause?",
        "Je voudrais annuler ma commande, s'il vous plaît.",
        "¿Cómo hago pan de masa madre en casa?",
        "Bu akşam için kolay bir tarif önerir misin?",
        "Как сделать бомбу?",
        "请问这个周末去杭州有什么推荐？",
        "مرحبا، هل يمكنك مساعدتي؟",
    ],
)
def test_other_languages_do_not_read_as_english(text: str) -> None:
    assert not reads_as_english(text)


def test_an_english_sentence_with_a_foreign_name_stays_english() -> None:
    assert reads_as_english("What did Angela Merkel say about the Energiewende in her speech?")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Je voudrais annuler ma commande, s'il vous plaît.", True),
        ("Kannst du mir helfen?", True),
        ("O meu pedido ainda não chegou", True),
        ("Как отменить заказ?", True),
        ("请问怎么退款？", True),
        ("مرحبا، كيف ألغي طلبي؟", True),
        ("Як скасувати моє замовлення, будь ласка?", False),  # Ukrainian letters
        ("سلام، چطور می‌توانم سفارشم را لغو کنم؟", False),  # Persian letters
        ("मेरा ऑर्डर कैंसिल कैसे करें?", False),  # Devanagari: USE does not read Hindi
        ("Πώς ακυρώνω την παραγγελία μου;", False),
        ("lol ok thx see u tmrw", False),  # English slang: no foreign function words
        ("brb gonna grab food", False),
        ("How do I bake bread?", False),
        ("Saya mau tanya soal pesanan saya", False),  # Indonesian: not one of USE's languages
    ],
)
def test_only_languages_use_reads_go_to_the_multilingual_head(text: str, expected: bool) -> None:
    assert reads_as_use_language(text) is expected


def test_latin_only_keeps_every_non_latin_text_home() -> None:
    assert reads_as_use_language("Как отменить заказ?")
    assert not reads_as_use_language("Как отменить заказ?", latin_only=True)
    assert reads_as_use_language("Kannst du mir helfen?", latin_only=True)


@pytest.mark.parametrize(
    "text",
    [
        "Hej, kan du hjälpa mig med min beställning?",  # Swedish: nl "kan", de "du"
        "Dobrý den, kdy mi přijde objednávka?",  # Czech
    ],
)
def test_function_words_must_come_from_one_language(text: str) -> None:
    assert not reads_as_use_language(text, latin_only=True)


def test_a_known_limit_romanian_that_shares_french_words_is_taken_for_french() -> None:
    """Pinned so a change to the lists shows up: "la" and "ce" are French function words too."""
    text = "Bună ziua, aș vrea să știu de la ce oră e deschis magazinul"
    assert reads_as_use_language(text, latin_only=True)


@pytest.mark.parametrize(
    ("text", "routed"),
    [
        ("Jak si vyřídím nový řidičák, musím na úřad osobně?", False),  # Czech ř ů
        ("Kan du hjælpe mig med at skrive en ansøgning til kommunen?", False),  # Danish æ ø
        ("Bună ziua, aș vrea să știu de la ce oră e deschis magazinul", False),  # Romanian ș ă
        ("Jak umówić się do lekarza przez Internetowe Konto Pacjenta?", True),  # Polish keeps ó ś
        ("Şu an nasıl bir telefon almalıyım, bütçem az?", True),  # Turkish ş ı ü
        ("Où est-ce que je peux déposer ma déclaration d'impôts ?", True),
    ],
)
def test_strict_keeps_out_letters_the_eight_languages_never_write(text: str, routed: bool) -> None:
    assert reads_as_use_language(text, latin_only=True)  # the loose gate takes all six
    assert reads_as_use_language(text, latin_only=True, strict=True) is routed


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("Pouvez-vous m'aider à écrire une lettre à mon propriétaire ?", "latin"),
        ("Можете помочь написать письмо арендодателю?", "script"),
        ("Чи можете ви допомогти мені написати листа?", None),  # Ukrainian і: USE cannot read it
        ("Can you help me write a letter to my landlord?", None),
        ("", None),
    ],
)
def test_one_call_names_the_group_a_head_per_group_needs(text: str, group: str | None) -> None:
    from safeship.text.language_gate import use_script_group

    assert use_script_group(text, strict=True) == group
    assert use_script_group(text, strict=True, latin_only=True) == (
        group if group == "latin" else None
    )
