"""``safeship eval run``: send suites (and their attacked variants) to a target, then report.

With ``--policy`` the target is run twice, raw and behind a guard with that policy, so the
report shows what the guardrails buy; ``report.json`` then describes the guarded run (the one
that ships) with the raw run as a variant. Outputs go to ``DIR/runs.db`` before scoring; rerun
the same command after an interruption and only the missing attempts are sent.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from safeship.cli._io import err_console, fail, progress
from safeship.errors import SafeshipError
from safeship.evals.targets._base import Target

if TYPE_CHECKING:
    from safeship.evals.report import RunResult
    from safeship.evals.runner import RunConfig
    from safeship.evals.runstore import RunStore
    from safeship.evals.suite import Suite


def _variants(
    spec: str, policy: Path | None, tier: str | None = None
) -> list[tuple[str, str, Target, str | None]]:
    """(label, spec, target, policy id) for each target to run, raw first.

    The tier is part of the guarded run's identity: the same policy screens anonymous and
    signed-in traffic with different thresholds, so their runs must never resume each other.
    """
    from safeship.evals.targets import GuardedTarget, parse_target

    if policy is None:
        return [(spec, spec, parse_target(spec), None)]
    from safeship.guard import Guard

    guard = Guard.from_file(policy)
    digest = hashlib.sha256(policy.read_bytes()).hexdigest()[:12]
    from safeship.types import TrustTier

    trust = TrustTier(tier) if tier is not None else None
    guarded = GuardedTarget(parse_target(spec), guard, tier=trust)
    suffix = f"@{trust.value}" if trust is not None else ""
    return [
        ("raw", spec, parse_target(spec), None),
        ("guarded", f"guarded{suffix}:{spec}", guarded, f"{policy}#{digest}{suffix}"),
    ]


def _run_variant(
    store: RunStore,
    config: RunConfig,
    suites: list[Suite],
    target: Target,
    label: str,
    *,
    concurrency: int,
    show_progress: bool,
) -> RunResult:
    """Send what is missing (with a progress bar), then score everything stored."""
    from safeship.evals.report import result
    from safeship.evals.runner import execute, plan, score_run

    total = len(plan(suites, config.attacks, config.seed))
    with progress(total, label, show_progress) as bar:
        task = bar.task_ids[0]
        try:
            run_id, sent = asyncio.run(
                execute(
                    store,
                    config,
                    suites,
                    target,
                    concurrency=concurrency,
                    on_done=lambda n: bar.update(task, completed=n),
                )
            )
        except KeyboardInterrupt as exc:
            err_console.print("interrupted: rerun the same command to resume")
            raise typer.Exit(130) from exc
    err_console.print(f"{label}: run {run_id}, {sent} sent, {total - sent} already stored")
    record = store.run(run_id)
    assert record is not None  # execute() recorded it
    return result(label, record, asyncio.run(score_run(store, run_id)), suites)


def run(
    suites: Annotated[list[str], typer.Argument(help="Suite files or built-in suite names.")],
    target: Annotated[str, typer.Option(help="Target spec, e.g. mock:refuse-all.")],
    output_dir: Annotated[Path, typer.Option(help="Where runs.db and the reports go.")],
    policy: Annotated[
        Path | None, typer.Option(help="Also run the target guarded by this policy.")
    ] = None,
    tier: Annotated[
        str | None,
        typer.Option(
            help="Trust tier the guarded run screens as: anonymous (the guard's default), "
            "authenticated or internal."
        ),
    ] = None,
    attacks: Annotated[str, typer.Option(help="Comma-separated attack transforms.")] = "",
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight.")] = 8,
    seed: Annotated[int, typer.Option(help="Seed for attack transforms.")] = 0,
    show_progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
) -> None:
    """Evaluate a target on suites; write DIR/report.json and DIR/report.html."""
    from safeship.evals.attacks import compose
    from safeship.evals.loading import load_suite
    from safeship.evals.report import write_reports
    from safeship.evals.runner import RunConfig
    from safeship.evals.runstore import RunStore

    names = tuple(a.strip() for a in attacks.split(",") if a.strip())
    try:
        loaded = [load_suite(s) for s in suites]
        for name in names:
            compose(name)
        tiers = ("anonymous", "authenticated", "internal")
        if tier is not None and tier not in tiers:
            raise ValueError(f"--tier {tier!r}: expected one of {', '.join(tiers)}")
        if tier is not None and policy is None:
            raise ValueError("--tier only applies to a guarded run: add --policy")
        variants = _variants(target, policy, tier)
    except (SafeshipError, ValueError) as exc:
        raise fail(str(exc)) from exc
    except KeyError as exc:
        raise fail(str(exc.args[0])) from exc
    try:
        store = RunStore(output_dir / "runs.db")
    except SafeshipError as exc:
        raise fail(str(exc)) from exc
    with store:
        results = [
            _run_variant(
                store,
                RunConfig(
                    suites=tuple(s.name for s in loaded),
                    suite_versions=tuple(s.version for s in loaded),
                    target=spec,
                    attacks=names,
                    seed=seed,
                    policy=policy_id,
                ),
                loaded,
                tgt,
                label,
                concurrency=concurrency,
                show_progress=show_progress,
            )
            for label, spec, tgt, policy_id in variants
        ]
    js, page = write_reports(output_dir, results[-1], results[:-1])
    console = Console()
    for r in results:
        o = r.summary.overall
        asr = o.attack_success_rate.value if o.attack_success_rate else None
        orr = o.over_refusal_rate.value if o.over_refusal_rate else None
        console.print(f"{r.label}: attack_success_rate={asr} over_refusal_rate={orr}")
    console.print(f"wrote {js} and {page}")
