"""The wire format, both ways: a desired order -> a request body, a listed order -> a live order.

Only this module knows how the service names an order's fields; everything above works with
OrderSpec and LiveOrder.
"""

from __future__ import annotations

from shapely.geometry import MultiPolygon

from reconciler.api.models import OrderRequest, TaskOrder
from reconciler.domain.geometry import GeometryProblem, parse_wkt, service_wkt
from reconciler.domain.live import LiveOrder
from reconciler.domain.order import OrderSpec, constellation_set, model_name
from reconciler.domain.unread import Unread
from reconciler.shared import shared


def order_request(spec: OrderSpec) -> OrderRequest:
    """The create and estimate request for `spec`."""
    return OrderRequest(
        wkt=service_wkt(spec.geometry) if spec.geometry is not None else None,
        geo_json=None,
        tile_guids=sorted(spec.tiles) if spec.tiles else None,
        mini_tile_guids=sorted(spec.mini_tiles) if spec.mini_tiles else None,
        satellite_constellations=sorted(spec.constellations),
        model=spec.model,
        storage_months=spec.storage_months,
        api_requests=spec.api_requests,
        image_frequency=spec.image_frequency,
        reference_date=spec.reference_date,
        from_=spec.start,
        to=spec.end,
    )


def live_order(order: TaskOrder, unread: bool = False) -> LiveOrder:
    """A listed order with its spec normalised; an unreadable one keeps spec=None and says why.
    With `unread`, its WKT is kept as text (engine/recognise.py reads what needs reading)."""
    spec = problem = None
    try:
        spec = live_spec(order, unread)
    except GeometryProblem as exc:
        problem = unreadable(exc)
    return LiveOrder(
        guid=shared(order.task_order_guid),  # its state entry shares it
        status=shared(order.ordering_process_status),
        spec=spec,
        is_automatic=order.is_automatic_order,
        created=order.created_date,
        area_km2=order.task_order_area_km2,
        problem=problem,
    )


def unreadable(problem: GeometryProblem) -> str:
    """Why a listed order has no spec."""
    return f"its WKT cannot be read ({problem})"


def live_spec(order: TaskOrder, unread: bool = False) -> OrderSpec:
    """The spec of a listed order (its rewritten WKT read as geometry)."""
    geometry: MultiPolygon | Unread | None = None
    if order.wkt:
        geometry = Unread.of("listed", order.wkt) if unread else parse_wkt(order.wkt)
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
        aoi=geometry,
        tiles=frozenset(t.lower() for t in order.tiles) if geometry is None else frozenset(),
        mini_tiles=(
            frozenset(t.lower() for t in order.mini_tiles) if geometry is None else frozenset()
        ),
    )
