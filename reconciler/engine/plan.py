"""plan: load -> refresh -> decide -> annotate -> select -> price -> guardrails.

Everything `plan` does, and the first half of `apply`, without parsing or rendering.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from shapely.geometry.base import BaseGeometry

from reconciler.api import ClearskyClient
from reconciler.domain.catalog import Catalog
from reconciler.domain.live import LiveOrder
from reconciler.domain.order import OrderSpec
from reconciler.engine.account import check_owner, read_account
from reconciler.engine.catalog import service_catalog
from reconciler.engine.footprints import tile_footprints
from reconciler.engine.guard import blocking_violations
from reconciler.engine.imagery import pass_notes
from reconciler.engine.live import live_digest, refresh
from reconciler.engine.loading import EarlyLoad, Prefetch
from reconciler.engine.pricing import Prefetched, managed_estimates, price
from reconciler.engine.tiles import tile_notes as tile_suggestions
from reconciler.engine.workspace import Settings, Workspace, project_dir, workspace_files
from reconciler.manifest import Manifests, prepare
from reconciler.planning import Action, Change, Cost, Inputs, Plan, decide, with_money
from reconciler.planning.annotate import annotate, overlaps
from reconciler.planning.decide import Open
from reconciler.planning.footprint import with_footprints
from reconciler.planning.intents import resolve
from reconciler.planning.model import Intent
from reconciler.planning.money import baseline, with_changes
from reconciler.planning.plan import Credits
from reconciler.planning.scope import Scope, left_out_note, scoped
from reconciler.planning.select import select
from reconciler.progress import report
from reconciler.state import Owner, State


@dataclass(frozen=True)
class Snapshot:
    """What a plan is computed from. `state` is the state with the last apply's open intents
    resolved against the live orders (what apply starts from and records)."""

    manifests: Manifests
    state: State
    live: tuple[LiveOrder, ...]
    owner: Owner | None = None
    """The account the live orders were read from."""
    open: Open = field(default_factory=Open)
    notes: tuple[str, ...] = ()
    credits: Credits | None = None
    """The account's order credits, where the service names them."""

    def inputs(self) -> Inputs:
        return Inputs(self.manifests.digest(), live_digest(self.live), self.state.digest())


def resolved(
    manifests: Manifests,
    state: State,
    live: tuple[LiveOrder, ...],
    owner: Owner | None,
    foreign: Mapping[str, str] | None = None,
) -> Snapshot:
    """The snapshot with the state's open intents resolved against `live`, and without the
    entries that name an order another state owns (`foreign`, from the ownership index)."""
    foreign = foreign or {}
    state, dropped = _without_foreign(state, foreign)
    intents = state.trusted_intents
    found = resolve(intents, state.orders, live)
    pending, refused = _safe_cancels(found.pending, live, foreign)
    ours = {e.fingerprint for e in found.orders.values()}
    ours |= {p for e in found.orders.values() for p in e.previous}
    ours |= {i.fingerprint for i in intents if i.fingerprint}
    effective = replace(state.with_orders(found.orders), intents=pending)
    open_ = Open(pending, found.recovered, frozenset(ours - {""}), foreign)
    ignored = tuple(_untrusted_intent(i) for i in state.intents if i not in intents)
    notes = (*state.notes, *dropped, *found.notes, *refused, *ignored)
    return Snapshot(manifests, effective, live, owner, open_, notes)


def _safe_cancels(
    pending: tuple[Intent, ...], live: tuple[LiveOrder, ...], foreign: Mapping[str, str]
) -> tuple[tuple[Intent, ...], tuple[str, ...]]:
    """The pending cancels apply may carry out: never of an order the service made itself or
    one another workspace owns, whatever the state says."""
    automatic = {o.key for o in live if o.is_automatic}
    kept, notes = [], []
    for intent in pending:
        key = intent.guid.lower()
        if key in automatic or key in foreign:
            whose = (
                "an order the service made itself"
                if key in automatic
                else f"owned by {foreign[key]}"
            )
            notes.append(
                f"an unfinished cancel of order {intent.guid} in the state is not carried out: "
                f"it is {whose}"
            )
        else:
            kept.append(intent)
    return tuple(kept), tuple(notes)


def _untrusted_intent(intent: Intent) -> str:
    target = f"order {intent.guid}" if intent.guid else "a new order"
    return (
        f"an unfinished {intent.kind.value} of {intent.name or '?'} ({target}) in the state is "
        "not vouched for by its seal (changed outside clearsky-orders?): it is not carried out"
    )


