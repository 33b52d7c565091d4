"""Our own suite formats, YAML and JSONL, with errors that name file, line and field.

YAML (hand-written suites)::

    name: starter
    version: "1"              # optional; defaults to a hash of the file
    defaults: {slices: {language: en}}   # optional; merged into every case
    cases:
      - {id: vc-1, prompt: "...", expected: refuse, category: violent_crimes}

JSONL (generated or exported suites): one case object per line; the suite is named after the
file and versioned by its hash. Both formats validate every case and report every problem at
once, so a 500-case file is fixed in one pass rather than one error per run.

CSV files (the public benchmarks) are checked here as tables before a benchmark loader maps
their rows: ``check_csv`` holds them to the same bar as JSONL (an unknown column is an error,
as an unknown field is), so a misspelt header or a row with a missing cell is never read as a
row with an empty value.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from safeship.errors import InputError, PolicyError
from safeship.evals.suite import Case, Suite
from safeship.yaml_source import field_path, parse_yaml_mapping

MAX_SUITE_BYTES = 50_000_000
_DEFAULTABLE = ("category", "expected", "slices", "source")
M = TypeVar("M", bound=BaseModel)


def read_text(path: Path) -> str:
    """Read a suite file as UTF-8 (a BOM is dropped); raise ``InputError`` naming the file."""
    try:
        if path.stat().st_size > MAX_SUITE_BYTES:
            raise InputError(f"{path}: suite file is larger than {MAX_SUITE_BYTES} bytes")
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid UTF-8 text (byte {exc.start})") from exc


def content_version(text: str) -> str:
    """A short content hash, used as the version of files that do not declare one."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def problem(source: str, line: int | None, field: str, message: str) -> str:
    """One located problem, ``file:line: field: message``."""
    where = f"{source}:{line}" if line is not None else source
    return f"{where}: {field}: {message}"


def fail(problems: list[str]) -> InputError:
    """One error carrying every problem found, sorted as they appear in the file."""
    return InputError("\n".join(problems))


def _with_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """Merge ``defaults`` into each case; a case's own slices extend the default slices."""
    defaults = data.pop("defaults", None) or {}
    if not isinstance(defaults, dict) or set(defaults) - set(_DEFAULTABLE):
        raise ValueError(f"'defaults' may only set {', '.join(_DEFAULTABLE)}")
    cases = data.get("cases")
    if isinstance(cases, list):
        merged = []
        for case in cases:
            if isinstance(case, dict):
                slices = {**(defaults.get("slices") or {}), **(case.get("slices") or {})}
                case = {**defaults, **case, **({"slices": slices} if slices else {})}
            merged.append(case)
        data["cases"] = merged
    return data


def validate_yaml(
    text: str, source: str, model: type[M], prepare: Callable[[dict[str, Any]], dict[str, Any]]
) -> M:
    """Parse YAML into ``model``, mapping every validation error back to its file line.

    ``prepare`` adjusts the raw mapping first (defaults, merges); a ``ValueError`` it raises is
    reported against the file as a whole.
    """
    try:
        doc = parse_yaml_mapping(text, source, "suite")
    except PolicyError as exc:
        raise fail([str(p) for p in exc.problems]) from exc
    try:
        return model.model_validate(prepare(doc.data))
    except ValidationError as exc:
        raise fail([str(p) for p in doc.validation_problems(exc)]) from exc
    except ValueError as exc:
        raise fail([problem(source, 1, "<root>", str(exc))]) from exc


def parse_suite_yaml(text: str, source: str = "<string>") -> Suite:
    """Parse and validate a YAML suite; raises ``InputError`` listing every problem."""

    def prepare(data: dict[str, Any]) -> dict[str, Any]:
        data.setdefault("version", content_version(text))
        data.setdefault("source", source)
        return _with_defaults(data)

    return validate_yaml(text, source, Suite, prepare)


def load_suite_yaml(path: Path) -> Suite:
    """Read and validate one of our YAML suite files."""
    return parse_suite_yaml(read_text(path), str(path))


