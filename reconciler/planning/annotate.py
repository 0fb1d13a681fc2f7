"""Warnings added to a plan's changes: cancel deadlines and overlapping areas. Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

import shapely
from shapely import STRtree
from shapely.errors import ShapelyError
from shapely.geometry.base import BaseGeometry

from reconciler.domain.desired import DesiredOrder
from reconciler.domain.geometry import area_km2
from reconciler.domain.live import LiveOrder
from reconciler.domain.order import OrderSpec
from reconciler.planning.footprint import Tiles, footprint
from reconciler.planning.model import Action, Change

DEADLINE_WARNING = timedelta(hours=48)
MAX_OVERLAPS = 5
"""Overlaps told per order; past that one line counts the rest (a plan stays readable, and
the work stays linear when thousands of manifests cover the same ground)."""
MIN_OVERLAP_KM2 = 0.01


Overlaps = dict[int, list[tuple[str, float]]]
"""Change index -> (warning, % of the order paid twice) for each overlap found."""


def overlaps(
    changes: Sequence[Change],
    desired: Sequence[DesiredOrder],
    live: Sequence[LiveOrder],
    tiles: Tiles | None = None,
) -> Overlaps:
    """The areas paid twice: manifests with each other, new orders with live ones (the
    geometric work, done while the plan is priced). `tiles` gives tile orders their ground."""
    tiles = tiles or {}
    found: Overlaps = {}
    by_name = {c.name: i for i, c in enumerate(changes) if c.name}
    for name, finding in _manifest_overlaps(desired, tiles):
        if name in by_name:
            found.setdefault(by_name[name], []).append(finding)
    for index, finding in _live_overlaps(changes, live, tiles):
        found.setdefault(index, []).append(finding)
    return found


def annotate(
    changes: Sequence[Change],
    desired: Sequence[DesiredOrder],
    live: Sequence[LiveOrder],
    now: datetime,
    tiles: Tiles | None = None,
    found: Overlaps | None = None,
) -> list[Change]:
    """The changes with deadline and overlap warnings added; an overlap says what the area
    paid twice costs per month where the change's price is known."""
    if found is None:
        found = overlaps(changes, desired, live, tiles)
    notes: dict[int, list[str]] = {}
    for index, change in enumerate(changes):
        notes[index] = _deadline(change, now)
        notes[index] += [text + _cost_of(change, share) for text, share in found.get(index, [])]
    return [
        replace(c, warnings=(*c.warnings, *notes[i])) if notes.get(i) else c
        for i, c in enumerate(changes)
    ]


def _deadline(change: Change, now: datetime) -> list[str]:
    if change.action not in (Action.CANCEL, Action.REPLACE) or change.cancellation is None:
        return []
    deadline = change.cancellation.deadline
    if deadline is None:
        return []
    left = deadline - now
    if timedelta(0) <= left <= DEADLINE_WARNING:
        hours = left.total_seconds() / 3600
        return [
            f"the cancel deadline is {deadline:%Y-%m-%d %H:%M} UTC, in {hours:.0f} h: "
            f"apply before then, or the order renews for {deadline:%B %Y}"
        ]
    return []


def _cost_of(change: Change, share: float) -> str:
    """What the share of the order paid twice costs per month, from its price."""
    price = change.new_order_cost
    if price is None or not price.next_month:
        return ""
    return (
        f"; the double cover costs about {price.next_month * share / 100:,.2f} "
        f"{price.currency} per month"
    )


def _area(spec: OrderSpec, tiles: Tiles, shape: BaseGeometry | None = None) -> BaseGeometry | None:
    geometry = shape if shape is not None else footprint(spec, tiles)
    if geometry is None:
        return None
    parts = list(getattr(geometry, "geoms", [geometry]))
    if len(parts) == 1:
        return parts[0]
    try:  # members of one AOI may overlap each other: merge them before measuring
        return shapely.union_all(parts)
    except ShapelyError:
        return None


def _dates_overlap(a: OrderSpec, b: OrderSpec) -> bool:
    a_end, b_end = a.end or date.max, b.end or date.max
    return a.start <= b_end and b.start <= a_end


def _overlap(
    spec: OrderSpec, geometry: BaseGeometry, other: OrderSpec, other_geometry: BaseGeometry
) -> tuple[float, float] | None:
    """(km2, % of `spec`'s area) that two orders with the same model buy twice, if any."""
    if other.model != spec.model or not _dates_overlap(spec, other):
        return None
    shared = _overlap_km2(geometry, other_geometry)
    if shared < MIN_OVERLAP_KM2:
        return None
    own = spec.area_km2 if spec.area_km2 is not None else _geodesic_km2(geometry)
    return shared, min(100.0, 100 * shared / max(own or shared, 1e-9))


