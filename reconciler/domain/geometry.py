"""Areas of interest as geometry: parsing, checks, normalisation, comparison and area.

Every AOI becomes one normalised MultiPolygon in lon/lat (WGS84). Two AOIs are the same when
their boundaries lie within COORD_TOLERANCE degrees of each other (discrete Hausdorff distance),
so ring start, orientation, Polygon vs one-member MultiPolygon or GEOMETRYCOLLECTION, extra
collinear vertices and the service's rounding to 6 decimals do not matter, while a vertex moved
by 1e-4 degrees (about 10 m) does.
"""

from __future__ import annotations

import functools
import json
import math
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
import shapely.wkt
from shapely.errors import ShapelyError
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    from pyproj import Geod

COORD_TOLERANCE = 5e-6
"""Degrees: coordinate noise below 1e-6 is the same place; a move of 1e-4 is not."""

SERVICE_PRECISION = 1e-6
"""Degrees: the grid the service keeps coordinates on (it rewrites WKT to it)."""

MAX_AREA_KM2 = 1_000_000.0
"""km2: a sane ceiling for one order; more is almost surely a mistake (units, swapped axes)."""

MIN_BILLED_KM2 = 1.0
"""The service bills at least 1 km2 for every polygon."""

MAX_VERTICES = 250_000
"""Vertices in one AOI: more is not an area of interest but a mistake (or an attack)."""
MAX_NESTING = 32
"""Collections within collections in one AOI."""

AUTHALIC_RADIUS_KM = 6371.0072
"""The radius of the sphere with the WGS84 ellipsoid's area."""
_BOX_DEGREES = 20.0
_BOX_LATITUDE = 80.0
_BOX_MARGIN = 1.05
"""Within a box at most 20 degrees a side and below 80 degrees of latitude, a polygon's
geodesic area on the ellipsoid is below 1.05 times the box's area on the authalic sphere (the
sphere's local error and a geodesic edge's bulge towards the pole are each well under 1 %)."""
_WHERE = re.compile(r"\[(-?[\d.eE+-]+) (-?[\d.eE+-]+)\]")


class GeometryProblem(ValueError):
    """The geometry cannot be used; the message says why, for a person."""


def parse_wkt(text: str) -> MultiPolygon:
    """Parse WKT into a checked, normalised MultiPolygon."""
    if text.upper().count("GEOMETRYCOLLECTION") > MAX_NESTING:
        raise GeometryProblem(f"the WKT nests more than {MAX_NESTING} collections")
    if text.count(",") > MAX_VERTICES:
        raise GeometryProblem(f"the AOI has more than {MAX_VERTICES:,} vertices")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            geometry = shapely.wkt.loads(text)
    except (ShapelyError, ValueError, TypeError) as exc:
        raise GeometryProblem(_explain_geos(str(exc), "WKT")) from None
    except RecursionError:
        raise GeometryProblem("the WKT nests too deeply") from None
    return normalise(geometry)


