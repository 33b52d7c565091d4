"""Detector quality on EVAL-ONLY data: a table per detector per data set, with the floors.

Each detector's module under ``bench/quality/`` computes its rows through the real detector class
(the same code path the guard uses). This script runs them all, prints one table each, marks every
floor PASS or FAIL, and writes ``out/detector_quality.json``.

Run: ``python -m bench.detector_quality [--only prompt_injection,pii] [--data DIR]``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.quality.common import Row, data_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MODULES = (
    "prompt_injection",
    "harmful_request",
    "toxicity",
    "pii",
    "secrets",
    "refusal",
    "harmful_response",
)


def render(console: Console, name: str, rows: list[Row], seconds: float) -> None:
    metrics = sorted({m for r in rows for m in r.metrics})
    table = Table(title=f"{name} ({seconds:.1f} s)", title_justify="left")
    table.add_column("dataset")
    table.add_column("n", justify="right")
    for m in metrics:
        table.add_column(m, justify="right")
    table.add_column("floors")
    for r in rows:
        floors = "; ".join(
            f"{f.metric} {f.op} {f.value:g}: "
            + {True: "[green]PASS[/]", False: "[red]FAIL[/]", None: "n/a"}[f.holds(r.metrics)]
            for f in r.floors
        )
        table.add_row(
            r.dataset + (f" ({r.note})" if r.note else ""),
            str(r.n),
            *[f"{r.metrics[m]:.3f}" if m in r.metrics else "" for m in metrics],
            floors or "-",
        )
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated detector names")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("out/detector_quality.json"))
    args = parser.parse_args(argv)
    data = args.data or data_dir()
    wanted = [m for m in MODULES if not args.only or m in args.only.split(",")]
    console = Console(width=200)
    report: dict[str, list[dict[str, object]]] = {}
    failed = 0
    for name in wanted:
        try:
            module = importlib.import_module(f"bench.quality.{name}")
        except ImportError as exc:
            console.print(f"[yellow]{name}: no benchmark module ({exc})[/]")
            continue
        start = time.perf_counter()
        rows: list[Row] = module.evaluate(data)
        render(console, name, rows, time.perf_counter() - start)
        failed += sum(not r.passed() for r in rows)
        report[name] = [
            {
                "dataset": r.dataset,
                "n": r.n,
                "metrics": r.metrics,
                "passed": r.passed(),
                "note": r.note,
            }
            for r in rows
        ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    console.print(f"{failed} rows below a floor; written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
