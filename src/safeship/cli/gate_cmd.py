"""``safeship gate check``: the launch gate as a CI step (exit 1 when any rule fails)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from safeship.cli._io import fail
from safeship.errors import SafeshipError

app = typer.Typer(help="Launch gates over evaluation reports.", no_args_is_help=True)


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


@app.command("check")
def check(
    config: Annotated[Path, typer.Option(help="Gate config YAML.")],
    report: Annotated[Path, typer.Option(help="The run's report.json (or its directory).")],
    baseline: Annotated[
        Path | None, typer.Option(help="A baseline run's report.json for regression rules.")
    ] = None,
) -> None:
    """Check a report against a gate; print every rule; exit 1 on failure, 2 on bad input."""
    from pydantic import ValidationError

    from safeship.evals.report import load_summary
    from safeship.gates.launch import evaluate_gate, load_gate_config

    try:
        gate = load_gate_config(config)
        summary = load_summary(report)
        base = load_summary(baseline) if baseline is not None else None
    except (SafeshipError, OSError, ValueError, ValidationError) as exc:
        raise fail(str(exc)) from exc
    verdict = evaluate_gate(gate, summary, base)
    table = Table("rule", "subject", "value", "threshold", "n", "interval", "result", "detail")
    for r in verdict.rules:
        interval = "-" if r.ci_low is None else f"[{r.ci_low:.3f}, {_num(r.ci_high)}]"
        table.add_row(
            r.rule,
            r.subject,
            _num(r.value),
            _num(r.threshold),
            "-" if r.n is None else str(r.n),
            interval,
            "[green]pass[/]" if r.passed else "[bold red]FAIL[/]",
            r.detail,
        )
    console = Console()
    console.print(table)
    if not verdict.passed:
        console.print(f"gate FAILED: {len(verdict.failures)} of {len(verdict.rules)} rules")
        raise typer.Exit(1)
    console.print(f"gate passed: {len(verdict.rules)} rules")
