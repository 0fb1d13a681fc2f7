"""products and acquisitions: what lies behind an order's imagery, and what is coming.

- The input satellite products behind an order's composite of a date
  (POST /api/satelliteproducts/satellitezones/composite).
- The planned satellite acquisitions over an area for the next days
  (POST /api/satelliteproducts/acquisitionplans).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shapely.geometry import MultiPolygon

from reconciler.api import ClearskyClient
from reconciler.api.imagery import AcquisitionDay, InputProduct, acquisition_plans, input_products
from reconciler.domain.calendar import image_dates, month_end, month_start
from reconciler.domain.geometry import service_wkt
from reconciler.domain.order import OrderSpec
from reconciler.engine.tiles import aoi_geometry, tile_ground
from reconciler.engine.workspace import Workspace
from reconciler.errors import ClearskyOrdersError, NoPriceError, ServiceError
from reconciler.manifest import load
from reconciler.planning.model import Change

MAX_DAYS = 60


@dataclass(frozen=True)
class Products:
    name: str
    day: date
    spec: OrderSpec
    products: tuple[InputProduct, ...]


@dataclass(frozen=True)
class Acquisitions:
    what: str
    start: date
    until: date
    days: tuple[AcquisitionDay, ...]


async def area_of(client: ClearskyClient, spec: OrderSpec) -> MultiPolygon:
    """An order's area: its polygon, or the ground of its tiles as the service draws them."""
    if spec.geometry is not None:
        return spec.geometry
    ground = await tile_ground(client, spec)
    if ground is None:
        raise ClearskyOrdersError("the tile search could not draw this tile order's area")
    return ground


async def products(workspace: Workspace, name: str, day: date) -> Products:
    named = {o.name: o for o in load(workspace.paths).orders}.get(name)
    if named is None:
        raise ClearskyOrdersError(f"no manifest is named {name!r}")
    spec = named.spec
    async with workspace.target.client() as client:
        area = await area_of(client, spec)
        found = await input_products(
            client,
            wkt=service_wkt(area),
            day=day,
            model=spec.model,
            constellations=sorted(spec.constellations),
        )
    return Products(name, day, spec, tuple(found))


async def acquisitions(workspace: Workspace, aoi: str, days: int, today: date) -> Acquisitions:
    if not 1 <= days <= MAX_DAYS:
        raise ClearskyOrdersError(f"--days {days}: give 1 to {MAX_DAYS}")
    until = today + timedelta(days=days)
    named = {o.name: o for o in load(workspace.paths).orders}.get(aoi)
    async with workspace.target.client() as client:
        area = await area_of(client, named.spec) if named else aoi_geometry(aoi)
        found = await acquisition_plans(client, wkt=service_wkt(area), start=today, until=until)
    return Acquisitions(aoi if named else "the AOI", today, until, tuple(found))


def passes_on(found: Acquisitions, dates: set[date]) -> int:
    """How many planned passes fall on these dates."""
    return sum(len(d.acquisition_plans) for d in found.days if d.date.date() in dates)


PASSES_AT_MOST = 20
"""New orders a plan asks the acquisition plans about (one request each)."""
PASSES_REACH_DAYS = 40
"""How far ahead the acquisition plans are asked (the satellites publish about two weeks;
forty days reach into next month whatever the day, so a new order starting then has dates)."""


async def pass_notes(
    changes: Sequence[Change], client: ClearskyClient, today: date
) -> dict[int, str]:
    """A line by change index for each new polygon order whose first month's image dates the
    acquisition plans reach: how many planned passes fall on them. Informative only: a
    failed request adds no line."""
    asked = [
        i
        for i, c in enumerate(changes)
        if c.needs_create and c.desired is not None and c.desired.geometry is not None
    ][:PASSES_AT_MOST]
    found = await client.bounded([_passes_job(client, changes[i], today) for i in asked])
    return {
        index: line
        for index, line in zip(asked, found, strict=True)
        if isinstance(line, str) and line
    }


def _passes_job(client: ClearskyClient, change: Change, today: date) -> Any:
    async def job() -> str:
        spec = change.desired
        assert spec is not None and spec.geometry is not None
        first = max(spec.start, month_start(today))
        last = month_end(first)
        if spec.end is not None:
            last = min(last, spec.end)
        reach = today + timedelta(days=PASSES_REACH_DAYS)
        dates = image_dates(spec.reference_date, spec.image_frequency, first, last)
        seen = [d for d in dates if today <= d <= reach]
        if not seen:
            return ""
        try:
            plans = await acquisition_plans(
                client, wkt=service_wkt(spec.geometry), start=seen[0], until=seen[-1]
            )
        except (ServiceError, NoPriceError):
            return ""
        on = set(seen)
        passes = sum(len(p.acquisition_plans) for p in plans if p.date.date() in on)
        hit = len({p.date.date() for p in plans if p.date.date() in on and p.acquisition_plans})
        return (
            f"{passes} planned satellite pass(es) fall on {hit} of the {len(seen)} image "
            f"date(s) of its first month that the acquisition plans reach (to "
            f"{seen[-1].isoformat()})"
        )

    return job
