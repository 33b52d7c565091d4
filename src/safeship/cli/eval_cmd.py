"""``safeship eval``: run evaluations and compare runs (one module per subcommand)."""

from __future__ import annotations

import typer

from safeship.cli.eval_compare import compare
from safeship.cli.eval_run import run

app = typer.Typer(help="Evaluate targets on safety suites.", no_args_is_help=True)
app.command("run")(run)
app.command("compare")(compare)
