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
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
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
