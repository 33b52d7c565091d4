"""Real documents for training and rules: the halves never share a document, passages are bounded."""

from __future__ import annotations

import re

from training.real_documents import (
    MAX_PASSAGE,
    MIN_PASSAGE,
    Document,
    half_of,
    passages,
    reference_topics,
    sampled_passages,
    stdlib_sources,
)


def test_the_two_halves_of_the_standard_library_share_no_module() -> None:
    train = {d.name for d in stdlib_sources("train")}
    dev = {d.name for d in stdlib_sources("dev")}
    assert len(train) > 100 and len(dev) > 100
    assert not train & dev
    assert not any("/test/" in n or "/idlelib/" in n for n in train | dev)
    assert all(half_of(n.removeprefix("stdlib/")) == "train" for n in train)


def test_the_reference_topics_split_the_same_way() -> None:
    train = {d.name for d in reference_topics("train")}
    dev = {d.name for d in reference_topics("dev")}
    assert train and dev and not train & dev


def test_passages_are_bounded_and_keep_every_word_in_order() -> None:
    blocks = [f"Paragraph {i}. " + "word " * (i * 37 % 300) for i in range(60)]
    blocks.append("x" * (3 * MAX_PASSAGE))  # one block longer than a passage is cut
    text = "\n\n".join(blocks)
    found = passages(text)
    assert all(len(p) <= MAX_PASSAGE for p in found)
    assert all(len(p) >= MIN_PASSAGE for p in found[:-1])
    squash = re.compile(r"\s+")
    assert squash.sub("", "".join(found)) == squash.sub("", text)


def test_a_short_tail_joins_the_passage_before_it() -> None:
    text = "a" * 500 + "\n\n" + "tail words"
    assert passages(text) == ["a" * 500 + "\n\ntail words"]


def test_sampled_passages_are_fixed_by_the_seed_and_capped_per_document() -> None:
    docs = [Document(f"d{i}", "source", "\n\n".join(["z" * 450] * 9)) for i in range(4)]
    first = list(sampled_passages(docs, 3, seed=7))
    assert first == list(sampled_passages(docs, 3, seed=7))
    assert len(first) == 12
    assert {name for name, _ in first} == {"d0", "d1", "d2", "d3"}
