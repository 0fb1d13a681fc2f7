"""clearsky-orders import"""

from __future__ import annotations

import click

from reconciler.cli.options import announce, run, settings_options
from reconciler.cli.output import json_messages, say
from reconciler.engine import Settings, open_workspace
from reconciler.engine import import_order as record_import


@click.command("import")
@click.argument("name")
@click.argument("guid")
@click.argument("paths", nargs=-1, type=click.Path())
@settings_options(changes=False, lock=True)
@json_messages
def import_order(name: str, guid: str, settings: Settings) -> int:
    """Record that manifest NAME owns live order GUID (no API change).

    Shows the differences when the live order does not match the manifest; the next plan
    then replaces it.

    \b
    Example:
      clearsky-orders import aarhus-bay c3528462-02fc-4301-bb37-8d226b45f149 orders/
    """
    workspace = open_workspace(settings)
    announce(workspace.target)
    imported = run(record_import(workspace, name, guid))
    say(f"Imported {imported.guid} as {name}.")
    if imported.diff:
        say("The live order differs from the manifest; the next plan replaces it:")
        for field, values in imported.diff.items():
            say(f"  ~ {field}: {values.get('old')} -> {values.get('new')}")
    return 0
