"""The download endpoints' rules: what an order covers, what a download costs in processing
credits, and how a file reaches an UploadUrl.

- An area and date are covered when accepted orders of the request's model and constellations
  cover the area on that date (1006 otherwise); they have imagery when that date is an image date
  of those orders, already past and delivered (1002 otherwise). `AllowPartialImage` takes what is
  there and leaves the rest NODATA.
- Processing credits: 0.01 per km2 per band at 10 m, a quarter of that per doubling of the pixel
  size (the data read scales with the pixel count); a tile counts its 2,621 km2.
- UploadUrl: the file is PUT there and the answer is 201. The sandbox only ever PUTs to a
  loopback address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from reconciler.domain.geometry import area_km2
from reconciler.loopback import is_loopback_url
from reconciler.sandbox.imagery import ImageryRefused
from reconciler.sandbox.store import StoredOrder

CREDITS_PER_KM2_BAND = 0.01
COVER_TOLERANCE = 1e-3
"""Share of an area that may be left over from the orders' union (coordinates are stored
rounded to 6 decimals) and still count as covered."""


@dataclass(frozen=True)
class Coverage:
    ordered: BaseGeometry | None
    """Where orders of this product cover the area on that date."""
    delivered: BaseGeometry | None
    """Where they have delivered that date's image."""


def coverage(
    orders: list[tuple[StoredOrder, Any]],
    area: BaseGeometry,
    day: date,
    model: str,
    constellations: set[str],
    today: date,
    missed: Any,
) -> Coverage:
    ordered, delivered = [], []
    for order, geometry in orders:
        if geometry is None or not geometry.intersects(area):
            continue
        if order.model.lower() != model.lower():
            continue
        if {c.lower() for c in order.constellations} != constellations:
            continue
        if not order.from_date <= day <= (order.to_date or day):
            continue
        ordered.append(geometry)
        on_cadence = (day - order.reference_date).days % order.image_frequency == 0
        if on_cadence and day <= today and not missed(order.guid, day):
            delivered.append(geometry)
    return Coverage(_union(ordered), _union(delivered))


def _union(parts: list[BaseGeometry]) -> BaseGeometry | None:
    return shapely.union_all(parts) if parts else None


def covers(cover: BaseGeometry | None, area: BaseGeometry) -> bool:
    if cover is None:
        return False
    left = area.difference(cover)
    return bool(left.is_empty or left.area <= COVER_TOLERANCE * max(area.area, 1e-12))


def imaged_area(found: Coverage, area: BaseGeometry, day: date, partial: bool) -> BaseGeometry:
    """The part of `area` the file shows; ImageryRefused when the service would refuse."""
    if found.ordered is None or (not partial and not covers(found.ordered, area)):
        raise ImageryRefused(
            "Date", f"The area is not covered by an order on {day.isoformat()}.", code=1006
        )
    if found.delivered is None or (not partial and not covers(found.delivered, area)):
        raise ImageryRefused("Date", f"No imagery for {day.isoformat()} in this area.", code=1002)
    shown: BaseGeometry = area.intersection(found.delivered)
    return shown


def credits(area: BaseGeometry, bands: int, resolution: int) -> float:
    """The processing credits of a download of `area` (lon/lat)."""
    km2 = max(area_km2(multi(area)), 0.01)
    return round(km2 * bands * CREDITS_PER_KM2_BAND * (10 / resolution) ** 2, 4)


def multi(area: BaseGeometry) -> Any:
    from shapely.geometry import MultiPolygon, Polygon

    if isinstance(area, MultiPolygon):
        return area
    if isinstance(area, Polygon):
        return MultiPolygon([area])
    return MultiPolygon([g for g in getattr(area, "geoms", []) if isinstance(g, Polygon)])


async def upload(url: str, body: bytes) -> None:
    """PUT the file to `url`; ImageryRefused when that fails or is not allowed."""
    if not url.lower().startswith(("http://", "https://")):
        raise ImageryRefused("UploadUrl", "UploadUrl must be an http(s) URL.")
    if not is_loopback_url(url):
        raise ImageryRefused(
            "UploadUrl", "The sandbox uploads only to loopback addresses (127.0.0.1, ::1)."
        )
    import httpx  # the simulated service's own outgoing request

    try:
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.put(url, content=body, headers={"content-type": "image/tiff"})
    except httpx.HTTPError as exc:
        raise ImageryRefused("UploadUrl", f"Upload failed: {type(exc).__name__}.") from None
    if not 200 <= answer.status_code < 300:
        raise ImageryRefused("UploadUrl", f"Upload failed: HTTP {answer.status_code}.")
