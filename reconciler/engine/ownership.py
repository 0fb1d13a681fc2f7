"""Changing who owns what without touching the account: import and forget."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.engine.account import check_owner
from reconciler.engine.live import refresh
from reconciler.engine.plan import open_service
from reconciler.engine.workspace import Workspace
from reconciler.errors import ClearskyOrdersError, StateError
from reconciler.manifest import load
from reconciler.planning import StateEntry
from reconciler.planning.rules import field_diff
from reconciler.state import StateFile


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
    with states.lock():
        current = states.load()
        owner = next((n for n, e in current.orders.items() if e.guid.lower() == guid.lower()), None)
        if owner and owner != name:
            raise StateError(f"order {guid} is already owned by {owner!r}")
        entry = StateEntry(live.guid, desired.spec.fingerprint, desired.prevent_cancel)
        check_owner(current, account)
        states.save(current.owned_by(account).with_order(name, entry))
    differs = live.spec is not None and live.spec != desired.spec
    diff = field_diff(live.spec, desired.spec) if differs and live.spec is not None else {}
    return Imported(live.guid, diff)


def forget_order(states: StateFile, name: str) -> str:
    """Stop managing `name`: its state entry goes, the order keeps running. Returns its guid."""
    with states.lock():
        current = states.load()
        if name not in current.orders:
            raise StateError(f"{name!r} is not in the state; nothing to remove")
        guid = current.orders[name].guid
        states.save(current.without(name))
    return guid


def move_entry(states: StateFile, old: str, new: str) -> str:
    """Rename a state entry (a manifest renamed): the order is not touched. Returns its guid."""
    with states.lock():
        current = states.load()
        if old not in current.orders:
            raise StateError(f"{old!r} is not in the state; 'clearsky-orders state list' lists it")
        if new in current.orders:
            raise StateError(f"{new!r} already owns order {current.orders[new].guid}")
        entry = current.orders[old]
        states.save(current.without(old).with_order(new, entry))
    return entry.guid


def restore_state(states: StateFile) -> int:
    """Put the state's backup back; returns how many orders it records."""
    with states.lock():
        return len(states.restore().orders)