def parse_geojson(value: Any) -> MultiPolygon:
    """Parse a GeoJSON Geometry, Feature or FeatureCollection (a mapping or a JSON string)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise GeometryProblem(f"unparsable GeoJSON: {exc.msg} at line {exc.lineno}") from None
        except RecursionError:
            raise GeometryProblem("the GeoJSON nests too deeply") from None
    try:
        geometries = list(_geojson_geometries(value, 0))
    except RecursionError:
        raise GeometryProblem("the GeoJSON nests too deeply") from None
    if not geometries:
        raise GeometryProblem("GeoJSON holds no geometry")
    parts: list[BaseGeometry] = []
    for geometry in geometries:
        _check_geojson_rings(geometry)
        try:
            parts.append(shape(geometry))
        except (ShapelyError, ValueError, TypeError, KeyError, IndexError) as exc:
            raise GeometryProblem(f"unparsable GeoJSON geometry: {exc}") from None
    return normalise(parts[0] if len(parts) == 1 else GeometryCollection(parts))


def _geojson_geometries(value: Any, depth: int) -> Iterable[Mapping[str, Any]]:
    if depth > MAX_NESTING:
        raise GeometryProblem(f"the GeoJSON nests more than {MAX_NESTING} levels")
    if not isinstance(value, Mapping):
        raise GeometryProblem("GeoJSON must be an object with a 'type'")
    kind = value.get("type")
    if kind == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list):
            raise GeometryProblem("GeoJSON FeatureCollection needs a 'features' list")
        for feature in features:
            yield from _geojson_geometries(feature, depth + 1)
    elif kind == "Feature":
        geometry = value.get("geometry")
        if geometry is None:
            raise GeometryProblem("GeoJSON Feature has no geometry")
        yield from _geojson_geometries(geometry, depth + 1)
    elif kind == "GeometryCollection":
        geometries = value.get("geometries")
        if not isinstance(geometries, list):
            raise GeometryProblem("GeoJSON GeometryCollection needs a 'geometries' list")
        for geometry in geometries:
            yield from _geojson_geometries(geometry, depth + 1)
    elif isinstance(kind, str):
        if not isinstance(value.get("coordinates"), list):
            raise GeometryProblem(f"GeoJSON {kind} needs a 'coordinates' list")
        yield value
    else:
        raise GeometryProblem("GeoJSON object has no 'type'")


def _check_geojson_rings(geometry: Mapping[str, Any]) -> None:
    """GeoJSON readers close open rings silently; a manifest with one is a mistake, so say so."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    for polygon in polygons or []:
        if not isinstance(polygon, list):
            raise GeometryProblem(f"GeoJSON {kind} coordinates must be lists of rings")
        for ring in polygon or []:
            if not isinstance(ring, list) or len(ring) < 4:
                count = len(ring) if isinstance(ring, list) else 0
                raise GeometryProblem(f"a ring needs at least 4 positions, found {count}")
            if list(ring[0]) != list(ring[-1]):
                raise GeometryProblem(
                    f"ring not closed: first position {_pos(ring[0])} differs from the last "
                    f"{_pos(ring[-1])}"
                )


def _pos(position: Any) -> str:
    return "(" + ", ".join(str(v) for v in position) + ")" if isinstance(position, list) else "?"


def _explain_geos(message: str, what: str) -> str:
    if "closed linestring" in message:
        return "ring not closed: the first and last positions of a ring must be the same"
    found = re.search(r"found (\d+) - must be", message)
    if found:
        return f"a ring needs at least 4 positions, found {found.group(1)}"
    detail = message.split(":", 1)[-1].strip()
    return f"unparsable {what}: {detail}"


def normalise(geometry: BaseGeometry) -> MultiPolygon:
    """Check a parsed geometry and bring it to one canonical MultiPolygon."""
    if geometry.is_empty:
        raise GeometryProblem("the geometry is empty")
    polygons = list(_polygons(geometry))
    total = 0
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            count = int(shapely.get_num_coordinates(ring))
            if count < 4:
                raise GeometryProblem(f"a ring needs at least 4 positions, found {count}")
            total += count
    if total > MAX_VERTICES:
        raise GeometryProblem(f"the AOI has more than {MAX_VERTICES:,} vertices")
    multi = MultiPolygon(polygons)
    _check_range(multi)
    _check_ends_of_the_earth(polygons)
    # Members are checked one by one: the service accepts overlapping polygons in one order
    # (the endpoint page's own example has two) and bills each of them on its own.
    for number, polygon in enumerate(polygons, start=1):
        reason = shapely.is_valid_reason(polygon)
        if reason != "Valid Geometry":
            which = f"polygon {number}: " if len(polygons) > 1 else ""
            raise GeometryProblem(which + _explain_invalid(reason))
    return shapely.normalize(shapely.remove_repeated_points(multi))


