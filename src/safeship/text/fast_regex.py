r"""Compile long phrase alternations so ``re`` stops trying every branch at every position.

Python's ``re`` has no prefix index for ``a|b|c|...``: at each position of the text it tries every
branch in turn. The refusal-wording pattern of the output detectors has 56 branches and took about
0.3 ms on a 300-character answer, more than the n-gram model that uses it. :func:`compile_dispatch`
recompiles such a pattern as a dispatch on the first character each branch can start with::

    (?=[iI])(?:branches that can start with i)|(?=[nN])(?:branches that can start with n)|...

At a position where the next character is ``c``, only branches that can start with ``c`` can match,
and they are tried in their original order, so the match (its start, its end, the branch that wins)
is exactly the original pattern's. Branches whose first character cannot be known (``^\s*no``,
``\w+``) are kept in every group and in a final group for all other positions, so nothing is lost.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

_parser: Any = importlib.import_module("re._parser")  # stdlib; no public API for parse trees
_c: Any = importlib.import_module("re._constants")
_SOURCES: dict[str, str] = {}


def split_alternatives(pattern: str) -> list[str]:
    """The top-level ``|`` branches of a regex source (escapes, classes and groups respected)."""
    out: list[str] = []
    current: list[str] = []
    depth, in_class, i = 0, False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            current.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]" or bool(current and current[-1] == "[")
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    out.append("".join(current))
    return out


def _first_of_set(items: list[tuple[Any, Any]]) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < 256:
            chars.update(chr(x) for x in range(av[0], av[1] + 1))
        else:  # NEGATE, categories (\w, \d), huge ranges: unknown
            return None
    return chars


def first_chars(items: Any) -> set[str] | None:
    """Characters a match of the parsed sequence ``items`` can start with; ``None``: unknown.

    Zero-width word boundaries are skipped; line anchors, look-arounds, wildcards, categories and
    sequences that can match the empty string give ``None`` (the caller must try them anywhere).
    """
    chars: set[str] = set()
    for op, av in items:
        if op is _c.AT and av in (_c.AT_BOUNDARY, _c.AT_NON_BOUNDARY):
            continue
        if op is _c.LITERAL:
            return chars | {chr(av)}
        if op is _c.IN:
            found = _first_of_set(list(av))
            return None if found is None else chars | found
        if op is _c.SUBPATTERN:
            found = first_chars(av[3])
            return None if found is None else chars | found
        if op is _c.BRANCH:
            for branch in av[1]:
                found = first_chars(branch)
                if found is None:
                    return None
                chars |= found
            return chars
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            low, _high, sub = av
            found = first_chars(sub)
            if found is None:
                return None
            chars |= found
            if low > 0:
                return chars
            continue  # optional: the next item may start the match too
        return None
    return None  # the whole sequence can be empty


def _class(chars: set[str]) -> str:
    return "[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]"


def _fold(ch: str) -> str:
    low = ch.lower()
    return low if len(low) == 1 else ch


def _starts(items: Any, kind: Any) -> bool:
    return bool(items) and items[0][0] is _c.AT and items[0][1] is kind


def compile_guarded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    r"""``re.compile(pattern, flags)`` behind a cheap guard on where a match can start.

    The guard is a look-ahead implied by the branches themselves: ``(?=\b[chars])`` for branches
    that open with a word boundary, ``(?=[chars])`` for other branches with a known first
    character, ``^`` for branches anchored at a line start. It rejects most positions with one
    character test instead of one attempt per branch, and since every match satisfies it, the
    matches are exactly the original's. A branch that can start anywhere (``.*``, ``\w``) makes
    the pattern compile unchanged.
    """
    source = pattern
    pattern = _spread_word_group(pattern)
    branches = split_alternatives(pattern)
    parsed = [_parser.parse(branch, flags) for branch in branches]
    firsts = [first_chars(items) for items in parsed]
    bounded: set[str] = set()
    anywhere: set[str] = set()
    anchored = False
    for items, first in zip(parsed, firsts, strict=True):
        if first is not None:
            (bounded if _starts(items, _c.AT_BOUNDARY) else anywhere).update(first)
        elif _starts(items, _c.AT_BEGINNING):
            anchored = True
        else:
            return re.compile(source, flags)
    guards = [f"(?=\\b{_class(bounded)})"] if bounded else []
    guards += [f"(?={_class(anywhere)})"] if anywhere else []
    guards += ["^"] if anchored else []
    body = _dispatch_source(branches, firsts, flags) or pattern
    compiled = re.compile(f"(?:{'|'.join(guards)})(?:{body})", flags)
    _SOURCES[compiled.pattern] = source
    return compiled


def source_of(compiled: re.Pattern[str]) -> str:
    """The pattern a :func:`compile_guarded` result was built from (tests compare the two)."""
    return _SOURCES.get(compiled.pattern, compiled.pattern)


def _spread_word_group(pattern: str) -> str:
    r"""``\b(?:a|b)\b`` -> ``\b(?:a)\b|\b(?:b)\b``: the same branches tried in the same order.

    Only a pattern that is exactly one such group is rewritten; anything else is returned as is.
    """
    head, tail = "\\b(?:", ")\\b"
    if not (pattern.startswith(head) and pattern.endswith(tail)):
        return pattern
    inner = pattern[len(head) : -len(tail)]
    if len(split_alternatives(pattern)) != 1 or not _balanced(inner):
        return pattern
    return "|".join(f"{head}{branch}{tail}" for branch in split_alternatives(inner))


def _balanced(pattern: str) -> bool:
    try:
        _parser.parse(pattern, 0)
    except re.error:
        return False
    return True


def compile_dispatch(pattern: str, flags: int = 0) -> re.Pattern[str]:
    r"""``re.compile(pattern, flags)``, rewritten to dispatch on first characters (same matches).

    ``(?=[iI])(?:branches that can start with i)|(?=[nN])(?:...)|...``: at a position where the
    next character is ``c`` only the branches that can start with ``c`` are tried, in their
    original order, so the match (start, end, winning branch) is the original's. Branches whose
    first character is unknown (``^\s*no``) sit in every group and in a last group for every other
    character. Patterns of fewer than four branches compile unchanged.
    """
    branches = split_alternatives(pattern)
    firsts = [first_chars(_parser.parse(b, flags)) for b in branches]
    return re.compile(_dispatch_source(branches, firsts, flags) or pattern, flags)


def _dispatch_source(branches: list[str], firsts: list[set[str] | None], flags: int) -> str | None:
    """The dispatching source of ``branches`` (see :func:`compile_dispatch`), or None."""
    if len(branches) < 4 or all(f is None for f in firsts):
        return None
    if flags & re.IGNORECASE:  # "I" and "i" must land in one group, or branch order could change
        firsts = [None if f is None else {_fold(ch) for ch in f} for f in firsts]
    chars = sorted({ch for f in firsts if f is not None for ch in f})
    groups: dict[tuple[int, ...], set[str]] = {}
    for ch in chars:
        members = tuple(i for i, f in enumerate(firsts) if f is None or ch in f)
        groups.setdefault(members, set()).add(ch)
    parts = [
        f"(?={_class(group)})(?:{'|'.join(branches[i] for i in members)})"
        for members, group in groups.items()
    ]
    unknown = [branches[i] for i, f in enumerate(firsts) if f is None]
    if unknown:
        parts.append(f"(?!{_class(set(chars))})(?:{'|'.join(unknown)})")
    return "|".join(parts)
