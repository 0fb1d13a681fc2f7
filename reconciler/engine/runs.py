"""The runs commands ask for: plan, apply the manifests, apply a saved plan.

Each opens the client, reads the state, plans, asks the guard and (for apply) applies. What a
person sees or answers comes in as callbacks, so the engine formats nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from reconciler.engine.apply import ApplyReport, apply_plan
from reconciler.engine.guard import raise_if_unsafe
from reconciler.engine.plan import make_plan, open_service, plan_workspace, snapshot
from reconciler.engine.workspace import Workspace
from reconciler.heap import LARGE, collection_paused
from reconciler.manifest import load
from reconciler.planning import Plan
from reconciler.planning.events import Listener
from reconciler.render.document import PlanDoc

Show = Callable[[Plan], None]
Confirm = Callable[[], bool]


@dataclass(frozen=True)
class ApplyResult:
    plan: Plan
    report: ApplyReport | None = None
    """None when nothing was applied: no changes, or the user said no."""
    declined: bool = False


async def plan_only(workspace: Workspace) -> Plan:
    """The plan for the workspace's manifests; changes nothing."""
    async with workspace.target.client() as client:
        with collection_paused() as pause:
            _, plan = await plan_workspace(workspace, workspace.state_file.load, client)
            pause.keep = len(plan.changes) >= LARGE
    return plan


async def apply_manifests(
    workspace: Workspace,
    *,
    show: Show,
    confirm: Confirm,
    listener: Listener,
    reviewed_checksum: str | None = None,
) -> ApplyResult:
    """Plan, show the plan, refuse it if unsafe, ask, apply. The caller holds the lock."""
    async with workspace.target.client() as client:
        with collection_paused() as pause:
            snap, plan = await plan_workspace(workspace, workspace.state_file.load, client)
            pause.keep = len(plan.changes) >= LARGE
        show(plan)
        raise_if_unsafe(plan, reviewed_checksum=reviewed_checksum)
        if not plan.has_changes:
            return ApplyResult(plan)
        if not confirm():
            return ApplyResult(plan, declined=True)
        start = snap.state.owned_by(snap.owner) if snap.owner else snap.state
        report = await apply_plan(plan, client, workspace.state_file, start, listener)
    return ApplyResult(plan, report)


async def apply_saved(
    workspace: Workspace, saved: PlanDoc, *, show: Show, listener: Listener
) -> ApplyResult:
    """Plan again with the saved plan's settings and apply it only if nothing moved since it
    was made. The caller holds the lock."""
    async with workspace.target.client() as client:
        state = workspace.state_file.load()
        service = await open_service(workspace, state, client)
        manifests = load(workspace.manifest_paths, service.catalog)
        snap = await snapshot(manifests, state, client, service.owner)
        snap = replace(snap, credits=service.credits, notes=(*service.notes, *snap.notes))
        plan = await make_plan(
            snap,
            client,
            workspace.settings,
            source=saved.source,
            within=(workspace.scope, workspace.folder),
        )
        raise_if_unsafe(plan, saved=saved)
        show(plan)
        report = await apply_plan(
            plan, client, workspace.state_file, snap.state.owned_by(service.owner), listener
        )
    return ApplyResult(plan, report)
