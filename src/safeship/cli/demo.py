"""``safeship demo``: what the guard decides, then what it buys on a real model, in one command.

First a table of example conversations, benign and adversarial, against the example policies,
with what we expected, so a new user sees in one screen what the guard blocks, what it lets
through (benign but edgy turns matter as much as attacks), and how fast. Then the main job
(:mod:`safeship.cli.demo_eval`): SmolLM2 evaluated raw and behind a shipped example policy on
the starter suite plus the XSTest safe prompts, the HTML report, and a launch gate's verdict.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from safeship.cli._io import fail
from safeship.errors import SafeshipError

REPO_ROOT = Path(__file__).resolve().parents[3]
REPO_EXAMPLES = REPO_ROOT / "examples"
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"
DEMO_MAX_TOKENS = 64
"""Answer length for the local model: a refusal or a compliance shows in its first sentences,
and 64 tokens keep ~350 prompts under five minutes on two CPU cores."""


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
    evaluate: Annotated[
        bool, typer.Option("--eval/--no-eval", help="Also evaluate a model raw and guarded.")
    ] = True,
    target: Annotated[str, typer.Option(help="Model to evaluate (target spec).")] = "local:smollm2",
    policy: Annotated[Path, typer.Option(help="Policy of the guarded run.")] = REPO_EXAMPLES
    / "policies"
    / "support_chat.yaml",
    gate: Annotated[Path, typer.Option(help="Gate config for the verdict.")] = REPO_EXAMPLES
    / "gates"
    / "demo.yaml",
    datasets: Annotated[
        Path, typer.Option(envvar="SAFESHIP_DATA", help="Shared data folder (for XSTest).")
    ] = SHARED_DATASETS,
    output_dir: Annotated[Path, typer.Option(help="Where runs.db and the reports go.")] = Path(
        "out/demo"
    ),
    max_tokens: Annotated[
        int, typer.Option(min=1, help="Longest answer of a local model, in tokens.")
    ] = DEMO_MAX_TOKENS,
    show_progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
) -> None:
    """Show the guard on example conversations, then evaluate a model raw and guarded.

    The evaluation writes OUTPUT_DIR/report.html and prints the gate verdict; it exits 0 either
    way (``safeship gate check`` is the form that fails a CI job). Rerunning it resumes from
    OUTPUT_DIR/runs.db.
    """
    _guard_table(conversations, policies)
    if evaluate:
        _evaluate(target, policy, gate, datasets, output_dir, max_tokens, show_progress)


def _evaluate(
    spec: str,
    policy: Path,
    gate: Path,
    datasets: Path,
    output_dir: Path,
    max_tokens: int,
    show_progress: bool,
) -> None:
    """The main job: see :func:`safeship.cli.demo_eval.run_demo_eval`."""
    from safeship.cli.demo_eval import demo_suites, demo_target, run_demo_eval
    from safeship.gates.launch import load_gate_config
    from safeship.policy.load import load_policy

    console = Console(width=200)
    try:
        load_policy(policy)
        load_gate_config(gate)
        suites, note = demo_suites(datasets)
        model = demo_target(spec, max_tokens)
    except (SafeshipError, ValueError) as exc:
        raise fail(str(exc)) from exc
    if note is not None:
        console.print(f"[yellow]{escape(note)}[/]")
    label = f"{spec}@{max_tokens}tok" if spec.startswith("local:") else spec
    names = " + ".join(f"{s.name} ({len(s.cases)})" for s in suites)
    console.rule(escape(f"{label}, raw and guarded by {policy.name}, on {names}"))
    outcome = run_demo_eval(
        target=model,
        spec=label,
        policy=policy,
        suites=suites,
        gate=gate,
        output_dir=output_dir,
        show_progress=show_progress,
        console=console,
    )
    verdict = "[green]PASSED[/]" if outcome.gate_passed else "[bold red]FAILED[/]"
    console.print(
        f"gate {escape(gate.name)}: {verdict}; evaluation took {outcome.seconds:.0f} s; "
        f"report {escape(str(outcome.report_html))}"
    )


def _guard_table(conversations: Path, policies: Path) -> None:
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
