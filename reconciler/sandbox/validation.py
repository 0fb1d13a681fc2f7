"""The sandbox's checks of create and estimate bodies, answered like the service: per-property
messages keyed by the request's PascalCase names."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from shapely.geometry import MultiPolygon

from reconciler.domain.geometry import (
    GeometryProblem,
    area_km2,
    billed_area_km2,
    parse_geojson,
    parse_wkt,
)
from reconciler.sandbox import catalog
from reconciler.sandbox.pricing import MINITILE_FACTOR, TILE_FACTOR, Product
from reconciler.sandbox.tiles import TileRef, parse_guid

AREA_LIMIT_KM2 = 100_000.0


@dataclass(frozen=True)
class OrderInput:
    geometry: MultiPolygon | None
    tiles: list[TileRef]
    mini_tiles: list[TileRef]
    constellations: list[str]
    model: str
    image_frequency: int
    reference_date: date
    start: date
    end: date | None
    storage_months: int
    api_requests: int
    simulated_usage: float = 0.0

    @cached_property
    def billed_km2(self) -> float:
        if self.geometry is not None:
            return billed_area_km2(self.geometry)
        return sum(t.area_km2() for t in self.tiles) + sum(t.area_km2() for t in self.mini_tiles)

    @cached_property
    def raw_km2(self) -> float:
        return area_km2(self.geometry) if self.geometry is not None else self.billed_km2

    @property
    def product(self) -> Product:
        return product_of(
            self.model,
            self.constellations,
            self.billed_km2,
            self.geometry is not None,
            self.tiles,
            self.mini_tiles,
        )


def product_of(
    model: str,
    constellations: list[str],
    billed_km2: float,
    polygon: bool,
    tiles: list[TileRef],
    mini_tiles: list[TileRef],
) -> Product:
    """What the price list charges for: tiles at 20 %, minitiles at 50 % of the polygon price
    (mixed, in proportion to their areas); optional inputs on top of the model's."""
    found = catalog.model(model)
    optional = tuple(c for c in constellations if found and c not in found.required)
    if polygon:
        factor = 1.0
    else:
        tile_km2 = sum(t.area_km2() for t in tiles)
        mini_km2 = sum(t.area_km2() for t in mini_tiles)
        total = tile_km2 + mini_km2
        factor = (tile_km2 * TILE_FACTOR + mini_km2 * MINITILE_FACTOR) / total if total else 1.0
    return Product(model, optional, billed_km2, factor)


class Invalid(Exception):
    def __init__(self, fields: dict[str, list[str]], code: int = 993, message: str = "") -> None:
        super().__init__(message or "One or more validation errors occurred.")
        self.fields = fields
        self.code = code
        self.message = message or "One or more validation errors occurred."


