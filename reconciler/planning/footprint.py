"""The ground an order covers: its AOI, or for a tile order the union of its tiles' footprints
(which the tile search answers as DataGeogWkt). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from reconciler.domain.order import OrderSpec
from reconciler.planning.model import Change

Tiles = Mapping[str, BaseGeometry]
"""Tile or minitile GUID (lower case) -> its footprint in lon/lat."""


def footprint(spec: OrderSpec | None, tiles: Tiles) -> MultiPolygon | None:
    """The order's ground; None when it is a tile order whose tiles are not all known."""
    if spec is None:
        return None
    if spec.geometry is not None:
        return spec.geometry
    guids = sorted(spec.tiles | spec.mini_tiles)
    shapes = [tiles.get(g) for g in guids]
    if not guids or any(s is None for s in shapes):
        return None
    polygons: list[Polygon] = []
    for shape in shapes:
        polygons += list(getattr(shape, "geoms", [shape]))
    return MultiPolygon([p for p in polygons if isinstance(p, Polygon)])


def with_footprints(change: Change, tiles: Tiles) -> Change:
    """The change with the ground of its tile orders (polygon orders need none)."""
    desired = footprint(change.desired, tiles) if _tiled(change.desired) else None
    live = footprint(change.live, tiles) if _tiled(change.live) else None
    if desired is None and live is None:
        return change
    return replace(change, desired_footprint=desired, live_footprint=live)


def tile_guids(specs: list[OrderSpec | None]) -> tuple[list[str], list[str]]:
    """(tile GUIDs, minitile GUIDs) of the tile orders among `specs`."""
    tiles = {g for s in specs if s is not None for g in s.tiles}
    minis = {g for s in specs if s is not None for g in s.mini_tiles}
    return sorted(tiles), sorted(minis)


def _tiled(spec: OrderSpec | None) -> bool:
    return spec is not None and not spec.has_aoi