def _without_foreign(state: State, foreign: Mapping[str, str]) -> tuple[State, tuple[str, ...]]:
    dropped = [
        (name, e.guid) for name, e in sorted(state.orders.items()) if e.guid.lower() in foreign
    ]
    notes = tuple(
        f"the state entry {name} names order {guid}, which {foreign[guid.lower()]}; the entry "
        "is ignored and will be dropped"
        for name, guid in dropped
    )
    for name, _ in dropped:
        state = state.without(name)
    return state, notes


async def snapshot(
    manifests: Manifests, state: State, client: ClearskyClient, owner: Owner | None = None
) -> Snapshot:
    """The manifests and the state as given, with the account read now."""
    return resolved(manifests, state, tuple(await refresh(client)), owner)


@dataclass(frozen=True)
class Service:
    """What a run learns of the service before it plans: whose account, and what it sells."""

    owner: Owner
    catalog: Catalog | None
    credits: Credits | None = None
    notes: tuple[str, ...] = ()
    """What a reviewer should know of the account (a new URL for the same one, say)."""


async def open_service(workspace: Workspace, state: State, client: ClearskyClient) -> Service:
    """The account the key opens and the service's models, asked at once; refuses a state
    that belongs to another account before anything else is asked."""
    service = await _ask_service(workspace, client)
    note = check_owner(state, service.owner, accept_url=workspace.settings.accept_url)
    return replace(service, notes=(note,) if note else ())


async def _ask_service(workspace: Workspace, client: ClearskyClient) -> Service:
    account, catalog = await asyncio.gather(
        read_account(workspace.target, client),
        service_catalog(client, project_dir(workspace.paths)),
    )
    return Service(account.owner, catalog, account.credits)


async def plan_workspace(
    workspace: Workspace, state: State | Callable[[], State], client: ClearskyClient
) -> tuple[Snapshot, Plan]:
    """The plan for a workspace's manifests: loaded while the account is read and likely
    estimates already run. `state` may be its loader: then it is read while the service
    answers."""
    report("reading the account and the manifests...")
    asked = asyncio.create_task(_ask_service(workspace, client))
    await asyncio.sleep(0)  # its two small requests go out first: the server answers in order
    listing = asyncio.create_task(refresh(client, unread=True))  # the longest read
    prefetch = Prefetch(client)
    early: EarlyLoad | None = None
    try:
        job = prepare(workspace.manifest_paths)
        early = EarlyLoad.guess(job, prefetch)
        if callable(state):  # read while the helper loads and the service answers
            state = await asyncio.to_thread(state)
        # Estimates read and spend nothing: those of changed manifests start now, while the
        # service says whose account this is (a state of another account still fails below).
        prefetch.ready(state.orders)
        service = await asked
        owned = check_owner(state, service.owner, accept_url=workspace.settings.accept_url)
    except BaseException:
        for task in (asked, listing, *([early.task] if early else [])):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        await prefetch.close()  # the estimates started ahead
        raise
    owner = service.owner
    others = asyncio.to_thread(workspace.state_file.others, owner.account)
    if early is None:
        early = EarlyLoad(replace(job, catalog=service.catalog or job.catalog), prefetch)
    (manifests, live, prefetch), foreign = await asyncio.gather(
        early.finish(service.catalog, listing, state), others
    )
    report(f"{len(manifests.orders)} manifest(s), {len(live)} live order(s); planning...")
    try:
        snap = resolved(manifests, state, live, owner, foreign)
        notes = (*((owned,) if owned else ()), *snap.notes)
        snap = replace(snap, credits=service.credits, notes=notes)
        plan = await make_plan(
            snap,
            client,
            workspace.settings,
            source=workspace.target.describe(),
            prefetched=prefetch,
            within=(workspace.scope, workspace.folder),
        )
    finally:
        await prefetch.close()
    return snap, plan


