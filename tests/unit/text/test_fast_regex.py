"""The guarded and dispatched regexes must match exactly what their source patterns match."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from safeship.detectors import _stance
from safeship.text.fast_regex import (
    compile_dispatch,
    compile_guarded,
    first_chars,
    source_of,
    split_alternatives,
)

DATA = Path(__file__).resolve().parents[3] / "training" / "data"
STANCE = ("_REFUSAL", "_ALTERNATIVE", "_PIVOT", "_COMPLY_OPEN", "_HOTLINE")


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def corpus() -> list[str]:
    texts = [
        json.loads(line)["response"]
        for name in ("refusal_val.jsonl", "harmful_response_own.jsonl")
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
    ]
    rng = random.Random(0)
    shuffled = ["  ".join(rng.sample(texts, 3)) for _ in range(300)]
    return texts + [t.upper() for t in texts[:400]] + shuffled + ["", "No.", "  no!", "我不能"]


def test_split_respects_groups_classes_and_escapes() -> None:
    assert split_alternatives(r"a|b(?:c|d)|[|x]|\||e") == ["a", "b(?:c|d)", "[|x]", r"\|", "e"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"\bcat", {"c"}),
        (r"(?:dog|cow)s?", {"d", "c"}),
        (r"x?yz", {"x", "y"}),
        (r"[a-c]q", {"a", "b", "c"}),
        (r"^\s*no", None),
        (r"\w+", None),
        (r"a?", None),
    ],
)
def test_first_chars(source: str, expected: set[str] | None) -> None:
    parser = __import__("importlib").import_module("re._parser")
    assert first_chars(parser.parse(source, 0)) == expected


@pytest.mark.parametrize("name", STANCE)
def test_stance_patterns_match_exactly_like_their_sources(name: str) -> None:
    fast = getattr(_stance, name)
    original = re.compile(source_of(fast), fast.flags)
    assert fast.pattern != original.pattern, "the pattern was not rewritten"
    texts = corpus()
    assert any(original.search(t) for t in texts), "the corpus never exercises this pattern"
    for text in texts:
        assert spans(fast, text) == spans(original, text), text[:80]


def test_branch_order_is_kept_within_a_first_character() -> None:
    # "ab" is listed before "abc": leftmost-first must still pick "ab", in either case
    source = r"ab|xy|abc|z+|^q|Ab"
    for flags in (0, re.IGNORECASE | re.MULTILINE):
        fast, plain = compile_dispatch(source, flags), re.compile(source, flags)
        guarded = compile_guarded(source, flags)
        for text in ("abc", "ABC", "xyz zz q", "q\nq", "Abc", "b"):
            assert spans(fast, text) == spans(plain, text) == spans(guarded, text)


def test_a_branch_that_can_start_anywhere_compiles_unchanged() -> None:
    assert compile_guarded(r"\bfoo|\w+bar").pattern == r"\bfoo|\w+bar"
