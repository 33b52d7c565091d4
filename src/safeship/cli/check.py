"""``safeship check``: run the guard of a policy on a text, or a JSONL file of conversations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from safeship.cli._io import (
    NO_ROWS,
    Writer,
    dump,
    fail,
    output_stream,
    progress,
    read_jsonl,
    require_rows,
)
from safeship.errors import InputError, PolicyError, SafeshipError
from safeship.types import Decision, Stage, TrustTier


def decision_record(decision: Decision, number: int | None = None) -> dict[str, Any]:
    """A Decision as a JSON object (scores rounded, findings without raw text for redaction)."""
    out: dict[str, Any] = {} if number is None else {"line": number}
    out.update(decision.model_dump(mode="json", exclude={"results"}))
    out["detectors"] = [
        {
            "detector": r.detector,
            "score": round(r.score, 4),
            "category": r.category,
            "status": r.status.value,
            "latency_ms": round(r.latency_ms, 3),
        }
        | ({"error": r.error} if r.error else {})
        for r in decision.results
    ]
    return out


def _messages(record: dict[str, Any], field: str, where: str) -> list[dict[str, Any]] | str:
    """The line's conversation, or its text; never a silent choice between the two."""
    value = record.get(field)
    if "messages" in record:
        messages = record["messages"]
        if not isinstance(messages, list):
            raise InputError(f"{where}: field 'messages' must be a list")
        if isinstance(value, str):  # which one is meant? checking one would pass the other
            raise InputError(f"{where}: has both {field!r} and 'messages'; keep one")
        if not any(isinstance(m, dict) and m.get("role") == "user" for m in messages):
            raise InputError(f"{where}: 'messages' has no user turn to check")
        return messages
    if not isinstance(value, str):
        raise InputError(f"{where}: needs a string field {field!r} or a 'messages' list")
    return value


def _rows_to_check(text: str | None, input: Path | None) -> int | None:
    """How many lines to check: exactly one of TEXT, or a file holding at least one row."""
    if (text is None) == (input is None):
        raise fail("give exactly one of TEXT or --input FILE")
    if input is None:
        return 1
    try:
        return require_rows(input)
    except InputError as exc:
        raise fail(str(exc)) from exc


def check(
    text: Annotated[str | None, typer.Argument(help="Text to check (or use --input).")] = None,
    policy: Annotated[Path, typer.Option(help="Policy YAML file.")] = Path("policy.yaml"),
    feature: Annotated[str | None, typer.Option(help="Feature in the policy.")] = None,
    tier: Annotated[
        TrustTier, typer.Option(help="Trust tier of the caller.")
    ] = TrustTier.ANONYMOUS,
    stage: Annotated[
        Stage, typer.Option(help="input: user -> model; output: model -> user.")
    ] = Stage.INPUT,
    input: Annotated[Path | None, typer.Option("--input", "-i", help="JSONL file.")] = None,
    field: Annotated[
        str, typer.Option(help="Field holding the text (input) or response (output).")
    ] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="JSONL output file.")
    ] = None,
    fail_on_block: Annotated[bool, typer.Option(help="Exit 3 if any decision blocks.")] = False,
) -> None:
    """Check a text or every line of a JSONL file against a policy; print Decision JSON.

    A line holds the text under ``--field`` or a ``messages`` list (OpenAI chat format). For
    ``--stage output`` the response is under ``--field`` and the conversation under ``messages``.
    Exit code: 1 if any line could not be read or a detector failed on it (its fail mode still
    decided the line); 2 if the file has no line at all; 3 with ``--fail-on-block`` if anything
    blocked.
    """
    from safeship.guard import Guard, GuardContext

    total = _rows_to_check(text, input)
    try:
        guard = Guard.from_file(policy)
        ctx = GuardContext(feature=feature, tier=tier)
        guard.policy.feature(feature)
    except PolicyError as exc:
        raise fail(f"invalid policy:\n{exc}") from exc
    except KeyError as exc:
        raise fail(str(exc.args[0])) from exc
    blocked = failures = 0

    def run(record: dict[str, Any], where: str) -> Decision:
        if stage is Stage.INPUT:
            return guard.check_input(_messages(record, field, where), ctx)
        response = record.get(field)
        if not isinstance(response, str):
            raise InputError(f"{where}: needs a string field {field!r} with the response")
        history = record.get("messages", [])
        if not isinstance(history, list):
            raise InputError(f"{where}: field 'messages' must be a list")
        return guard.check_output(history, response, ctx)

    try:
        with output_stream(output) as out:
            if text is not None:
                decision = run({field: text}, "TEXT")
                blocked += decision.blocked
                failures += bool(decision.errored)
                out.write(dump(decision_record(decision)) + "\n")
            else:
                assert input is not None
                blocked, failures = _check_file(run, input, total, out, output is not None)
    except SafeshipError as exc:
        raise fail(str(exc)) from exc
    finally:
        guard.close()
    if failures:
        raise typer.Exit(1)
    if blocked and fail_on_block:
        raise typer.Exit(3)


def _check_file(
    run: Callable[[dict[str, Any], str], Decision],
    path: Path,
    total: int | None,
    out: Writer,
    show: bool,
) -> tuple[int, int]:
    """Check every line of ``path`` (``total`` non-blank ones); returns (blocked, unreadable)."""
    blocked = failures = seen = 0
    with progress(total, "check", show) as bar:
        for line in read_jsonl(path):
            seen += 1
            bar.advance(bar.task_ids[0])
            if line.record is None:
                failures += 1
                out.write(dump({"line": line.number, "error": line.error}) + "\n")
                continue
            try:
                decision = run(line.record, f"{path}:{line.number}")
            except InputError as exc:
                failures += 1
                out.write(dump({"line": line.number, "error": str(exc)}) + "\n")
                continue
            blocked += decision.blocked
            failures += bool(decision.errored)  # a detector that failed is not a clean pass
            out.write(dump(decision_record(decision, line.number)) + "\n")
    if not seen:  # a pipe, not counted beforehand (see require_rows)
        raise InputError(f"{path}: {NO_ROWS}")
    return blocked, failures
