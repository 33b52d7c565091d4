"""``safeship detectors``: list the registered detectors and their params."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Inspect registered detectors.", no_args_is_help=True)


@app.command("list")
def list_detectors() -> None:
    """List every registered detector (built-ins and plugins alike).

    ``reports`` are the categories a policy's thresholds, actions and refusals can name for it
    (``-``: a plugin that declares none, whose keys the policy loader cannot check).
    """
    from safeship.detectors.base import detectors

    table = Table(title="safeship detectors")
    for column in ("name", "stages", "params", "reports", "description"):
        table.add_column(column)
    for name in detectors.names():
        cls = detectors.get(name)
        params = ", ".join(cls.params_model.model_fields) or "-"
        stages = ", ".join(sorted(s.value for s in cls.stages))
        reports = getattr(cls, "reports", None)
        categories = ", ".join(sorted(reports)) if reports else "-"
        table.add_row(name, stages, params, categories, cls.description)
    Console(width=200).print(table)
