"""clearsky-orders show"""

from __future__ import annotations

import click

from reconciler.cli.commands.plan import FORMATS
from reconciler.cli.output import colour_on, format_option, say
from reconciler.engine import read_saved_plan, saved_view
from reconciler.render.registry import RenderOptions, render


@click.command()
@click.argument("plan_file", type=click.Path(dir_okay=False))
@format_option(*FORMATS)
@click.option("-v", "--verbose", is_flag=True, help="List unchanged orders too.")
def show(plan_file: str, fmt: str, verbose: bool) -> int:
    """Render a saved plan.

    \b
    Examples:
      clearsky-orders show plan.json
      clearsky-orders show --format markdown plan.json > comment.md
    """
    doc = read_saved_plan(plan_file)
    if fmt == "text":
        say(f"Plan made {doc.created_at:%Y-%m-%d %H:%M} UTC against {doc.source}.")
    say(render(fmt, saved_view(doc), RenderOptions(colour=colour_on(), verbose=verbose)))
    return 0
