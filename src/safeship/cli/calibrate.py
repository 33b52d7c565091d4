"""``safeship calibrate``: set a detector's policy threshold from labelled data and a target FPR."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from safeship.cli._io import count_lines, fail, progress, read_jsonl, text_field
from safeship.errors import InputError, PolicyError, SafeshipError
from safeship.types import TrustTier


def _label(record: dict[str, Any], field: str, where: str) -> int:
    value = record.get(field)
    if value in (0, 1, True, False):
        return int(bool(value))
    raise InputError(f"{where}: field {field!r} must be 0/1 or true/false, got {value!r}")


def calibrate(
    policy: Annotated[Path, typer.Option(help="Policy YAML to calibrate.")],
    detector: Annotated[str, typer.Option(help="Detector (as listed in the feature) to set.")],
    input: Annotated[Path, typer.Option("--input", "-i", help="Labelled JSONL.")],
    target_fpr: Annotated[float, typer.Option(help="Affordable FPR on benign rows.")] = 0.01,
    feature: Annotated[str | None, typer.Option(help="Feature in the policy.")] = None,
    field: Annotated[str, typer.Option(help="Field holding the text.")] = "text",
    label_field: Annotated[
        str, typer.Option(help="Field holding 1 (flag) or 0 (benign).")
    ] = "label",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the policy here.")
    ] = None,
) -> None:
    """Pick the threshold that keeps FPR on benign rows under a target; print recall per FPR.

    The authenticated tier is calibrated; anonymous stays stricter through the policy's
    ``tier_adjust``. With ``--output`` a copy of the policy with the new threshold is written.
    """
    from safeship.evals.calibration import operating_point, tradeoff
    from safeship.policy.load import load_policy, parse_policy
    from safeship.scan import Scanner

    try:
        loaded = load_policy(policy)
        name, feat = loaded.policy.feature(feature)
        spec = next((s for s in (*feat.input, *feat.output) if s.key == detector), None)
        if spec is None:
            raise fail(f"feature {name!r} has no detector {detector!r}")
        scanner = Scanner.by_name(spec.detector, spec.params)
    except PolicyError as exc:
        raise fail(f"invalid policy:\n{exc}") from exc
    except (KeyError, SafeshipError) as exc:
        raise fail(str(exc.args[0] if isinstance(exc, KeyError) else exc)) from exc
    scores: list[float] = []
    labels: list[int] = []
    try:
        with progress(count_lines(input), "calibrate", True) as bar:
            for line in read_jsonl(input):
                bar.advance(bar.task_ids[0])
                where = f"{input}:{line.number}"
                if line.record is None:
                    raise InputError(line.error or where)
                result = scanner.scan(text_field(line.record, field, input, line.number))
                if result.status.value != "ok":
                    raise InputError(f"{where}: detector failed: {result.error}")
                scores.append(result.score)
                labels.append(_label(line.record, label_field, where))
        chosen = operating_point(scores, labels, target_fpr)
    except (InputError, ValueError) as exc:
        raise fail(str(exc)) from exc
    finally:
        scanner.close()
    table = Table(title=f"{detector}: recall at each FPR")
    for col in ("target FPR", "threshold", "FPR", "recall"):
        table.add_column(col, justify="right")
    for p in tradeoff(scores, labels):
        table.add_row(
            f"{p.target_fpr:.3f}", f"{p.threshold:.4f}", f"{p.fpr:.3f}", f"{p.recall:.3f}"
        )
    console = Console(width=120)
    console.print(table)
    adjust = feat.tier_adjust.get(TrustTier.AUTHENTICATED, 0.0)
    # rounded up, never down: a threshold rounded below its value would flag benign rows again
    value = min(1.0, max(0.0, math.ceil((chosen.threshold - adjust) * 1e6) / 1e6))
    console.print(
        f"chosen: threshold {chosen.threshold:.4f} (FPR {chosen.fpr:.3f}, "
        f"recall {chosen.recall:.3f}, {chosen.n_benign} benign / {chosen.n_harmful} flagged rows)"
    )
    if output is not None:
        data = yaml.safe_load(policy.read_text("utf-8"))
        data["features"][name].setdefault("thresholds", {})[detector] = value
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        parse_policy(text, str(output))  # never write a policy that does not load
        output.write_text(text, "utf-8")
        console.print(f"wrote {output} with thresholds.{detector} = {value}")
