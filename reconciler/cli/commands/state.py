"""clearsky-orders state list|show|rm"""

from __future__ import annotations

import json

import click

from reconciler.cli.output import say
from reconciler.engine import forget_order, move_entry, restore_state, state_file_for
from reconciler.errors import StateError
from reconciler.manifest import load_config

STATE_OPTION = click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="State file (default: beside clearsky.yaml).",
)
PATH_OPTION = click.argument("paths", nargs=-1, type=click.Path())
"""Where the manifests are, as for plan and apply: clearsky.yaml is found from there."""


@click.group()
def state() -> None:
    """Inspect and edit which live order each manifest name owns.

    \b
    Examples:
      clearsky-orders state list orders/
      clearsky-orders state show aarhus-bay
      clearsky-orders state rm aarhus-bay     # stop managing it; the order keeps running
      clearsky-orders state mv old-name new-name
      clearsky-orders state restore           # put state.json.backup back
    """


@state.command("list")
@STATE_OPTION
@PATH_OPTION
def list_(state_path: str | None, paths: tuple[str, ...]) -> int:
    """List managed names and their order GUIDs."""
    states = state_file_for(paths, state_path, load_config(paths or (".",)))
    current = states.load()
    say(f"State: {states.path}")
    if not current.orders:
        say("The state is empty: no orders are managed yet.")
    for name, entry in sorted(current.orders.items()):
        flag = "  [preventCancel]" if entry.prevent_cancel else ""
        say(f"{name}\t{entry.guid}{flag}")
    return 0


@state.command("show")
@click.argument("name")
@STATE_OPTION
@PATH_OPTION
def show(name: str, state_path: str | None, paths: tuple[str, ...]) -> int:
    """Show one managed name's record."""
    current = state_file_for(paths, state_path, load_config(paths or (".",))).load()
    entry = current.orders.get(name)
    if entry is None:
        raise StateError(f"{name!r} is not in the state; 'clearsky-orders state list' lists it")
    record = {
        "name": name,
        "orderGuid": entry.guid,
        "fingerprint": entry.fingerprint,
        "preventCancel": entry.prevent_cancel,
        "serial": current.serial,
        "lineage": current.lineage,
    }
    say(json.dumps(record, indent=2))
    return 0


@state.command("rm")
@click.argument("name")
@STATE_OPTION
@PATH_OPTION
def rm(name: str, state_path: str | None, paths: tuple[str, ...]) -> int:
    """Forget NAME's order: nothing is cancelled, the order keeps running unmanaged."""
    guid = forget_order(state_file_for(paths, state_path, load_config(paths or (".",))), name)
    say(f"Removed {name} ({guid}) from the state; the order itself was not touched.")
    return 0


@state.command("mv")
@click.argument("old")
@click.argument("new")
@STATE_OPTION
@PATH_OPTION
def mv(old: str, new: str, state_path: str | None, paths: tuple[str, ...]) -> int:
    """Rename OLD's entry to NEW (after renaming its manifest): no order is touched.

    A plan finds a rename by itself (a cancel and a create of equal orders become a move);
    this does the same by hand.
    """
    guid = move_entry(state_file_for(paths, state_path, load_config(paths or (".",))), old, new)
    say(f"Moved {old} ({guid}) to {new}; the order itself was not touched.")
    return 0


@state.command("restore")
@STATE_OPTION
@PATH_OPTION
def restore(state_path: str | None, paths: tuple[str, ...]) -> int:
    """Put the state's backup back (the file it replaces is kept as state.json.broken).

    For a state file that was deleted, truncated or mangled; run plan afterwards to see what
    the account holds.
    """
    count = restore_state(state_file_for(paths, state_path, load_config(paths or (".",))))
    say(f"Restored the state from its backup: {count} order(s). Run plan to see where it stands.")
    return 0
