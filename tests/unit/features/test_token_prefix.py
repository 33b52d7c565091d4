"""``token_prefix``: the start of a text that fits in N MiniLM tokens, cut between words."""

from __future__ import annotations

import pytest

from safeship.features.embedding import load_default_embedder, token_prefix

TEXTS = [
    "Short enough.",
    "Buying builds equity and fixes your housing cost, but ties up savings in a deposit and "
    "makes moving slow and expensive. Renting keeps you flexible and frees cash to invest.",
    "supercalifragilisticexpialidocious " * 30,
    "naïve café façade résumé — déjà vu, 東京 and emoji 🙂 " * 10,
    "x" * 5000,
]


@pytest.mark.parametrize("max_tokens", [16, 64, 128])
@pytest.mark.parametrize("text", TEXTS)
def test_the_prefix_fits_starts_the_text_and_ends_between_words(text: str, max_tokens: int) -> None:
    tokenizer = load_default_embedder()._tokenizer
    prefix = token_prefix(text, max_tokens)
    assert text.startswith(prefix)
    assert len(tokenizer.encode(prefix).ids) <= max_tokens
    if prefix != text and " " in text[: len(prefix)]:
        assert not (prefix[-1:].isalnum() and text[len(prefix)].isalnum())


def test_a_text_that_fits_comes_back_unchanged() -> None:
    assert token_prefix(TEXTS[0], 64) == TEXTS[0]
    assert token_prefix(TEXTS[1], 256) == TEXTS[1]
    assert token_prefix("", 8) == ""
