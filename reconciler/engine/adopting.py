"""Bringing an existing account under management: a manifest written for each live order.

`import --all` writes, for every active order that no manifest describes and no state owns,
a manifest that reproduces it exactly as the service lists it (its area as the service's WKT,
or its tiles; a field clearsky.yaml's defaults give anyway is left out), and records in the
state, under its lock, that the manifest owns the order: right after, a plan has nothing to
do. `import NAME GUID --write FILE` does the same for one order. Orders the service made
itself, orders another workspace owns, and orders no single manifest can express (tiles and
minitiles at once) are skipped and said. Files are never overwritten; names come from a
template and are unique.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.domain.catalog import Catalog
from reconciler.domain.live import LiveOrder
from reconciler.engine.account import check_owner
from reconciler.engine.live import refresh
from reconciler.engine.plan import open_service
from reconciler.engine.workspace import Workspace, workspace_files
from reconciler.errors import ConfigurationError
from reconciler.files import create_new_file, folders_below, inside
from reconciler.manifest import load
from reconciler.manifest.shorten import shortest_spec
from reconciler.planning import StateEntry

DEFAULT_TEMPLATE = "order-{start}-{short}"
"""A written manifest's name: {start} the order's first month, {short} its GUID's first 8."""
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Written:
    name: str
    guid: str
    file: Path
    text: str
    fingerprint: str
    """The order's spec's, which the manifest's equals (it reproduces it)."""


