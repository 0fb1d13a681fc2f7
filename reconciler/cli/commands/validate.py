"""clearsky-orders validate"""

from __future__ import annotations

import click

from reconciler.cli.output import format_option, say
from reconciler.errors import ManifestError, Problem
from reconciler.manifest import load
from reconciler.manifest.changed import changed_groups
from reconciler.manifest.workspaces import covered, strays_among
from reconciler.render.problems import notes_lines, problems_json, problems_text, valid_text


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@format_option("text", "json")
@click.option(
    "--changed",
    is_flag=True,
    help="PATHS are changed files (a pre-commit hook): each is checked with the clearsky.yaml "
    "above it; files under none are left out.",
)
def validate(paths: tuple[str, ...], fmt: str, changed: bool) -> int:
    """Check manifests without talking to the API.

    PATHS are files or folders (searched recursively for *.yaml and *.yml); the default is
    the current folder. Each manifest is checked with the nearest clearsky.yaml in its folder
    or above (every workspace under PATHS); a TaskingOrder under none is an error.

    \b
    Examples:
      clearsky-orders validate examples/orders
      clearsky-orders validate --format json orders/ > problems.json
      clearsky-orders validate --changed orders/a.yaml .github/ci.yml   # the hook's call
    Models and constellations are checked against the service's list that the last plan kept
    (.clearsky/models.json), else a built-in one; a name neither knows is a warning here, and
    plan checks it against the service.

    Exit status: 0 valid (warnings included), 1 invalid.
    """
    problems: list[Problem] = []
    if changed:
        found, left_out = changed_groups(paths)
        groups = [[str(p) for p in group] for group in found]
        problems += strays_among(left_out)
    else:
        workspaces, strays = covered(paths or (".",))
        groups = [list(each.paths) for each in workspaces]
        problems += strays
    notes: list[Problem] = []
    orders = files = 0
    for group in groups:
        try:
            manifests = load(group)
        except ManifestError as error:
            problems += error.problems
            continue
        notes += manifests.notes
        orders, files = orders + len(manifests.orders), files + len(manifests.files)
    if fmt == "json":
        say(problems_json(problems, notes))
        return 1 if problems else 0
    if problems:
        say(problems_text(problems, notes), err=True)
        return 1
    for line in notes_lines(notes):
        say(line, err=True)
    say(valid_text(orders, files))
    return 0
