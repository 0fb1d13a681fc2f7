"""report: the account as it is, for a page to look at. This run's plan (what the manifests
would change, the cost timeline, unmanaged and orphaned orders), the health of every managed
order, and what the state recorded each one costs; the HTML is drawn by render/html.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reconciler.domain.geometry import area_km2
from reconciler.domain.order import OrderSpec
from reconciler.engine.runs import plan_only
from reconciler.engine.status import account_status
from reconciler.engine.workspace import Workspace
from reconciler.planning import StateEntry
from reconciler.planning.money import baseline
from reconciler.planning.plan import Plan
from reconciler.render.html import OrderRow


@dataclass(frozen=True)
class AccountReport:
    today: date
    plan: Plan
    orders: tuple[OrderRow, ...]


async def account_report(workspace: Workspace, *, days: int = 30, grace: int = 3) -> AccountReport:
    """Plan the workspace (changing nothing) and ask how every managed order delivers."""
    plan = await plan_only(workspace)
    health = await account_status(workspace, days=days, grace=grace)
    state = workspace.state_file.load()
    shapes, specs = {}, {}
    for change in plan.changes:
        if change.name:
            shapes[change.name] = change.live_shape or change.desired_shape
            if change.live is not None:
                specs[change.name] = change.live
    rows = []
    for order in health.orders:
        entry = state.orders.get(order.name)
        shape = shapes.get(order.name)
        rows.append(
            OrderRow(
                name=order.name,
                guid=order.guid,
                health=order.health.value,
                status=order.status,
                area_km2=round(area_km2(shape), 2) if shape is not None else None,
                next_month=_next_month(entry, specs.get(order.name), health.today),
                last_delivered=max(order.delivered) if order.delivered else None,
                next_expected=order.next_expected,
                deadline=order.deadline,
                shape=shape,
            )
        )
    return AccountReport(health.today, plan, tuple(rows))


def _next_month(entry: StateEntry | None, spec: OrderSpec | None, today: date) -> float | None:
    """What the order is charged next month by its recorded estimate (the plan's timeline,
    for this one order); None when nothing is recorded or it is not listed."""
    if entry is None or spec is None or entry.cost is None:
        return None
    found = baseline({"order": entry}, {entry.guid.lower(): spec}, today, 2)
    return found.months[1].before if not found.unknown else None