def _polygons(geometry: BaseGeometry) -> Iterable[Polygon]:
    if isinstance(geometry, Polygon):
        if not geometry.is_empty:
            yield geometry
    elif isinstance(geometry, MultiPolygon | GeometryCollection):
        for part in geometry.geoms:
            yield from _polygons(part)
    else:
        raise GeometryProblem(
            f"the AOI must be a Polygon or MultiPolygon, not a {geometry.geom_type}"
        )


def _check_range(geometry: BaseGeometry) -> None:
    min_x, min_y, max_x, max_y = geometry.bounds
    if min_x >= -180 and max_x <= 180 and min_y >= -90 and max_y <= 90:
        return
    problem = (
        f"coordinates out of range (lon {min_x:g}..{max_x:g}, lat {min_y:g}..{max_y:g}); "
        "longitude must be within ±180 and latitude within ±90"
    )
    if min_y >= -180 and max_y <= 180 and min_x >= -90 and max_x <= 90:
        problem += (
            "; the positions look like lat/lon: write them as lon lat (swapping makes it valid)"
        )
    raise GeometryProblem(problem)


def _check_ends_of_the_earth(polygons: list[Polygon]) -> None:
    """Geodesic areas go wrong on the antimeridian and at the poles (a box along +-180 measures
    0 km2): refuse what touches or crosses them rather than measure it wrong."""
    for polygon in polygons:
        min_x, min_y, max_x, max_y = polygon.bounds
        if not all(math.isfinite(v) for v in (min_x, min_y, max_x, max_y)):
            raise GeometryProblem("a coordinate is not a finite number")
        if max(abs(min_x), abs(max_x)) >= 180 or max_x - min_x > 180:
            raise GeometryProblem(
                "the polygon touches or crosses the antimeridian (longitude 180): split it "
                "into one polygon on each side, within 179.999999"
            )
        if max(abs(min_y), abs(max_y)) >= 89.5:
            raise GeometryProblem("the polygon reaches a pole (latitude beyond 89.5): not served")


def _explain_invalid(reason: str) -> str:
    where = _WHERE.search(reason)
    at = f" at lon {where.group(1)}, lat {where.group(2)}" if where else ""
    kind = reason.split("[", 1)[0].strip()
    if "Self-intersection" in kind:
        return f"the polygon crosses itself (self-intersection){at}"
    if "Too few points" in kind:
        return f"a ring needs at least 4 distinct positions{at}"
    return f"invalid geometry: {kind.lower()}{at}"


@functools.cache
def _geod() -> Geod:
    """The WGS84 ellipsoid; pyproj is imported by the first area measured, not by every run."""
    from pyproj import Geod

    return Geod(ellps="WGS84")


def polygon_areas_km2(geometry: MultiPolygon) -> list[float]:
    """The geodesic area of each polygon on the WGS84 ellipsoid, in km2."""
    geod = _geod()
    return [abs(geod.geometry_area_perimeter(p)[0]) / 1e6 for p in geometry.geoms]


def area_at_most_km2(geometry: BaseGeometry) -> float | None:
    """A cheap upper bound of the geodesic area, from the bounding box alone; None where the
    box is too large or too near a pole for the bound to hold (measure the area instead)."""
    min_x, min_y, max_x, max_y = geometry.bounds
    if max_x - min_x > _BOX_DEGREES or max_y - min_y > _BOX_DEGREES:
        return None
    if max(abs(min_y), abs(max_y)) > _BOX_LATITUDE:
        return None
    band = math.sin(math.radians(max_y)) - math.sin(math.radians(min_y))
    box = AUTHALIC_RADIUS_KM**2 * math.radians(max_x - min_x) * band
    return box * _BOX_MARGIN


def area_km2(geometry: MultiPolygon) -> float:
    """The geodesic area in km2, as the service measures it before its minimum."""
    return math.fsum(polygon_areas_km2(geometry))


def billed_area_km2(geometry: MultiPolygon) -> float:
    """The area the service bills: each polygon counts at least 1 km2."""
    return math.fsum(max(a, MIN_BILLED_KM2) for a in polygon_areas_km2(geometry))


