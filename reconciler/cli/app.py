"""The command group and its commands; each command is a thin layer over the engine."""

from __future__ import annotations

import click

from reconciler.cli.apply import apply
from reconciler.cli.output import set_colour
from reconciler.cli.plan import plan, show
from reconciler.cli.sandbox import sandbox
from reconciler.cli.state import import_, state
from reconciler.cli.validate import validate

EPILOG = """\b
Examples:
  clearsky-orders validate examples/orders
  clearsky-orders plan --sandbox examples/orders
  clearsky-orders plan -o plan.json orders/ && clearsky-orders apply plan.json

Exit status: 0 success (no changes with --detailed-exitcode), 2 changes, 1 error.
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="clearsky-orders")
@click.option(
    "--no-color", is_flag=True, help="No colour, even on a terminal (NO_COLOR works too)."
)
def cli(no_color: bool) -> None:
    """Tasking orders as code for the ClearSKY Vision API."""
    set_colour(not no_color)


for command in (validate, plan, show, apply, state, import_, sandbox):
    cli.add_command(command)
