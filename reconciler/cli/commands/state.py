"""clearsky-orders state list|show|rm|mv|restore|seal|migrate"""

from __future__ import annotations

import json

import click

from reconciler.cli.options import settings_options
from reconciler.cli.output import format_option, json_messages, say
from reconciler.engine import (
    Settings,
    forget_order,
    migrate_state,
    move_entry,
    open_workspace,
    restore_state,
    seal_state,
    state_file_for,
)
from reconciler.errors import StateError
from reconciler.state import StateStore

PATH_ARGUMENT = click.argument("paths", nargs=-1, type=click.Path())
"""Where the manifests are, as for plan and apply: clearsky.yaml is found from there."""


@click.group()
def state() -> None:
    """Inspect and edit which live order each manifest name owns.

    The state lives where clearsky.yaml's state.url (a bucket) or state.path says, or where
    --state points. With CLEARSKY_API_KEY set (or --sandbox), its seal is checked.

    \b
    Examples:
      clearsky-orders state list orders/
      clearsky-orders state show aarhus-bay
      clearsky-orders state rm aarhus-bay     # stop managing it; the order keeps running
      clearsky-orders state mv old-name new-name
      clearsky-orders state restore           # put the state's backup back
      clearsky-orders state seal              # accept a hand edit (after reviewing it)
      clearsky-orders state migrate --from .clearsky/state.json   # into state.url
    """


def _store(settings: Settings) -> StateStore:
    return open_workspace(settings).state_file


@state.command("list")
@settings_options(changes=False)
@PATH_ARGUMENT
@format_option("text", "json")
def list_(settings: Settings, fmt: str) -> int:
    """List managed names and their order GUIDs, where the state lives and its workspace."""
    states = _store(settings)
    current = states.load()
    workspace = current.workspace or getattr(states, "workspace", "")
    if fmt == "json":
        say(
            json.dumps(
                {
                    "location": states.location,
                    "remote": states.remote,
                    "workspace": workspace,
                    "serial": current.serial,
                    "stateWarning": current.trust.summary(),
                    "notes": list(current.notes),
                    "orders": [
                        {
                            "name": name,
                            "orderGuid": entry.guid,
                            "preventCancel": entry.prevent_cancel,
                            "trusted": name not in current.untrusted,
                        }
                        for name, entry in sorted(current.orders.items())
                    ],
                },
                indent=2,
            )
        )
        return 0
    say(f"State: {states.describe()}")
    say(f"Workspace: {workspace or '(none)'}")
    warning = current.trust.summary()
    if warning:
        say(f"WARNING: {warning}")
    for note in current.notes:
        say(f"Note: {note}")
    if not current.orders:
        say("The state is empty: no orders are managed yet.")
    for name, entry in sorted(current.orders.items()):
        flags = "  [preventCancel]" if entry.prevent_cancel else ""
        said = current.trust.entry_flag(name) if name in current.untrusted else ""
        flags += f"  [{said}]" if said else ""
        say(f"{name}\t{entry.guid}{flags}")
    return 0


@state.command("show")
@click.argument("name")
@settings_options(changes=False)
@PATH_ARGUMENT
def show(name: str, settings: Settings) -> int:
    """Show one managed name's record."""
    current = _store(settings).load()
    entry = current.orders.get(name)
    if entry is None:
        raise StateError(f"{name!r} is not in the state; 'clearsky-orders state list' lists it")
    record = {
        "name": name,
        "orderGuid": entry.guid,
        "fingerprint": entry.fingerprint,
        "preventCancel": entry.prevent_cancel,
        "trusted": name not in current.untrusted,
        "serial": current.serial,
        "lineage": current.lineage,
        "workspace": current.workspace,
    }
    say(json.dumps(record, indent=2))
    return 0


@state.command("rm")
@click.argument("name")
@settings_options(changes=False, lock=True)
@PATH_ARGUMENT
@json_messages
def rm(name: str, settings: Settings) -> int:
    """Forget NAME's order: nothing is cancelled, the order keeps running unmanaged."""
    guid = forget_order(_store(settings), name, settings.lock_timeout)
    say(f"Removed {name} ({guid}) from the state; the order itself was not touched.")
    return 0


