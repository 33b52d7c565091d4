"""Many texts are hashed in one pass, with exactly the counts of hashing each alone."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from safeship.features.hashing import BATCH_FROM, MAX_CHARS, HashedRows, NgramHasher

HASHER = NgramHasher()


def one_by_one(texts: list[str]) -> HashedRows:
    return HashedRows.stack([HASHER.rows([t]) for t in texts])


def assert_same(a: HashedRows, b: HashedRows) -> None:
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)
    assert a.data.dtype == b.data.dtype and a.indices.dtype == b.indices.dtype


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=BATCH_FROM, max_size=60))
def test_a_batch_counts_exactly_what_each_text_alone_counts(texts: list[str]) -> None:
    assert_same(HASHER.rows(texts), one_by_one(texts))


def test_edge_texts_in_a_batch() -> None:
    """Empty texts, one character, NUL, other scripts, and texts past ``MAX_CHARS`` (cut)."""
    texts = [
        "",
        "a",
        "ab",
        "\x00\x00",
        "日本語のテキスト",
        "x" * (MAX_CHARS + 500),
        "  spaced  out  ",
    ]
    texts = (texts * 3)[: max(BATCH_FROM, len(texts))]
    assert_same(HASHER.rows(texts), one_by_one(texts))


def test_no_n_gram_crosses_from_one_text_into_the_next() -> None:
    """The texts are hashed joined; "ab" + "cd" must not count the bigram "bc"."""
    texts = ["ab", "cd"] * BATCH_FROM
    batch = HASHER.rows(texts)
    assert_same(batch, one_by_one(texts))
    assert batch.row(0).indices.size == HASHER.rows(["ab"]).indices.size


def test_many_passes_are_joined_in_order() -> None:
    """Past ``BATCH_CHARS`` the texts are hashed in several passes (bounded memory)."""
    from safeship.features.hashing import BATCH_CHARS, BATCH_MEAN

    texts = [f"Sentence number {i} of a long paste, with some words." for i in range(9000)]
    assert sum(map(len, texts)) > 3 * BATCH_CHARS and len(texts[0]) < BATCH_MEAN
    assert_same(HASHER.rows(texts), one_by_one(texts))
    assert_same(HASHER.rows(texts[::-1]), one_by_one(texts[::-1]))
