"""load -> refresh -> plan: everything `plan` does, without parsing or rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from reconciler.api import ClearskyClient
from reconciler.engine.live import live_digest, refresh
from reconciler.engine.pricing import Prefetched, price
from reconciler.manifest import Manifests
from reconciler.planning import Inputs, LiveOrder, Options, Plan, decide
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


def today_utc() -> date:
    return datetime.now(UTC).date()


async def make_plan(
    snap: Snapshot,
    client: ClearskyClient | None,
    *,
    options: Options | None = None,
    today: date | None = None,
    source: str = "",
    prefetched: Prefetched | None = None,
) -> Plan:
    """Decide the changes (pure) and, given a client, price them."""
    day = today or today_utc()
    changes = decide(snap.manifests.orders, snap.live, snap.state.orders, day, options or Options())
    if client is not None:
        changes = await price(changes, client, prefetched)
    return Plan(tuple(changes), day, snap.inputs(), datetime.now(UTC), source)
