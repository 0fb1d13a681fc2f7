"""The command group and its commands; each command is a thin layer over the engine."""

from __future__ import annotations

import click

from reconciler.cli.validate import validate
from reconciler.cli.output import set_colour

EPILOG = """\b
Examples:
  clearsky-orders validate examples/orders
  clearsky-orders plan --sandbox examples/orders
  clearsky-orders plan -o plan.json && clearsky-orders apply plan.json
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="clearsky-orders")
@click.option("--no-color", is_flag=True, help="No colour, even on a terminal (NO_COLOR works too).")
def cli(no_color: bool) -> None:
    """Tasking orders as code for the ClearSKY Vision API."""
    set_colour(not no_color)


cli.add_command(validate)
