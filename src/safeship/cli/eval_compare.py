"""``safeship eval compare RUN_A RUN_B``: which rates got significantly worse from A to B.

A is the baseline, B the candidate. Every rate measured in both reports (overall, per category,
per attack) is tested one-sided with :func:`~safeship.evals.significance.regression_test`;
the command exits 1 when any rise is significant, so it can guard a CI job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from safeship.cli._io import fail
from safeship.errors import SafeshipError
from safeship.evals.metrics import Rate
from safeship.evals.significance import RegressionTest, TestMethod, regression_test
from safeship.evals.summary import RunSummary


def rate_pairs(a: RunSummary, b: RunSummary) -> list[tuple[str, Rate, Rate]]:
    """(subject, baseline rate, candidate rate) for every rate both runs measured."""
    pairs: list[tuple[str, Rate | None, Rate | None]] = [
        ("overall:asr", a.overall.attack_success_rate, b.overall.attack_success_rate),
        ("overall:over_refusal", a.overall.over_refusal_rate, b.overall.over_refusal_rate),
    ]
    for cat in sorted(set(a.categories) & set(b.categories)):
        old, new = a.categories[cat], b.categories[cat]
        pairs.append((f"{cat}:asr", old.attack_success_rate, new.attack_success_rate))
        pairs.append((f"{cat}:over_refusal", old.over_refusal_rate, new.over_refusal_rate))
    for name in sorted(set(a.attacks) & set(b.attacks)):
        pairs.append((f"attack:{name}:asr", a.attacks[name], b.attacks[name]))
    return [(s, x, y) for s, x, y in pairs if x is not None and y is not None]


def compare_runs(
    a: RunSummary, b: RunSummary, alpha: float = 0.05, method: TestMethod = "fisher"
) -> list[tuple[str, RegressionTest]]:
    """Each shared rate with its one-sided regression test (B worse than A)."""
    return [(s, regression_test(x, y, alpha=alpha, method=method)) for s, x, y in rate_pairs(a, b)]


def _cell(r: Rate) -> str:
    return "n/a" if r.value is None else f"{r.value:.3f} (n={r.n})"


def compare(
    run_a: Annotated[Path, typer.Argument(help="Baseline run dir or report.json.")],
    run_b: Annotated[Path, typer.Argument(help="Candidate run dir or report.json.")],
    alpha: Annotated[float, typer.Option(min=0.0, max=1.0, help="Significance level.")] = 0.05,
    method: Annotated[str, typer.Option(help="fisher or z.")] = "fisher",
) -> None:
    """Flag rates that rose significantly from RUN_A to RUN_B; exit 1 if any did."""
    from safeship.evals.report import load_summary

    if method not in ("fisher", "z"):
        raise fail(f"--method must be fisher or z, got {method!r}")
    try:
        a, b = load_summary(run_a), load_summary(run_b)
        tests = compare_runs(a, b, alpha, "fisher" if method == "fisher" else "z")
    except (SafeshipError, OSError, ValueError) as exc:
        raise fail(f"cannot compare: {exc}") from exc
    table = Table("rate", "A (baseline)", "B (candidate)", "delta", "p", "verdict")
    for subject, t in tests:
        verdict = "[bold red]REGRESSION[/]" if t.significant else "ok"
        delta = "n/a" if t.delta is None else f"{t.delta:+.3f}"
        p = "n/a" if t.p_value is None else f"{t.p_value:.4f}"
        table.add_row(subject, _cell(t.baseline), _cell(t.candidate), delta, p, verdict)
    console = Console()
    console.print(table)
    bad = [s for s, t in tests if t.significant]
    if bad:
        console.print(f"{len(bad)} significant regressions: {', '.join(bad)}")
        raise typer.Exit(1)
    console.print("no significant regressions")
