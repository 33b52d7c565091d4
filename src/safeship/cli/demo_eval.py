"""The main job of ``safeship demo``: a model raw and guarded, the HTML report, the gate verdict.

This is the release flow of ``safeship eval run`` and ``safeship gate check`` in one command,
on the built-in starter suite plus the XSTest safe prompts (read by path from the shared data
folder; without it the starter suite runs alone and the demo says so). Both variants share one
:class:`~safeship.evals.targets.cached.CachedTarget`: the guarded run still sends every prompt
its input guard allows to the model, and the model (greedy, temperature 0) answers it from
memory instead of decoding the same text again, which halves the demo's model time. A rerun
resumes from ``runs.db``; the stored raw answers then seed that memory, and the guarded run's
id includes :func:`~safeship.evals.fingerprint.guard_fingerprint`, so a retrained detector is
measured afresh without decoding again. Replaying answers is only honest for a deterministic
target (greedy decoding, as ``local:*`` and the mocks are); do not point the demo at a sampler.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from safeship.cli.eval_run import _run_variant
from safeship.evals.fingerprint import guard_fingerprint
from safeship.evals.loading import load_suite
from safeship.evals.metrics import Rate
from safeship.evals.report import RunResult, write_reports
from safeship.evals.runner import RunConfig
from safeship.evals.runstore import RunStore
from safeship.evals.suite import Suite
from safeship.evals.targets import GuardedTarget, Target, parse_target
from safeship.evals.targets.cached import CachedTarget

XSTEST_FILE = Path("xstest") / "xstest_prompts.csv"


@dataclass(frozen=True)
class DemoOutcome:
    """What the demo measured: both runs, where the report went, and the gate's verdict."""

    raw: RunResult
    guarded: RunResult
    report_html: Path
    gate_passed: bool
    model_calls: int
    cache_hits: int
    seconds: float


def demo_suites(datasets: Path) -> tuple[list[Suite], str | None]:
    """The starter suite and the XSTest safe prompts; a note instead of XSTest when it is absent."""
    suites = [load_suite("starter")]
    xstest = datasets / XSTEST_FILE
    if not xstest.is_file():
        return suites, f"XSTest not found at {xstest}: running the starter suite only"
    return [*suites, load_suite(xstest).where(label="safe")], None


def demo_target(spec: str, max_tokens: int) -> Target:
    """The model to evaluate; a local model answers in at most ``max_tokens`` tokens.

    Raises:
        MissingDependencyError: a local model without the ``local`` extra installed, caught
            here rather than as several hundred errored attempts.
    """
    if spec.startswith("local:"):  # the only kind whose answer length the demo sets
        from safeship.errors import MissingDependencyError
        from safeship.evals.targets.local import LocalModelTarget
        from safeship.evals.targets_local import LocalTarget
        from safeship.local_models import LocalModelConfig, llama_cpp_available, smollm2_path

        smollm2_path()
        if not llama_cpp_available():
            raise MissingDependencyError("local model", "local", "llama-cpp-python")
        config = LocalModelConfig(max_tokens=max_tokens)
        return LocalModelTarget(LocalTarget.from_spec(spec, config))
    return parse_target(spec)


def _rate(rate: Rate | None) -> str:
    if rate is None or rate.value is None:
        return "-"
    assert rate.ci_low is not None and rate.ci_high is not None  # set whenever value is
    return f"{rate.value:.1%} [{rate.ci_low:.1%}, {rate.ci_high:.1%}] n={rate.n} err={rate.errors}"


def stage_counts(run: RunResult) -> Counter[str]:
    """How each reply of a run came about: blocked at input, blocked at output, or the model's."""
    return Counter(s.output.reply.blocked_by or "model" for s in run.scored)


def comparison_table(raw: RunResult, guarded: RunResult) -> Table:
    """Raw beside guarded: ASR and over-refusal with 95% intervals, n and errors."""
    table = Table(title="raw vs guarded (95% Wilson intervals)")
    for col in ("variant", "attack success rate", "over-refusal rate", "replies"):
        table.add_column(col)
    for run in (raw, guarded):
        o = run.summary.overall
        stages = stage_counts(run)
        table.add_row(
            run.label,
            _rate(o.attack_success_rate),
            _rate(o.over_refusal_rate),
            f"model {stages['model']}, blocked at input {stages['input']}, "
            f"at output {stages['output']}",
        )
    return table


def gate_verdict(gate: Path, guarded: RunResult, console: Console) -> bool:
    """Check the guarded run against ``gate``, print every rule; True when the gate passed."""
    from safeship.gates.launch import evaluate_gate, load_gate_config

    verdict = evaluate_gate(load_gate_config(gate), guarded.summary)
    table = Table(title=escape(f"launch gate {gate} on the guarded run"))
    for col in ("rule", "subject", "result", "detail"):
        table.add_column(col)
    for r in verdict.rules:
        result = "[green]pass[/]" if r.passed else "[bold red]FAIL[/]"
        n = "" if r.n is None else f" (n={r.n})"
        table.add_row(r.rule, escape(r.subject), result, escape(r.detail + n))
    console.print(table)
    return verdict.passed


def run_demo_eval(
    *,
    target: Target,
    spec: str,
    policy: Path,
    suites: list[Suite],
    gate: Path,
    output_dir: Path,
    show_progress: bool,
    console: Console,
) -> DemoOutcome:
    """Run ``target`` raw then guarded by ``policy``, write the reports, check the gate.

    ``spec`` labels the runs (their ids hash it, so a rerun with the same spec resumes).
    """
    from safeship.guard import Guard

    start = time.perf_counter()
    model = CachedTarget(target)
    guard = Guard.from_file(policy)
    guarded_target = GuardedTarget(model, guard)
    output_dir.mkdir(parents=True, exist_ok=True)

    def config(run_spec: str, policy_id: str | None) -> RunConfig:
        return RunConfig(
            suites=tuple(s.name for s in suites),
            suite_versions=tuple(s.version for s in suites),
            target=run_spec,
            policy=policy_id,
        )

    try:
        with console.status("loading the guard's detectors…"):
            guard.warmup()
        with RunStore(output_dir / "runs.db") as store:
            raw = _run_variant(
                store,
                config(spec, None),
                suites,
                model,
                "raw",
                concurrency=4,
                show_progress=show_progress,
            )
            for item in raw.scored:  # a resumed raw run's stored answers serve the guarded run
                model.remember(item.output.case.conversation, item.output.reply)
            guarded = _run_variant(
                store,
                config(f"guarded:{spec}", f"{policy}#{guard_fingerprint(policy)}"),
                suites,
                guarded_target,
                "guarded",
                concurrency=4,
                show_progress=show_progress,
            )
    finally:
        guard.close()
    _, page = write_reports(output_dir, guarded, [raw])
    console.print(comparison_table(raw, guarded))
    console.print(f"model calls {model.calls}, answered from memory {model.hits}")
    console.print(f"HTML report: {escape(str(page))}")
    passed = gate_verdict(gate, guarded, console)
    seconds = time.perf_counter() - start
    return DemoOutcome(raw, guarded, page, passed, model.calls, model.hits, seconds)
