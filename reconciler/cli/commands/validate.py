"""clearsky-orders validate"""

from __future__ import annotations

import click

from reconciler.cli.output import say
from reconciler.errors import ManifestError
from reconciler.manifest import load
from reconciler.render.problems import notes_lines, problems_json, problems_text, valid_text


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def validate(paths: tuple[str, ...], fmt: str) -> int:
    """Check manifests without talking to the API.

    PATHS are files or folders (searched recursively for *.yaml and *.yml); the default is
    the current folder. clearsky.yaml is found in the first path's folder or its parents.

    \b
    Examples:
      clearsky-orders validate examples/orders
      clearsky-orders validate --format json orders/ > problems.json
    Models and constellations are checked against the service's list that the last plan kept
    (.clearsky/models.json), else a built-in one; a name neither knows is a warning here, and
    plan checks it against the service.

    Exit status: 0 valid (warnings included), 1 invalid.
    """
    try:
        manifests = load(paths or (".",))
    except ManifestError as error:
        if fmt == "json":
            say(problems_json(error.problems))
        else:
            say(problems_text(error.problems), err=True)
        return 1
    if fmt == "json":
        say(problems_json([], manifests.notes))
        return 0
    for line in notes_lines(manifests.notes):
        say(line, err=True)
    say(valid_text(len(manifests.orders), len(manifests.files)))
    return 0