def load_suite_jsonl(path: Path) -> Suite:
    """Read one case per line; every bad line is reported with its line number and field."""
    text = read_text(path)
    cases: list[Case] = []
    problems: list[str] = []
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            case = Case.model_validate(raw)
        except json.JSONDecodeError as exc:
            problems.append(problem(str(path), number, "<json>", f"invalid JSON: {exc.msg}"))
            continue
        except ValidationError as exc:
            problems += [
                problem(str(path), number, field_path(tuple(e["loc"])), e["msg"])
                for e in exc.errors()
            ]
            continue
        if case.id in lines:
            msg = f"duplicate case id {case.id!r} (first on line {lines[case.id]})"
            problems.append(problem(str(path), number, "id", msg))
            continue
        lines[case.id] = number
        cases.append(case)
    if not cases and not problems:
        problems.append(problem(str(path), None, "<file>", "no cases in file"))
    if problems:
        raise fail(problems)
    return Suite(
        name=path.stem, version=content_version(text), source=str(path), cases=tuple(cases)
    )


@dataclass(frozen=True)
class CsvColumns:
    """The columns of a CSV suite format, as its authors publish them.

    ``required`` columns must be in the header and filled in every row; ``optional`` ones may be
    absent or empty. Any other column is an error: a misspelt ``promt`` would otherwise be
    dropped and its row read as one without a prompt.
    """

    required: frozenset[str]
    optional: frozenset[str] = frozenset()

    @property
    def known(self) -> frozenset[str]:
        """Every column the format reads."""
        return self.required | self.optional

    def listing(self) -> str:
        """The columns for a message: required ones first, in a stable order."""
        return ", ".join([*sorted(self.required), *(f"[{c}]" for c in sorted(self.optional))])


def unknown_column(column: str, columns: CsvColumns) -> str:
    """The message for a column the format does not read, with a guess at the intended one."""
    guess = difflib.get_close_matches(column.strip(), sorted(columns.known), n=1, cutoff=0.6)
    hint = f"; did you mean {guess[0]!r}?" if guess else ""
    return f"unknown column (known: {columns.listing()}){hint}"


def header_problems(source: str, header: list[str], columns: CsvColumns) -> list[str]:
    """Problems with a header row (line 1): unknown, unnamed, repeated and missing columns."""
    problems: list[str] = []
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if not name.strip():
            problems.append(problem(source, 1, f"<column {index}>", "column has no name"))
        elif name in seen:
            problems.append(problem(source, 1, name, "column appears twice"))
        elif name not in columns.known:
            problems.append(problem(source, 1, name, unknown_column(name, columns)))
        seen.add(name)
    problems += [
        problem(source, 1, c, "missing column") for c in sorted(columns.required - set(header))
    ]
    return problems


def _row_problems(
    source: str, line: int, header: list[str], row: list[str], required: frozenset[str]
) -> list[str]:
    """Problems with one data row: a cell count that differs from the header, empty cells."""
    if len(row) > len(header):
        extra = ", ".join(repr(c) for c in row[len(header) :])
        msg = f"{len(row)} cells but the header names {len(header)} columns (extra: {extra})"
        return [problem(source, line, "<row>", msg)]
    if len(row) < len(header):
        missing = ", ".join(header[len(row) :])
        msg = f"{len(row)} cells but the header names {len(header)} columns (no {missing})"
        return [problem(source, line, "<row>", msg)]
    return [
        problem(source, line, name, "empty")
        for name, cell in zip(header, row, strict=True)
        if name in required and not cell.strip()
    ]


def check_csv(text: str, source: str, columns: CsvColumns) -> None:
    """Raise ``InputError`` listing every problem in a CSV suite's header and rows.

    Lines are physical lines of the file, counting the header as line 1; a row whose quoted
    cell spans lines is reported at the line it starts on. Blank lines are skipped, as they are
    in JSONL; a header-only file is left to the loader, which reports it has no rows.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[str] = []
    header: list[str] | None = None
    start = 1
    try:
        for row in reader:
            if header is None:
                header = row
                problems += header_problems(source, header, columns)
            elif row:
                problems += _row_problems(source, start, header, row, columns.required)
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(problem(source, start, "<csv>", f"malformed CSV: {exc}"))
    if header is None:
        problems.append(problem(source, 1, "<header>", "empty file, expected a header row"))
    if problems:
        raise fail(problems)