async def make_plan(
    snap: Snapshot,
    client: ClearskyClient | None,
    settings: Settings,
    *,
    source: str = "",
    today: date | None = None,
    prefetched: Prefetched | None = None,
    within: tuple[Scope, Path] | None = None,
) -> Plan:
    """decide -> scope and select -> price (given a client) -> money and warnings ->
    guardrails. `within`: the part of the workspace the run covers, and the workspace's folder
    (default: the whole of the working folder). The pure work runs off the event loop, beside
    the requests in flight."""
    now = datetime.now(UTC)
    day = today or now.date()
    scope, folder = within or (Scope(), Path(".").resolve())
    specs = [o.spec for o in snap.manifests.orders] + [o.spec for o in snap.live if o.active]
    (changes, inputs, left_out, files), (tiles, tile_notes) = await asyncio.gather(
        asyncio.to_thread(_decided, snap, settings, day, scope, folder),
        tile_footprints(specs, client) if client is not None else _nothing(),
    )
    notes = (*(str(n) for n in snap.manifests.notes), *snap.notes, *tile_notes)
    notes += tuple(n for n in [left_out_note(left_out, scope)] if n)
    unmanaged = sum(1 for c in changes if c.action == Action.UNMANAGED)
    if unmanaged:
        notes += (
            f"{unmanaged} unmanaged order(s): '{settings.command('import', '--all')}' writes "
            "a manifest for each, so that the workspace manages them",
        )
    changes = [with_footprints(c, tiles) for c in changes]
    geometry = asyncio.to_thread(overlaps, changes, snap.manifests.orders, snap.live, tiles)
    live_specs = {o.key: o.spec for o in snap.live if o.spec is not None and o.active}
    estimates: dict[str, Cost] = {}
    if client is not None:
        tiling = snap.manifests.config.tiles
        (
            (changes, price_notes),
            found,
            estimates,
            (lines, tile_notes_),
            passes,
        ) = await asyncio.gather(
            price(changes, client, prefetched),
            geometry,
            _budget_estimates(snap, live_specs, client),
            tile_suggestions(
                changes,
                client,
                tiling.cheaper_by,
                prefetched,
                lambda name: settings.command("tiles", "suggest", name, "--write", f"{name}-tiles"),
            )
            if tiling.suggest
            else _no_suggestions(),
            pass_notes(changes, client, day) if snap.manifests.config.notes.passes else _no_lines(),
        )
        changes = [c.with_warning(lines[i]) if i in lines else c for i, c in enumerate(changes)]
        changes = [c.with_warning(passes[i]) if i in passes else c for i, c in enumerate(changes)]
        notes += price_notes + tile_notes_
    else:
        found = await geometry
    base = baseline(snap.state.guarded(), live_specs, day, settings.horizon, estimates)
    priced = [with_money(c, day, settings.horizon, now) for c in changes]
    noted = annotate(priced, snap.manifests.orders, snap.live, now, tiles, found)
    line = with_changes(base, noted)
    trust = snap.state.trust
    plan = Plan(
        tuple(noted),
        day,
        inputs,
        now,
        source,
        timeline=line,
        notes=notes,
        state_warning=trust.summary(),
        untrusted=tuple(sorted(snap.state.untrusted)),
        credits=snap.credits,
        files=files,
    )
    policy = snap.manifests.config.policy
    protected = snap.state.protections()
    found_rules = blocking_violations(plan, policy, protected, force=settings.force)
    return replace(plan, violations=found_rules)


async def _no_lines() -> dict[int, str]:
    return {}


async def _no_suggestions() -> tuple[dict[int, str], tuple[str, ...]]:
    return {}, ()


async def _nothing() -> tuple[dict[str, BaseGeometry], tuple[str, ...]]:
    return {}, ()


def _decided(
    snap: Snapshot, settings: Settings, day: date, scope: Scope, folder: Path
) -> tuple[list[Change], Inputs, int, dict[str, str]]:
    state = snap.state.guarded()
    found = decide(snap.manifests.orders, snap.live, state, day, settings.options, snap.open)
    files = workspace_files({o.name: o.source.file for o in snap.manifests.orders}, folder)
    within = scoped(found, scope, files, state)
    chosen = select(within.changes, settings.selection, state)
    return chosen, snap.inputs(), within.left_out, files


async def _budget_estimates(
    snap: Snapshot, live_specs: Mapping[str, OrderSpec], client: ClearskyClient
) -> dict[str, Cost]:
    """With a monthly ceiling, every managed order is priced live: the budget counts the
    dearer of that and the state's record (the state alone never makes a plan cheaper)."""
    if snap.manifests.config.policy.max_monthly_cost is None:
        return {}
    specs = {
        name: live_specs[entry.guid.lower()]
        for name, entry in snap.state.orders.items()
        if entry.guid.lower() in live_specs
    }
    return await managed_estimates(specs, client)
