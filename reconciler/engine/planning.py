"""load -> refresh -> plan: everything `plan` does, without parsing or rendering."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from reconciler.api import ClearskyClient
from reconciler.engine.live import live_digest, refresh
from reconciler.engine.pricing import Prefetched, price
from reconciler.manifest import Manifests
from reconciler.planning import Change, Inputs, LiveOrder, Options, Plan, decide
from reconciler.planning.select import Selection, select
from reconciler.planning.warnings import annotate
from reconciler.policy import check
from reconciler.state import State


@dataclass(frozen=True)
class Snapshot:
    """What a plan is computed from."""

    manifests: Manifests
    state: State
    live: tuple[LiveOrder, ...]

    def inputs(self) -> Inputs:
        return Inputs(self.manifests.digest(), live_digest(self.live), self.state.digest())


async def snapshot(manifests: Manifests, state: State, client: ClearskyClient) -> Snapshot:
    return Snapshot(manifests, state, tuple(await refresh(client)))


async def make_plan(
    snap: Snapshot,
    client: ClearskyClient | None,
    *,
    options: Options | None = None,
    today: date | None = None,
    source: str = "",
    prefetched: Prefetched | None = None,
    selection: Selection | None = None,
    force: bool = False,
) -> Plan:
    """decide -> warn -> select -> price (given a client) -> check the policy."""
    now = datetime.now(UTC)
    day = today or now.date()
    state = snap.state.orders

    def changes_and_inputs() -> tuple[list[Change], Inputs]:
        found = decide(snap.manifests.orders, snap.live, state, day, options or Options())
        found = annotate(found, snap.manifests.orders, snap.live, now)
        return select(found, selection or Selection(), state), snap.inputs()

    # Pure work, off the event loop: prefetched estimates keep flowing meanwhile.
    changes, inputs = await asyncio.to_thread(changes_and_inputs)
    if client is not None:
        changes = await price(changes, client, prefetched)
    plan = Plan(tuple(changes), day, inputs, now, source)
    violations = [
        v for v in check(plan, snap.manifests.config.policy, state) if not (force and v.forcible)
    ]
    return replace(plan, violations=tuple(violations))
