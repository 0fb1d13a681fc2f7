"""clearsky-orders init, clearsky-orders schema"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.output import json_messages, say


@click.command()
@click.argument("folder", default=".", type=click.Path(file_okay=False))
@click.option(
    "--ci",
    type=click.Choice(["github", "gitlab"]),
    default=None,
    help="Also write the CI workflow (at the repository's root, with this folder's paths).",
)
@json_messages
def init(folder: str, ci: str | None) -> int:
    """Start an orders folder: clearsky.yaml, an example manifest, a .gitignore, the schemas.

    Nothing is overwritten: if any of the files exists, nothing is written. Then try it
    against the embedded sandbox, no key needed.

    \b
    Examples:
      clearsky-orders init orders --ci github
      clearsky-orders plan --sandbox orders
    """
    from reconciler.engine.scaffold import scaffold

    made = scaffold(Path(folder), ci)
    for path in made.written:
        say(f"wrote {path}")
    say(
        f"Next: edit {Path(folder) / 'example.yaml'}, then "
        f"'clearsky-orders plan --sandbox {folder}' (no key needed)."
    )
    return 0


@click.command()
@click.argument("name", type=click.Choice(["manifest", "config", "plan"]))
def schema(name: str) -> int:
    """Print the JSON Schema of a manifest, of clearsky.yaml or of a saved plan.

    \b
    Examples:
      clearsky-orders schema manifest > tasking-order.schema.json
      clearsky-orders schema plan | jq '.properties | keys'
    """
    from reconciler.schemas import SCHEMA_NAMES, rendered_schemas

    say(rendered_schemas()[SCHEMA_NAMES[name]].rstrip("\n"))
    return 0
