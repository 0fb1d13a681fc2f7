"""clearsky-orders state list|show|rm, and import"""

from __future__ import annotations

import json

import click

from reconciler.cli.common import (
    announce,
    handles_errors,
    make_target,
    run,
    setup,
    state_file,
    target_options,
)
from reconciler.cli.output import say
from reconciler.engine.live import refresh
from reconciler.errors import ClearskyOrdersError, StateError
from reconciler.manifest import load
from reconciler.planning import StateEntry
from reconciler.planning.rules import field_diff

STATE_OPTION = click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="State file (default: beside clearsky.yaml).",
)
PATH_OPTION = click.option(
    "--path",
    "paths",
    multiple=True,
    type=click.Path(),
    help="Where the manifests are (to find clearsky.yaml); repeatable.",
)


@click.group()
def state() -> None:
    """Inspect and edit which live order each manifest name owns.

    \b
    Examples:
      clearsky-orders state list
      clearsky-orders state show aarhus-bay
      clearsky-orders state rm aarhus-bay     # stop managing it; the order keeps running
    """


@state.command("list")
@STATE_OPTION
@PATH_OPTION
@handles_errors
def list_(state_path: str | None, paths: tuple[str, ...]) -> int:
    """List managed names and their order GUIDs."""
    current = state_file(None, paths, state_path).load()
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
@handles_errors
def show(name: str, state_path: str | None, paths: tuple[str, ...]) -> int:
    """Show one managed name's record."""
    current = state_file(None, paths, state_path).load()
    entry = current.orders.get(name)
    if entry is None:
        raise StateError(f"{name!r} is not in the state; 'clearsky-orders state list' lists it")
    say(
        json.dumps(
            {
                "name": name,
                "orderGuid": entry.guid,
                "fingerprint": entry.fingerprint,
                "preventCancel": entry.prevent_cancel,
                "serial": current.serial,
                "lineage": current.lineage,
            },
            indent=2,
        )
    )
    return 0


@state.command("rm")
@click.argument("name")
@STATE_OPTION
@PATH_OPTION
@handles_errors
def rm(name: str, state_path: str | None, paths: tuple[str, ...]) -> int:
    """Forget NAME's order: nothing is cancelled, the order keeps running unmanaged."""
    states = state_file(None, paths, state_path)
    with states.lock():
        current = states.load()
        if name not in current.orders:
            raise StateError(f"{name!r} is not in the state; nothing to remove")
        guid = current.orders[name].guid
        states.save(current.without(name))
    say(f"Removed {name} ({guid}) from the state; the order itself was not touched.")
    return 0


@click.command("import")
@click.argument("name")
@click.argument("guid")
@click.argument("paths", nargs=-1, type=click.Path())
@target_options
@handles_errors
def import_(
    name: str,
    guid: str,
    paths: tuple[str, ...],
    sandbox: bool,
    api_url: str | None,
    state_path: str | None,
    parallelism: int | None,
) -> int:
    """Record that manifest NAME owns live order GUID (no API change).

    Shows the differences when the live order does not match the manifest; the next plan
    then replaces it.

    \b
    Example:
      clearsky-orders import aarhus-bay c3528462-02fc-4301-bb37-8d226b45f149 orders/
    """
    s = setup(paths, sandbox, api_url, state_path, parallelism)
    announce(s.target)
    desired = {o.name: o for o in load(s.paths).orders}.get(name)
    if desired is None:
        raise ClearskyOrdersError(f"no manifest is named {name!r}")

    async def fetch() -> list:  # type: ignore[type-arg]
        async with s.target.client() as client:
            return await refresh(client)

    live = {o.key: o for o in run(fetch())}.get(guid.lower())
    if live is None or live.canceled:
        raise ClearskyOrdersError(f"the account has no active order {guid}")
    with s.state_file.lock():
        current = s.state_file.load()
        owner = next((n for n, e in current.orders.items() if e.guid.lower() == guid.lower()), None)
        if owner and owner != name:
            raise StateError(f"order {guid} is already owned by {owner!r}")
        s.state_file.save(
            current.with_order(
                name, StateEntry(live.guid, desired.spec.fingerprint, desired.prevent_cancel)
            )
        )
    say(f"Imported {live.guid} as {name}.")
    if live.spec is not None and live.spec != desired.spec:
        say("The live order differs from the manifest; the next plan replaces it:")
        for field, values in field_diff(live.spec, desired.spec).items():
            say(f"  ~ {field}: {values.get('old')} -> {values.get('new')}")
    return 0


__all__ = ["import_", "make_target", "state"]