def lowered(body: dict[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in body.items()}


Report = Callable[[str, str], None]


def parse_order(body: Any, today: date) -> OrderInput:
    """The order a create/estimate body describes; raises Invalid like the service would."""
    if not isinstance(body, dict):
        raise Invalid(
            {"": ["The request body must be a JSON object."]},
            code=992,
            message="Malformed request.",
        )
    b = lowered(body)
    errors: dict[str, list[str]] = {}

    def err(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    geometry, tiles, minis = _aoi(b, err)
    constellations, model = _product(b, err)
    frequency = _bounded(b.get("imagefrequency"), "ImageFrequency", 1, 7, err)
    storage = _bounded(b.get("storagemonths", 1), "StorageMonths", 1, None, err)
    requests = _bounded(b.get("apirequests", 1), "ApiRequests", 1, None, err)
    reference, start, end = _period(b, today, err)
    usage = _usage(b.get("simulatedeurousage"), err)
    if errors:
        raise Invalid(errors)
    assert model and frequency and reference and start and storage and requests  # for mypy
    order = OrderInput(
        geometry,
        tiles,
        minis,
        constellations,
        model,
        frequency,
        reference,
        start,
        end,
        storage,
        requests,
        usage,
    )
    if order.billed_km2 > AREA_LIMIT_KM2:
        raise Invalid(
            {},
            code=1004,
            message=(
                f"Area limit exceeded: {order.billed_km2:,.0f} km2 is above "
                f"{AREA_LIMIT_KM2:,.0f} km2 per order."
            ),
        )
    return order


def _product(b: dict[str, Any], err: Report) -> tuple[list[str], str | None]:
    """The constellations and the model, each as the service spells it."""
    constellations: list[str] = []
    raw = b.get("satelliteconstellations")
    if not isinstance(raw, list) or not raw:
        err("SatelliteConstellations", "At least one satellite constellation is required.")
    else:
        for name in raw:
            canonical = catalog.constellation(str(name))
            if canonical is None:
                err("SatelliteConstellations", f"Unknown satellite constellation '{name}'.")
            elif canonical not in constellations:
                constellations.append(canonical)
    found = catalog.model(str(b.get("model") or ""))
    if found is None:
        err("Model", f"Unknown model '{b.get('model')}'.")
        return constellations, None
    chosen = set(constellations)
    if constellations and not found.required <= chosen:
        missing = ", ".join(sorted(found.required - chosen))
        err("SatelliteConstellations", f"Model {found.name} requires {missing}.")
    if chosen - found.allowed:
        extra = ", ".join(sorted(chosen - found.allowed))
        err("SatelliteConstellations", f"Model {found.name} does not take {extra}.")
    return constellations, found.name


def _usage(value: Any, err: Report) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        err("SimulatedEuroUsage", "SimulatedEuroUsage must be a number of euro, 0 or more.")
        return 0.0
    return float(value)


def _bounded(value: Any, field: str, low: int, high: int | None, err: Report) -> int | None:
    number = _int(value, field, err)
    if number is None:
        return None
    if high is not None and not low <= number <= high:
        err(field, f"{field} must be between {low} and {high}.")
    elif number < low:
        err(field, f"{field} must be at least {low}.")
    return number


def _period(
    b: dict[str, Any], today: date, err: Report
) -> tuple[date | None, date | None, date | None]:
    """(ReferenceDate, From, To), checked against each other and today."""
    reference = _date(b.get("referencedate"), "ReferenceDate", err, required=True)
    start = _date(b.get("from"), "From", err, required=True)
    end = _date(b.get("to"), "To", err, required=False)
    if start is not None and start.day != 1:
        err("From", "From must be the first day of a month.")
    if start and end and end < start:
        err("To", "To must not be before From.")
    return reference, start, end


def _aoi(
    b: dict[str, Any], err: Report
) -> tuple[MultiPolygon | None, list[TileRef], list[TileRef]]:
    wkt, geojson = b.get("wkt"), b.get("geojson")
    tile_ids, mini_ids = b.get("tileguids") or [], b.get("minitileguids") or []
    given = [
        n
        for n, v in (
            ("Wkt", wkt),
            ("GeoJson", geojson),
            ("TileGuids", tile_ids or None),
            ("MiniTileGuids", mini_ids or None),
        )
        if v
    ]
    if not given:
        err("Wkt", "Either supply a WKT or a GeoJSON or Tile GUIDs and Minitile GUIDs.")
        return None, [], []
    if ("Wkt" in given or "GeoJson" in given) and len(given) > 1:
        err(given[1], "Supply only one of WKT, GeoJSON or tile GUIDs.")
        return None, [], []
    try:
        if wkt:
            return parse_wkt(str(wkt)), [], []
        if geojson:
            return (
                parse_geojson(geojson if isinstance(geojson, dict) else json.loads(geojson)),
                [],
                [],
            )
    except (GeometryProblem, ValueError) as problem:
        err("Wkt" if wkt else "GeoJson", f"Invalid geometry: {problem}")
        return None, [], []
    tiles = [_tile(g, False, "TileGuids", err) for g in tile_ids]
    minis = [_tile(g, True, "MiniTileGuids", err) for g in mini_ids]
    return None, [t for t in tiles if t], [t for t in minis if t]


def _tile(guid: Any, mini: bool, field: str, err: Report) -> TileRef | None:
    ref = parse_guid(str(guid))
    if ref is None or ref.is_mini != mini:
        err(field, f"Unknown {'minitile' if mini else 'tile'} GUID '{guid}'.")
        return None
    return ref


def _int(value: Any, field: str, err: Report) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        err(field, f"{field} must be a whole number.")
        return None
    return value


def _date(value: Any, field: str, err: Report, *, required: bool) -> date | None:
    if value is None:
        if required:
            err(field, f"{field} is required.")
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        err(field, f"{field} is not a valid date.")
        return None