def same_geometry(a: MultiPolygon, b: MultiPolygon, tolerance: float = COORD_TOLERANCE) -> bool:
    """True when two normalised AOIs describe the same area, within `tolerance` degrees.

    Linear in the vertices: the normalised shapes compared vertex by vertex (what an order
    read back from the service nearly always is), and only when that is inconclusive (a
    vertex dropped or moved by rounding), each boundary tested against a band of `tolerance`
    around the other (a Hausdorff distance check without its quadratic cost)."""
    if a is b:
        return True
    if len(a.geoms) != len(b.geoms):
        return False
    if any(abs(p - q) > tolerance for p, q in zip(a.bounds, b.bounds, strict=True)):
        return False
    if shapely.get_num_coordinates(a) == shapely.get_num_coordinates(b) and (
        shapely.equals_exact(a, b, tolerance) or _same_rings(a, b, tolerance)
    ):
        return True
    return _within_band(a, b, tolerance) and _within_band(b, a, tolerance)


def _same_rings(a: MultiPolygon, b: MultiPolygon, tolerance: float) -> bool:
    """Ring by ring, vertex by vertex within `tolerance`, each ring of b started at its vertex
    nearest a's first (rounding may move where normalising starts a ring)."""
    for pa, pb in zip(a.geoms, b.geoms, strict=True):
        if len(pa.interiors) != len(pb.interiors):
            return False
        for ra, rb in zip((pa.exterior, *pa.interiors), (pb.exterior, *pb.interiors), strict=True):
            ca, cb = shapely.get_coordinates(ra)[:-1], shapely.get_coordinates(rb)[:-1]
            if len(ca) != len(cb):
                return False
            start = int(np.argmin(np.sum((cb - ca[0]) ** 2, axis=1)))
            if not np.all(np.abs(ca - np.roll(cb, -start, axis=0)) <= tolerance):
                return False
    return True


def _within_band(a: MultiPolygon, b: MultiPolygon, tolerance: float) -> bool:
    """Every point of b's boundary lies within `tolerance` of a's boundary."""
    band = shapely.buffer(a.boundary, tolerance * 1.0001, quad_segs=2)
    shapely.prepare(band)
    return bool(band.covers(b.boundary))


def canonical_wkt(geometry: MultiPolygon) -> str:
    """WKT on the service's 6-decimal grid, in normal form: stable across runs and machines."""
    snapped = shapely.normalize(shapely.set_precision(geometry, 1e-6, mode="pointwise"))
    return str(shapely.to_wkt(snapped, rounding_precision=6, trim=True))


def service_wkt(geometry: MultiPolygon) -> str:
    """The geometry as the service writes it back: a GEOMETRYCOLLECTION of 6-decimal polygons."""
    collection = GeometryCollection(list(geometry.geoms))
    return str(shapely.to_wkt(collection, rounding_precision=6, trim=True))


def to_geojson(geometry: MultiPolygon) -> dict[str, Any]:
    """A GeoJSON geometry (Polygon when there is one member) for maps and requests, its
    exterior rings counter-clockwise as RFC 7946 asks."""
    oriented = shapely.orient_polygons(geometry)
    single = oriented.geoms[0] if len(oriented.geoms) == 1 else oriented
    result: dict[str, Any] = json.loads(shapely.to_geojson(single))
    return result


def below_service_precision(geometry: MultiPolygon | None) -> str:
    """Why a polygon of `geometry` is too small for the service ('' when none is): at its
    precision (1e-6 degrees, about 10 cm) it collapses to nothing, and the service refuses it;
    it would bill it as at least 1 km2 anyway."""
    if geometry is None:
        return ""
    for polygon in geometry.geoms:
        if shapely.set_precision(polygon, SERVICE_PRECISION).is_empty:
            return (
                "a polygon of this AOI is smaller than the service keeps (1e-6 degrees, about "
                "10 cm a side): it collapses to nothing there, and the service refuses it (it "
                "bills at least 1 km2 per polygon)"
            )
    return ""
