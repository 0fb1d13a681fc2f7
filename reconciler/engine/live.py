"""Reading the account: live orders as the planner sees them."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence

from reconciler.api import ClearskyClient, TaskOrder
from reconciler.planning.model import LiveOrder
from reconciler.spec.geometry import GeometryProblem, parse_wkt
from reconciler.spec.order import OrderSpec, constellation_set, model_name


def live_order(order: TaskOrder) -> LiveOrder:
    """A listed order with its spec normalised; an unreadable one keeps spec=None and says why."""
    spec = problem = None
    try:
        spec = live_spec(order)
    except GeometryProblem as exc:
        problem = f"its WKT cannot be read ({exc})"
    return LiveOrder(
        guid=order.task_order_guid,
        status=order.ordering_process_status,
        spec=spec,
        is_automatic=order.is_automatic_order,
        created=order.created_date,
        area_km2=order.task_order_area_km2,
        problem=problem,
    )


def live_spec(order: TaskOrder) -> OrderSpec:
    geometry = parse_wkt(order.wkt) if order.wkt else None
    if geometry is None and not order.tiles and not order.mini_tiles:
        raise GeometryProblem("the order has neither a WKT nor tiles")
    return OrderSpec(
        constellations=constellation_set(order.satellite_constellations),
        model=model_name(order.model),
        image_frequency=order.image_frequency,
        reference_date=order.reference_date or order.from_,
        start=order.from_,
        end=order.to,
        storage_months=order.storage_months,
        api_requests=order.api_requests,
        geometry=geometry,
        tiles=frozenset(t.lower() for t in order.tiles) if geometry is None else frozenset(),
        mini_tiles=frozenset(t.lower() for t in order.mini_tiles)
        if geometry is None
        else frozenset(),
    )


async def refresh(client: ClearskyClient) -> list[LiveOrder]:
    """Every order of the account, expired ones included."""
    listed = await client.list_orders(get_expired=True)
    # Reading thousands of geometries takes a while: off the event loop, so that requests
    # already in flight (prefetched estimates) are answered meanwhile.
    return await asyncio.to_thread(lambda: [live_order(o) for o in listed])


def live_digest(orders: Sequence[LiveOrder]) -> str:
    rows = sorted(
        [o.key, o.status.lower(), o.spec.fingerprint if o.spec else o.problem or ""] for o in orders
    )
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()
