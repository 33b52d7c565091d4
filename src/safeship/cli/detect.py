"""``safeship detect``: run one detector over a JSONL file and print one result per line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from safeship.cli._io import (
    NO_ROWS,
    dump,
    fail,
    output_stream,
    progress,
    read_jsonl,
    require_rows,
    text_field,
)
from safeship.errors import InputError, RegistryError, SafeshipError
from safeship.types import DetectorResult


def result_record(number: int, result: DetectorResult, record: dict[str, Any]) -> dict[str, Any]:
    """The JSON object written for one input line."""
    out: dict[str, Any] = {"line": number}
    if "id" in record:
        out["id"] = record["id"]
    out.update(
        score=round(result.score, 6),
        category=result.category,
        categories={k: round(v, 6) for k, v in result.categories.items()},
        findings=[f.model_dump(exclude_none=True) for f in result.findings],
        status=result.status.value,
    )
    if result.error:
        out["error"] = result.error
    return out


def detect(
    detector: Annotated[str, typer.Option("--detector", "-d", help="Registered detector name.")],
    input: Annotated[Path, typer.Option("--input", "-i", help="JSONL file, one object per line.")],
    field: Annotated[str, typer.Option(help="Field holding the text.")] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="JSONL output file.")
    ] = None,
    params: Annotated[str, typer.Option(help="Detector params as a JSON object.")] = "{}",
) -> None:
    """Score every line of a JSONL file with one detector.

    Writes one JSON object per input line with ``score``, ``category`` and ``findings`` (each with
    ``start``, ``end``, ``text`` and ``entity`` or ``category``). Lines that cannot be read get an
    ``error`` object instead, and the exit code is 1 if any line failed; 2 if the file has no
    line at all.
    """
    from safeship.scan import Scanner

    try:
        parsed = json.loads(params)
        if not isinstance(parsed, dict):
            raise fail("--params must be a JSON object")
        total = require_rows(input)  # before loading a model that would have nothing to score
        scanner = Scanner.by_name(detector, parsed)
        scanner.detector.setup()
    except json.JSONDecodeError as exc:
        raise fail(f"--params is not valid JSON: {exc.msg}") from exc
    except (RegistryError, SafeshipError, ValueError) as exc:
        raise fail(str(exc)) from exc
    failures = seen = 0
    try:
        with (
            output_stream(output) as out,
            progress(total, f"detect {detector}", output is not None) as bar,
        ):
            for line in read_jsonl(input):
                seen += 1
                bar.advance(bar.task_ids[0])
                record: dict[str, Any]
                if line.record is None:
                    failures += 1
                    out.write(dump({"line": line.number, "error": line.error}) + "\n")
                    continue
                try:
                    text = text_field(line.record, field, input, line.number)
                except InputError as exc:
                    failures += 1
                    out.write(dump({"line": line.number, "error": str(exc)}) + "\n")
                    continue
                result = scanner.scan(text, prompt=line.record.get("prompt"))
                failures += result.status.value != "ok"
                record = result_record(line.number, result, line.record)
                out.write(dump(record) + "\n")
        if not seen:  # a pipe, not counted beforehand (see require_rows)
            raise InputError(f"{input}: {NO_ROWS}")
    except InputError as exc:
        raise fail(str(exc)) from exc
    if failures:
        raise typer.Exit(1)
