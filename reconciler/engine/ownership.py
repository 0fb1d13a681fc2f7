"""Changing who owns what without touching the account: import and forget."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.engine.account import check_owner
from reconciler.engine.live import refresh
from reconciler.engine.plan import open_service
from reconciler.engine.workspace import Workspace, workspace_files
from reconciler.errors import ClearskyOrdersError, StateError
from reconciler.manifest import load
from reconciler.planning import StateEntry
from reconciler.planning.rules import field_diff
from reconciler.state import StateStore, Trust


@dataclass(frozen=True)
class Imported:
    guid: str
    diff: dict[str, dict[str, Any]] = field(default_factory=dict)
    """How the live order differs from the manifest (the next plan replaces it)."""


async def import_order(workspace: Workspace, name: str, guid: str) -> Imported:
    """Record that manifest `name` owns live order `guid`; nothing is created or cancelled."""
    async with workspace.target.client() as client:
        service = await open_service(workspace, workspace.state_file.load(), client)
        desired = {o.name: o for o in load(workspace.paths, service.catalog).orders}.get(name)
        if desired is None:
            raise ClearskyOrdersError(f"no manifest is named {name!r}")
        live = {o.key: o for o in await refresh(client)}.get(guid.lower())
    account = service.owner
    if live is None or live.canceled:
        raise ClearskyOrdersError(f"the account has no active order {guid}")
    states = workspace.state_file
    with states.lock(workspace.settings.lock_timeout, "import"):
        current = states.load()
        owner = next((n for n, e in current.orders.items() if e.guid.lower() == guid.lower()), None)
        if owner and owner != name:
            raise StateError(f"order {guid} is already owned by {owner!r}")
        file = workspace_files({name: desired.source.file}, workspace.folder)[name]
        entry = StateEntry(live.guid, desired.spec.fingerprint, desired.prevent_cancel, file=file)
        check_owner(current, account, accept_url=workspace.settings.accept_url)
        states.save(current.owned_by(account).with_order(name, entry))
    differs = live.spec is not None and live.spec != desired.spec
    diff = field_diff(live.spec, desired.spec) if differs and live.spec is not None else {}
    return Imported(live.guid, diff)


def forget_order(states: StateStore, name: str, timeout: float = 0.0) -> str:
    """Stop managing `name`: its state entry goes, the order keeps running. Returns its guid."""
    with states.lock(timeout, "state rm"):
        current = states.load()
        if name not in current.orders:
            raise StateError(f"{name!r} is not in the state; nothing to remove")
        guid = current.orders[name].guid
        states.save(current.without(name))
    return guid


def move_entry(states: StateStore, old: str, new: str, timeout: float = 0.0) -> str:
    """Rename a state entry (a manifest renamed): the order is not touched. Returns its guid."""
    with states.lock(timeout, "state mv"):
        current = states.load()
        if old not in current.orders:
            raise StateError(f"{old!r} is not in the state; 'clearsky-orders state list' lists it")
        if new in current.orders:
            raise StateError(f"{new!r} already owns order {current.orders[new].guid}")
        if old in current.untrusted:
            raise StateError(
                f"the entry {old!r} was changed outside clearsky-orders; review it and accept it "
                "with 'clearsky-orders state seal' before moving it"
            )
        entry = current.orders[old]
        states.save(current.without(old).with_order(new, entry))
    return entry.guid


def restore_state(states: StateStore, timeout: float = 0.0) -> int:
    """Put the state's backup back; returns how many orders it records."""
    with states.lock(timeout, "state restore"):
        return len(states.restore().orders)


def seal_state(states: StateStore, timeout: float = 0.0) -> Trust:
    """Accept the state as it is: seal every entry with the current key. Returns what the
    seal said before (the entries this accepts)."""
    if states.sealer is None:
        raise StateError(
            "sealing needs the account's API key (CLEARSKY_API_KEY, or --sandbox for the "
            "embedded sandbox); nothing was sealed"
        )
    with states.lock(timeout, "state seal"):
        current = states.load()
        if current.notes:
            raise StateError(f"{current.notes[0]}. Fix the state by hand first; nothing was sealed")
        states.save(current.sealed_as_is())
    return current.trust


def migrate_state(source: StateStore, target: StateStore, timeout: float = 0.0) -> int:
    """Copy the state from `source` to `target`, every entry and unfinished operation, and
    read it back; the source is left as it was. Returns how many orders moved."""
    if source.location == target.location:
        raise StateError(f"the state already lives at {target.location}; nothing to migrate")
    with source.lock(timeout, "state migrate"), target.lock(timeout, "state migrate"):
        moving = source.load()
        there = target.load()
        if (there.orders or there.intents) and there.lineage != moving.lineage:
            raise StateError(
                f"{target.location} already holds another state ({there.contents()}); nothing "
                "was copied. Migrate into an empty location"
            )
        target.save(replace(moving, serial=max(moving.serial, there.serial)))
        copied = target.load()
    if dict(copied.orders) != dict(moving.orders) or copied.intents != moving.intents:
        raise StateError(
            f"the state read back from {target.location} differs from {source.location}; "
            "the source is unchanged: keep using it"
        )
    return len(copied.orders)
