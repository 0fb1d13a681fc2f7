"""status: is every managed order delivering? One read of the account, then, per order, the
dates the service has delivered for its area (POST /api/satelliteimages/search/available),
within the parallelism.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from reconciler.api import ClearskyClient
from reconciler.api.models import ModelImageDates
from reconciler.domain.geometry import service_wkt
from reconciler.domain.live import LiveOrder
from reconciler.domain.order import constellation_set
from reconciler.engine.live import refresh
from reconciler.engine.plan import open_service
from reconciler.engine.tiles import tile_ground
from reconciler.engine.workspace import Workspace
from reconciler.errors import ApiError, ClearskyOrdersError
from reconciler.planning.health import OrderHealth, order_health, window_start
from reconciler.progress import report


@dataclass(frozen=True)
class StatusReport:
    today: date
    orders: tuple[OrderHealth, ...]
    days: int
    grace: int


async def account_status(
    workspace: Workspace,
    *,
    days: int = 30,
    grace: int = 3,
    everything: bool = False,
    today: date | None = None,
) -> StatusReport:
    """The health of every managed order (and, with `everything`, of the unmanaged ones)."""
    day = today or datetime.now(UTC).date()
    state = workspace.state_file.load()
    async with workspace.target.client() as client:
        await open_service(workspace, state, client)
        report("reading the account...")
        live = {o.key: o for o in await refresh(client)}
        wanted: list[tuple[str, LiveOrder | None]] = [
            (name, live.get(entry.guid.lower())) for name, entry in sorted(state.orders.items())
        ]
        if everything:
            owned = {e.guid.lower() for e in state.orders.values()}
            wanted += [("", o) for k, o in sorted(live.items()) if k not in owned and o.active]
        report(f"asking the service what {len(wanted)} order(s) delivered...")
        jobs = [_delivered_job(client, order, day, days) for _, order in wanted]
        found = await client.bounded(jobs)
    orders = []
    for (name, order), delivered in zip(wanted, found, strict=True):
        if isinstance(delivered, BaseException):
            if not isinstance(delivered, ApiError):
                raise delivered
            raise ClearskyOrdersError(
                f"cannot read the delivered dates of {name or (order.guid if order else '?')}: "
                f"{delivered}"
            )
        health = order_health(name, order, delivered, day, days=days, grace=grace)
        orders.append(health)
    return StatusReport(day, tuple(orders), days, grace)


def _delivered_job(
    client: ClearskyClient, order: LiveOrder | None, today: date, days: int
) -> Callable[[], Awaitable[list[date]]]:
    async def job() -> list[date]:
        if order is None or order.spec is None or not order.active:
            return []
        spec = order.spec
        # a tile order's area is its tiles' ground, as the tile search draws it
        area = spec.geometry if spec.geometry is not None else await tile_ground(client, spec)
        if area is None:
            return []
        answer = await client.available_dates(
            wkt=service_wkt(area),
            start=window_start(today, days).isoformat(),
            until=today.isoformat(),
        )
        return dates_for(answer.model_image_dates, spec.model, spec.constellations)

    return job


def dates_for(
    groups: Sequence[ModelImageDates], model: str, constellations: frozenset[str]
) -> list[date]:
    """The dates of the group with this order's model and constellations (sub-areas
    included: any part of the area imaged that day counts for the day)."""
    wanted = {c.lower() for c in constellation_set(constellations)}
    dates: set[date] = set()
    for group in groups:
        kinds = {c.lower() for c in constellation_set(group.satellite_constellations)}
        if group.model.lower() != model.lower() or kinds != wanted:
            continue
        for part in group.dates_by_geog:
            dates |= set(part.dates)
    return sorted(dates)
