"""``safeship policy``: validate policy files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from safeship.cli._io import err_console, fail
from safeship.errors import PolicyError

app = typer.Typer(help="Work with policy files.", no_args_is_help=True)


@app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(help="Policy YAML files.")],
) -> None:
    """Validate policy files; report every problem with file, line and field."""
    from safeship.policy.load import load_policy

    console = Console()
    bad = 0
    for path in files:
        try:
            loaded = load_policy(path)
        except PolicyError as exc:
            bad += 1
            err_console.print(f"[bold red]invalid[/] {path} ({len(exc.problems)} problems)")
            for problem in exc.problems:
                err_console.print(f"  {problem}", markup=False, highlight=False)
            continue
        features = ", ".join(loaded.policy.features)
        console.print(f"[green]ok[/] {path} ({loaded.version}; features: {features})")
    if bad:
        raise fail(f"{bad} of {len(files)} policy files are invalid", code=1)
