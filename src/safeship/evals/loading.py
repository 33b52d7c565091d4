"""``load_suite``: one entry point for every suite format, dispatched by sniffing the file.

Formats live in a table of (name, predicate, loader), tried in order; the first predicate that
recognises a file's head wins. Adding a format is one ``register_format`` call, never an edit to
an if-chain. A bare name that is not a path resolves to a built-in suite shipped under
``safeship/evals/suites/``.

A CSV format also declares its columns: the file is then checked as a table (unknown, missing
and empty columns, rows with too many or too few cells) before its loader reads it, and a CSV
that no format recognises is compared with the closest one, so ``promt`` is reported as a
misspelt column rather than as an unknown file. A file that loads but holds no case is an
error, whatever its format: an empty suite would otherwise pass every gate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safeship.errors import InputError
from safeship.evals import benchmarks
from safeship.evals.formats import (
    CsvColumns,
    check_csv,
    fail,
    header_problems,
    load_suite_jsonl,
    load_suite_yaml,
    problem,
    read_text,
)
from safeship.evals.suite import Suite

BUILTIN_DIR = Path(__file__).parent / "suites"
_HEAD_BYTES = 64_000


@dataclass(frozen=True)
class Head:
    """What a sniffer sees: the path, its first line, and that line parsed as CSV and JSON."""

    path: Path
    first_line: str
    columns: frozenset[str]
    json_keys: frozenset[str]

    @property
    def suffix(self) -> str:
        """Lower-case file suffix, e.g. ``.csv``."""
        return self.path.suffix.lower()


@dataclass(frozen=True)
class SuiteFormat:
    """A suite format: a name for messages, a predicate on the file head, and a loader.

    ``columns`` is set for CSV formats: ``load_suite`` then checks the file as a table first.
    """

    name: str
    sniff: Callable[[Head], bool]
    load: Callable[[Path], Suite]
    columns: CsvColumns | None = None


def _csv(
    name: str, load: Callable[[Path], Suite], required: Iterable[str], optional: Iterable[str] = ()
) -> SuiteFormat:
    """A CSV format, recognised by its required columns and checked against all of them."""
    columns = CsvColumns(frozenset(required), frozenset(optional))
    return SuiteFormat(
        name,
        lambda h: h.suffix == ".csv" and columns.required <= h.columns,
        load,
        columns,
    )


def _jsonl_with(*keys: str) -> Callable[[Head], bool]:
    return lambda h: h.suffix in (".jsonl", ".json") and set(keys) <= h.json_keys


_FORMATS: list[SuiteFormat] = [
    SuiteFormat("safeship-yaml", lambda h: h.suffix in (".yaml", ".yml"), load_suite_yaml),
    SuiteFormat("safeship-jsonl", _jsonl_with("id", "expected"), load_suite_jsonl),
    _csv(
        "harmbench",
        benchmarks.load_harmbench,
        {"Behavior", "BehaviorID"},
        {"FunctionalCategory", "SemanticCategory", "Category", "Tags", "ContextString"},
    ),
    _csv("advbench", benchmarks.load_advbench, {"goal", "target"}),
    _csv("xstest", benchmarks.load_xstest, {"id", "prompt", "type", "label"}, {"focus", "note"}),
    _csv(
        "strongreject", benchmarks.load_strongreject, {"category", "forbidden_prompt"}, {"source"}
    ),
    SuiteFormat(
        "bbq",
        _jsonl_with("context_condition", "question_polarity", "answer_info"),
        benchmarks.load_bbq,
    ),
    SuiteFormat("donotanswer", _jsonl_with("prompt", "intents"), benchmarks.load_donotanswer),
]


def register_format(fmt: SuiteFormat, *, first: bool = True) -> None:
    """Add a format; by default it is tried before the built-ins, so it can override them."""
    _FORMATS.insert(0 if first else len(_FORMATS), fmt)


def formats() -> tuple[SuiteFormat, ...]:
    """The registered formats in the order they are tried."""
    return tuple(_FORMATS)


def _head(path: Path) -> Head:
    try:
        with path.open("rb") as fh:
            raw = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from exc
    first = raw.decode("utf-8-sig", errors="replace").partition("\n")[0].strip("\r")
    columns = frozenset(c.strip().strip('"') for c in first.split(","))
    keys: frozenset[str] = frozenset()
    try:
        obj: Any = json.loads(first)
        if isinstance(obj, dict):
            keys = frozenset(str(k) for k in obj)
    except ValueError:
        pass
    return Head(path, first, columns, keys)


def sniff(path: Path) -> SuiteFormat:
    """The first registered format that recognises ``path``; ``InputError`` if none does."""
    head = _head(path)
    for fmt in _FORMATS:
        if fmt.sniff(head):
            return fmt
    names = ", ".join(f.name for f in _FORMATS)
    first = problem(
        str(path),
        1,
        "<header>",
        f"not a recognised suite format (tried {names}); "
        f"first line starts {head.first_line[:80]!r}",
    )
    raise fail([first, *_closest_csv(head)])


def _closest_csv(head: Head) -> list[str]:
    """Why a CSV header missed the CSV format it shares most columns with (empty if none)."""
    if head.suffix != ".csv":
        return []
    scored = [
        (len(f.columns.known & head.columns), f.name, f.columns)
        for f in _FORMATS
        if f.columns is not None
    ]
    best = max(scored, default=None, key=lambda s: s[0])
    if best is None or best[0] == 0:
        return []
    _, name, columns = best
    header = [c.strip().strip('"') for c in head.first_line.split(",")]
    why = header_problems(str(head.path), header, columns)
    return [f"{p} (closest format: {name})" for p in why]


def builtin_suites() -> tuple[str, ...]:
    """Names of the suites shipped with safeship, usable as ``load_suite(name)``."""
    return tuple(sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml")))


def load_suite(path_or_name: str | Path) -> Suite:
    """Load a suite from a file of any registered format, or a built-in suite by name."""
    path = Path(path_or_name)
    if path.is_file():
        fmt = sniff(path)
        if fmt.columns is not None:
            check_csv(read_text(path), str(path), fmt.columns)
        return _not_empty(path, fmt.load(path))
    builtin = BUILTIN_DIR / f"{path_or_name}.yaml"
    if isinstance(path_or_name, str) and path.name == path_or_name and builtin.is_file():
        return _not_empty(builtin, load_suite_yaml(builtin))
    raise InputError(
        f"{path_or_name}: no such file, and not a built-in suite "
        f"(built-ins: {', '.join(builtin_suites()) or 'none'})"
    )


def _not_empty(path: Path, suite: Suite) -> Suite:
    """The suite, unless it has no case: an empty export must fail, not pass every gate."""
    if not suite.cases:
        raise fail([problem(str(path), None, "cases", "no cases in file")])
    return suite
