"""``safeship demo``: example conversations, benign and adversarial, against the example policies.

Prints a table of decisions with what we expected, so a new user sees in one screen what the guard
blocks, what it lets through (benign but edgy turns matter as much as attacks), and how fast.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from safeship.cli._io import fail

REPO_EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _snippet(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _outcome(decision: Any) -> str:
    if decision.refusal is not None:
        return _snippet(decision.refusal.message, 60)
    if decision.redacted_text is not None:
        return _snippet(decision.redacted_text, 60)
    return ""


def demo(
    conversations: Annotated[
        Path, typer.Option(help="JSONL of example conversations.")
    ] = REPO_EXAMPLES / "demo_conversations.jsonl",
    policies: Annotated[Path, typer.Option(help="Folder of policy files.")] = REPO_EXAMPLES
    / "policies",
) -> None:
    """Check example conversations against the example policies and print the decisions."""
    from safeship.guard import Guard, GuardContext
    from safeship.types import TrustTier

    console = Console(width=200)
    try:
        cases = [
            json.loads(line)
            for line in conversations.read_text("utf-8").splitlines()
            if line.strip()
        ]
    except (OSError, json.JSONDecodeError) as exc:
        raise fail(f"cannot read {conversations}: {exc}") from exc
    guards: dict[str, Guard] = {}
    table = Table(
        title="safeship demo: example conversations vs example policies", show_lines=False
    )
    for col in (
        "case",
        "policy",
        "tier",
        "stage",
        "text",
        "action",
        "categories",
        "refusal / redacted",
        "ms",
        "ok",
    ):
        table.add_column(col, overflow="fold")
    matched = 0
    start = time.perf_counter()
    with console.status("loading detectors…"):
        for case in cases:
            name = case["policy"]
            if name not in guards:
                guards[name] = Guard.from_file(policies / name)
                guards[name].warmup()
    for case in cases:
        guard = guards[case["policy"]]
        ctx = GuardContext(
            tier=TrustTier(case.get("tier", "anonymous")),
            documents=tuple(case.get("documents", ())),
        )
        t0 = time.perf_counter()
        if case["stage"] == "input":
            decision = guard.check_input(case["messages"], ctx)
            shown = case["messages"][-1]["content"] + (
                " + document" if case.get("documents") else ""
            )
        else:
            decision = guard.check_output(case["messages"], case["response"], ctx)
            shown = case["response"]
        ms = (time.perf_counter() - t0) * 1000
        ok = decision.action.value == case.get("expect")
        matched += ok
        colour = {"allow": "green", "warn": "yellow", "redact": "cyan", "block": "red"}[
            decision.action.value
        ]
        table.add_row(
            case["id"],
            case["policy"].removesuffix(".yaml"),
            ctx.tier.value,
            case["stage"],
            _snippet(shown, 60),
            f"[{colour}]{decision.action.value}[/]",
            ", ".join(decision.categories) or "-",
            _outcome(decision),
            f"{ms:.1f}",
            "[green]✓[/]" if ok else f"[red]✗ expected {case.get('expect')}[/]",
        )
    console.print(table)
    console.print(
        f"{matched}/{len(cases)} decisions as expected; "
        f"total {(time.perf_counter() - start):.2f} s including detector loading."
    )
    for guard in guards.values():
        guard.close()