def _geodesic_km2(geometry: BaseGeometry) -> float:
    polygons = [g for g in getattr(geometry, "geoms", [geometry]) if g.geom_type == "Polygon"]
    return area_km2(shapely.MultiPolygon(polygons)) if polygons else 0.0


def _overlap_km2(a: BaseGeometry, b: BaseGeometry) -> float:
    try:
        shared = shapely.intersection(a, b)
    except ShapelyError:
        return 0.0
    if shared.is_empty:
        return 0.0
    polygons = [g for g in getattr(shared, "geoms", [shared]) if g.geom_type == "Polygon"]
    if not polygons:
        return 0.0
    return area_km2(shapely.MultiPolygon(polygons))


def _manifest_overlaps(
    desired: Sequence[DesiredOrder], tiles: Tiles
) -> list[tuple[str, tuple[str, float]]]:
    """Manifests ordering the same ground with the same model in overlapping months."""
    shapes = [(d, _area(d.spec, tiles)) for d in desired]
    shapes = [(d, g) for d, g in shapes if g is not None]
    if len(shapes) < 2:
        return []
    geometries = [g for _, g in shapes]
    tree = STRtree(geometries)
    touching: dict[int, list[int]] = {}
    left, right = tree.query(geometries, predicate="intersects")  # every pair in one call
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i != j:
            touching.setdefault(i, []).append(j)
    out: list[tuple[str, tuple[str, float]]] = []
    for i, (order, geometry) in enumerate(shapes):
        candidates = sorted(touching.get(i, ()))
        found, untold = _first_overlaps(
            candidates,
            lambda j: _overlap(order.spec, geometry, shapes[j][0].spec, shapes[j][1]),  # noqa: B023
        )
        for j, shared, share in found:
            text = (
                f"overlaps manifest {shapes[j][0].name} by {shared:,.2f} km2 "
                f"({share:.1f}% of this order), same model and months: "
                "that area is paid twice"
            )
            out.append((order.name, (text, share)))
        if untold:
            out.append((order.name, (_more(untold, "manifest"), 0.0)))
    return out


def _first_overlaps(
    candidates: Sequence[int], measure: Callable[[int], tuple[float, float] | None]
) -> tuple[list[tuple[int, float, float]], int]:
    """Up to MAX_OVERLAPS (candidate, km2, %) that `measure` finds, and how many candidates
    were left unmeasured: the work stays linear when thousands cover the same ground."""
    found: list[tuple[int, float, float]] = []
    for rank, j in enumerate(candidates):
        if len(found) == MAX_OVERLAPS:
            return found, len(candidates) - rank
        overlap = measure(j)
        if overlap is not None:
            found.append((j, *overlap))
    return found, 0


def _more(count: int, what: str) -> str:
    return f"touches {count} more {what}(s) that may overlap it too (not all are listed)"


def _live_overlaps(
    changes: Sequence[Change], live: Sequence[LiveOrder], tiles: Tiles
) -> list[tuple[int, tuple[str, float]]]:
    """New orders overlapping live ones: the estimate assumes no overlap."""
    replaced = {
        c.order_guid.lower()
        for c in changes
        if c.order_guid and c.action in (Action.CANCEL, Action.REPLACE)
    }
    others = [
        (o, _area(o.spec, tiles))
        for o in live
        if o.active and o.spec is not None and o.key not in replaced
    ]
    others = [(o, g) for o, g in others if g is not None]
    if not others:
        return []
    tree = STRtree([g for _, g in others])
    specs = [o.spec for o, _ in others if o.spec is not None]
    out: list[tuple[int, tuple[str, float]]] = []
    for index, change in enumerate(changes):
        if not change.needs_create or change.desired is None:
            continue
        geometry = _area(change.desired, tiles, change.desired_shape)
        if geometry is None:
            continue
        candidates = [int(j) for j in tree.query(geometry, predicate="intersects")]
        desired = change.desired
        found, untold = _first_overlaps(
            candidates,
            lambda j: _overlap(desired, geometry, specs[j], others[j][1]),  # noqa: B023
        )
        for j, shared, share in found:
            text = (
                f"overlaps live order {others[j][0].guid} by {shared:,.2f} km2 "
                f"({share:.1f}%); the estimate assumes no overlap"
            )
            out.append((index, (text, share)))
        if untold:
            out.append((index, (_more(untold, "live order"), 0.0)))
    return out
