"""Assemble the ``safeship`` command from one module per subcommand."""

from __future__ import annotations

import typer

from safeship.cli import detectors_cmd, eval_cmd, gate_cmd, policy_cmd
from safeship.cli.calibrate import calibrate
from safeship.cli.check import check
from safeship.cli.demo import demo
from safeship.cli.detect import detect
from safeship.cli.serve import serve

app = typer.Typer(
    name="safeship",
    help="Safety engineering for AI features: guard, evaluate, deploy, operate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("detect")(detect)
app.command("check")(check)
app.command("calibrate")(calibrate)
app.command("demo")(demo)
app.command("serve")(serve)
app.add_typer(policy_cmd.app, name="policy")
app.add_typer(detectors_cmd.app, name="detectors")
app.add_typer(eval_cmd.app, name="eval")
app.add_typer(gate_cmd.app, name="gate")

if __name__ == "__main__":  # pragma: no cover
    app()