@dataclass
class Adoption:
    written: list[Written] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(order GUID, why) of the live orders left alone."""


@dataclass(frozen=True)
class _Survey:
    """What an import reads: the state, the service, the manifests and the live orders."""

    owner: Any
    catalog: Any
    live: list[LiveOrder]
    owned: set[str]
    foreign: Mapping[str, str]
    described: Mapping[str, str]
    """fingerprint -> the name of the manifest that describes it."""
    taken: set[str]


async def _survey(workspace: Workspace) -> _Survey:
    async with workspace.target.client() as client:
        state = workspace.state_file.load()
        service = await open_service(workspace, state, client)
        manifests = load(workspace.manifest_paths, service.catalog)
        live = await refresh(client)
    return _Survey(
        owner=service.owner,
        catalog=service.catalog,
        live=live,
        owned={e.guid.lower() for e in state.orders.values()},
        foreign=workspace.state_file.others(service.owner.account) or {},
        described={o.spec.fingerprint: o.name for o in manifests.orders},
        taken={o.name for o in manifests.orders} | set(state.orders),
    )


async def import_all(
    workspace: Workspace, folder: Path, *, template: str = DEFAULT_TEMPLATE, dry_run: bool = False
) -> Adoption:
    """Write a manifest per unmanaged order into `folder` (inside the workspace) and record
    its ownership; with `dry_run`, only say what would be written."""
    folder = _within(workspace, folder)
    seen = await _survey(workspace)
    found = Adoption()
    for order in sorted(seen.live, key=lambda o: o.key):
        why = _left_alone(order, seen)
        if why:
            if why != "managed":
                found.skipped.append((order.guid, why))
            continue
        name = _unique(_named(template, order), seen.taken)
        seen.taken.add(name)
        found.written.append(_written(workspace, name, order, folder / f"{name}.yaml", seen))
    if not dry_run and found.written:
        _record(workspace, found, seen.owner)
    return found


async def import_one(
    workspace: Workspace, name: str, guid: str, file: Path, *, dry_run: bool = False
) -> Written:
    """Write the manifest `name` of live order `guid` to `file` (inside the workspace) and
    record that it owns the order."""
    if not _NAME.fullmatch(name):
        raise ConfigurationError(
            f"{name!r} is not a manifest name: lowercase letters, digits and '-', at most 63"
        )
    if file.suffix not in (".yaml", ".yml"):
        raise ConfigurationError(f"{file}: a manifest file ends in .yaml or .yml")
    path = _within(workspace, file.parent) / file.name
    seen = await _survey(workspace)
    order = next((o for o in seen.live if o.key == guid.lower()), None)
    if order is None or not order.active or order.spec is None:
        raise ConfigurationError(f"the account has no active order {guid}")
    if name in seen.taken:
        raise ConfigurationError(f"the name {name!r} is taken by a manifest or the state")
    why = _left_alone(order, seen)
    if why == "managed":
        holder = seen.described.get(order.spec.fingerprint)
        why = f"the manifest {holder!r} describes it" if holder else "this state owns it"
    if why:
        raise ConfigurationError(f"order {order.guid} is not imported: {why}")
    written = _written(workspace, name, order, path, seen)
    if not dry_run:
        _record(workspace, Adoption(written=[written]), seen.owner)
    return written


def _within(workspace: Workspace, folder: Path) -> Path:
    folder = folder if folder.is_absolute() else Path.cwd() / folder
    if not inside(folder, workspace.folder):
        raise ConfigurationError(f"{folder} is outside the workspace {workspace.folder}")
    return workspace.folder / folder.resolve().relative_to(workspace.folder)


def _written(
    workspace: Workspace, name: str, order: LiveOrder, path: Path, seen: _Survey
) -> Written:
    assert order.spec is not None
    defaults = workspace.config.defaults.model_dump(by_alias=True, exclude_none=True)
    text = manifest_text(name, order, defaults, seen.catalog)
    return Written(name, order.guid, path, text, order.spec.fingerprint)


def _left_alone(order: LiveOrder, seen: _Survey) -> str:
    spec = order.spec
    if not order.active or spec is None:
        return "managed"  # ended, canceled or unreadable: nothing to write
    if order.key in seen.owned or spec.fingerprint in seen.described:
        return "managed"  # owned here, or a manifest already describes it (plan adopts it)
    if order.is_automatic:
        return "made by the service itself (IsAutomaticOrder)"
    if order.key in seen.foreign:
        return f"owned by {seen.foreign[order.key]}"
    if spec.tiles and spec.mini_tiles:
        return "it has tiles and minitiles, which one manifest cannot hold"
    return ""


def _named(template: str, order: LiveOrder) -> str:
    assert order.spec is not None
    values = {"start": f"{order.spec.start:%Y-%m}", "short": order.guid.lower()[:8]}
    try:
        name = template.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigurationError(
            f"--name-template {template!r}: use {{start}} and {{short}} ({exc})"
        ) from None
    name = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:63].strip("-")
    return name if _NAME.fullmatch(name) else f"order-{values['short']}"


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        suffix = f"-{number}"
        candidate, number = name[: 63 - len(suffix)] + suffix, number + 1
    return candidate


def manifest_text(
    name: str, order: LiveOrder, defaults: Mapping[str, Any], catalog: Catalog
) -> str:
    """The manifest of `order` as the service lists it, without the fields the workspace's
    defaults give the same value (it still resolves to exactly the order)."""
    assert order.spec is not None
    canonical = order.spec.as_dict()
    aoi = canonical["aoi"]
    if "wkt" not in aoi:
        aoi = {"tiles": aoi["tiles"]} if aoi["tiles"] else {"miniTiles": aoi["miniTiles"]}
    spec = {"aoi": aoi, **{k: v for k, v in canonical.items() if k != "aoi"}}
    body: dict[str, Any] = {
        "apiVersion": "clearsky-orders/v1",
        "kind": "TaskingOrder",
        "metadata": {"name": name, "labels": _labels(order.guid)},
        "spec": shortest_spec(spec, defaults, catalog),
    }
    head = f"# Imported from live order {order.guid}: it reproduces the order as listed.\n"
    return head + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)


def _labels(guid: str) -> dict[str, str]:
    return {"imported-from": guid.lower()[:63]}


def _record(workspace: Workspace, found: Adoption, owner: Any) -> None:
    """Write the files (never over one), then record ownership under the state's lock."""
    states = workspace.state_file
    with states.lock(workspace.settings.lock_timeout, "import"):
        current = states.load()
        check_owner(current, owner, accept_url=workspace.settings.accept_url)
        for each in found.written:  # all checked first: nothing is written then
            if each.file.exists() or each.file.is_symlink():
                raise ConfigurationError(f"{each.file} exists; import never overwrites a file")
        for each in found.written:
            folders_below(workspace.folder, each.file.parent)
            with os.fdopen(create_new_file(each.file), "w", encoding="utf-8") as out:
                out.write(each.text)
        files = workspace_files({w.name: str(w.file) for w in found.written}, workspace.folder)
        entries = {
            w.name: StateEntry(w.guid, w.fingerprint, labels=_labels(w.guid), file=files[w.name])
            for w in found.written
        }
        states.save(current.owned_by(owner).with_entries(entries))
