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
    if left < timedelta(0):
        return [
            f"the cancel deadline was {deadline:%Y-%m-%d %H:%M} UTC: the order may renew for "
            f"{deadline + timedelta(days=1):%B %Y} all the same, and that month is not counted "
            "as saved"
        ]
    if left <= DEADLINE_WARNING:
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
    """Manifests ordering the same ground with the same model in overlapping months. Their
    bounds first (known without reading an unchanged AOI), their shapes only where bounds
    meet."""
    boxed = [(d, _envelope(d.spec, tiles)) for d in desired]
    boxes = [(d, b) for d, b in boxed if b is not None]
    if len(boxes) < 2:
        return []
    envelopes = [b for _, b in boxes]
    touching: dict[int, list[int]] = {}
    left, right = STRtree(envelopes).query(envelopes, predicate="intersects")  # in one call
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i != j:
            touching.setdefault(i, []).append(j)
    shape = _Shapes([d.spec for d, _ in boxes], tiles)
    out: list[tuple[str, tuple[str, float]]] = []
    for i in sorted(touching):
        order, geometry = boxes[i][0], shape(i)
        if geometry is None:
            continue
        candidates = shape.meeting(geometry, sorted(touching[i]))
        found, untold = _first_overlaps(
            candidates,
            lambda j: _overlap(order.spec, geometry, boxes[j][0].spec, shape(j)),  # noqa: B023
        )
        for j, shared, share in found:
            text = (
                f"overlaps manifest {boxes[j][0].name} by {shared:,.2f} km2 "
                f"({share:.1f}% of this order), same model and months: "
                "that area is paid twice"
            )
            out.append((order.name, (text, share)))
        if untold:
            out.append((order.name, (_more(untold, "manifest"), 0.0)))
    return out


BOX_MARGIN = 1e-5
"""Degrees around recorded bounds: a live order's recorded bounds are its manifest's, and its
own vertices may lie a rounding away."""


def _envelope(spec: OrderSpec | None, tiles: Tiles) -> BaseGeometry | None:
    """A box around the ground `spec` covers (its recorded or measured bounds, so that an
    unchanged AOI stays unread), None when the ground is unknown."""
    if spec is None:
        return None
    if spec.has_aoi:
        bounds = spec.bounds
    else:
        ground = footprint(spec, tiles)
        bounds = None if ground is None or ground.is_empty else ground.bounds
    if bounds is None:
        return None
    minx, miny, maxx, maxy = bounds
    return shapely.box(minx - BOX_MARGIN, miny - BOX_MARGIN, maxx + BOX_MARGIN, maxy + BOX_MARGIN)


class _Shapes:
    """The ground of each spec, worked out when first asked."""

    def __init__(self, specs: Sequence[OrderSpec], tiles: Tiles) -> None:
        self.specs, self.tiles = specs, tiles
        self.known: dict[int, BaseGeometry | None] = {}

    def __call__(self, index: int) -> BaseGeometry | None:
        if index not in self.known:
            self.known[index] = _area(self.specs[index], self.tiles)
        return self.known[index]

    def meeting(self, geometry: BaseGeometry, candidates: Sequence[int]) -> list[int]:
        """The candidates whose ground intersects `geometry`."""
        out = []
        for j in candidates:
            other = self(j)
            if other is not None and _intersects(geometry, other):
                out.append(j)
        return out


def _intersects(a: BaseGeometry, b: BaseGeometry) -> bool:
    try:
        return bool(a.intersects(b))
    except ShapelyError:
        return False


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
    creating = [(i, c) for i, c in enumerate(changes) if c.needs_create and c.desired is not None]
    if not creating:
        return []
    replaced = {
        c.order_guid.lower()
        for c in changes
        if c.order_guid and c.action in (Action.CANCEL, Action.REPLACE)
    }
    boxed = [
        (o, _envelope(o.spec, tiles))
        for o in live
        if o.active and o.spec is not None and o.key not in replaced
    ]
    others = [(o, b) for o, b in boxed if b is not None]
    if not others:
        return []
    tree = STRtree([b for _, b in others])
    specs = [o.spec for o, _ in others if o.spec is not None]
    shape = _Shapes(specs, tiles)
    out: list[tuple[int, tuple[str, float]]] = []
    for index, change in creating:
        desired = change.desired
        assert desired is not None
        geometry = _area(desired, tiles, change.desired_shape)
        if geometry is None:
            continue
        near = sorted(int(j) for j in tree.query(geometry, predicate="intersects"))
        found, untold = _first_overlaps(
            shape.meeting(geometry, near),
            lambda j: _overlap(desired, geometry, specs[j], shape(j)),  # noqa: B023
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
