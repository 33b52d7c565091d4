"""``load_suite``: one entry point for every suite format, dispatched by sniffing the file.

Formats live in a table of (name, predicate, loader), tried in order; the first predicate that
recognises a file's head wins. Adding a format is one ``register_format`` call, never an edit to
an if-chain. A bare name that is not a path resolves to a built-in suite shipped under
``safeship/evals/suites/``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safeship.errors import InputError
from safeship.evals import benchmarks
from safeship.evals.formats import load_suite_jsonl, load_suite_yaml
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
    """A suite format: a name for messages, a predicate on the file head, and a loader."""

    name: str
    sniff: Callable[[Head], bool]
    load: Callable[[Path], Suite]


def _csv_with(*cols: str) -> Callable[[Head], bool]:
    return lambda h: h.suffix == ".csv" and set(cols) <= h.columns


def _jsonl_with(*keys: str) -> Callable[[Head], bool]:
    return lambda h: h.suffix in (".jsonl", ".json") and set(keys) <= h.json_keys


_FORMATS: list[SuiteFormat] = [
    SuiteFormat("safeship-yaml", lambda h: h.suffix in (".yaml", ".yml"), load_suite_yaml),
    SuiteFormat("safeship-jsonl", _jsonl_with("id", "expected"), load_suite_jsonl),
    SuiteFormat("harmbench", _csv_with("Behavior", "BehaviorID"), benchmarks.load_harmbench),
    SuiteFormat("advbench", _csv_with("goal", "target"), benchmarks.load_advbench),
    SuiteFormat("xstest", _csv_with("prompt", "type", "label"), benchmarks.load_xstest),
    SuiteFormat("strongreject", _csv_with("forbidden_prompt"), benchmarks.load_strongreject),
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
    raise InputError(
        f"{path}:1: <header>: not a recognised suite format (tried {names}); "
        f"first line starts {head.first_line[:80]!r}"
    )


def builtin_suites() -> tuple[str, ...]:
    """Names of the suites shipped with safeship, usable as ``load_suite(name)``."""
    return tuple(sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml")))


def load_suite(path_or_name: str | Path) -> Suite:
    """Load a suite from a file of any registered format, or a built-in suite by name."""
    path = Path(path_or_name)
    if path.is_file():
        return sniff(path).load(path)
    builtin = BUILTIN_DIR / f"{path_or_name}.yaml"
    if isinstance(path_or_name, str) and path.name == path_or_name and builtin.is_file():
        return load_suite_yaml(builtin)
    raise InputError(
        f"{path_or_name}: no such file, and not a built-in suite "
        f"(built-ins: {', '.join(builtin_suites()) or 'none'})"
    )