@state.command("mv")
@click.argument("old")
@click.argument("new")
@settings_options(changes=False, lock=True)
@PATH_ARGUMENT
@json_messages
def mv(old: str, new: str, settings: Settings) -> int:
    """Rename OLD's entry to NEW (after renaming its manifest): no order is touched.

    A plan finds a rename by itself (a cancel and a create of equal orders become a move);
    this does the same by hand.
    """
    guid = move_entry(_store(settings), old, new, settings.lock_timeout)
    say(f"Moved {old} ({guid}) to {new}; the order itself was not touched.")
    return 0


@state.command("restore")
@settings_options(changes=False, lock=True)
@PATH_ARGUMENT
@json_messages
def restore(settings: Settings) -> int:
    """Put the state's backup back (a local file it replaces is kept as state.json.broken).

    For a state that was deleted, truncated or mangled; run plan afterwards to see what the
    account holds.
    """
    count = restore_state(_store(settings), settings.lock_timeout)
    say(f"Restored the state from its backup: {count} order(s). Run plan to see where it stands.")
    return 0


@state.command("seal")
@settings_options(changes=False, lock=True)
@PATH_ARGUMENT
@json_messages
def seal(settings: Settings) -> int:
    """Accept the state as it is now: seal every entry with the account's key.

    A plan over a state changed outside clearsky-orders says so first and treats the changed
    entries as untrusted (they lift no protection, own no order another state claims and lower
    no cost). Review the change (git diff), then seal it. Needs CLEARSKY_API_KEY (or
    --sandbox); after the API key is rotated, seal once with the new key.

    \b
    Examples:
      git diff .clearsky/state.json && clearsky-orders state seal
    """
    before = seal_state(_store(settings), settings.lock_timeout)
    if before.clean:
        say("The state was already sealed as it is; sealed again.")
    elif before.changed:
        say(f"Sealed: accepted {len(before.changed)} entr(ies): {', '.join(before.changed)}.")
    else:
        say("Sealed: accepted the removed entries and other changes.")
    return 0


@state.command("migrate")
@click.option(
    "--from",
    "source",
    required=True,
    metavar="PATH|URL",
    help="Where the state lives now (a file, or s3://, gs://, az:// URL).",
)
@click.option(
    "--to",
    "destination",
    default=None,
    metavar="PATH|URL",
    help="Where it should live (default: what clearsky.yaml says).",
)
@settings_options(changes=False, lock=True)
@PATH_ARGUMENT
@json_messages
def migrate(source: str, destination: str | None, settings: Settings) -> int:
    """Copy the state, every entry and unfinished operation, to another location.

    The copy is read back and compared; the source is left as it was (remove it once the new
    location is in use). A destination that already holds another state is refused.

    \b
    Examples:
      # after adding state.url to clearsky.yaml:
      clearsky-orders state migrate --from .clearsky/state.json orders/
      clearsky-orders state migrate --from s3://team-state/a/state.json --to .clearsky/state.json
    """
    workspace = open_workspace(settings)
    sealer = workspace.state_file.sealer
    config = workspace.config
    from_store = state_file_for(workspace.paths, source, config, sealer)
    to_store = (
        state_file_for(workspace.paths, destination, config, sealer)
        if destination
        else workspace.state_file
    )
    count = migrate_state(from_store, to_store, settings.lock_timeout)
    say(
        f"Migrated {count} order(s) from {from_store.describe()} to {to_store.describe()}. "
        f"{from_store.location} is unchanged: remove it once the new state is in use."
    )
    return 0


@click.command("force-unlock")
@click.argument("lock_id")
@settings_options(changes=False)
@PATH_ARGUMENT
@json_messages
def force_unlock(lock_id: str, settings: Settings) -> int:
    """Release the state lock LOCK_ID that a run which died left behind.

    Only for a lock whose holder is gone: a run still holding it would go on without it (its
    next state write then fails rather than overwrite anything). The lock's id is in the
    message of the run that found it locked.

    \b
    Examples:
      clearsky-orders force-unlock 6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b orders/
    """
    message = _store(settings).force_unlock(lock_id)
    say(f"Warning: {message}" if message.startswith("removed") else message)
    return 0
