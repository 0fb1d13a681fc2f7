"""A deterministic tile grid approximating ClearSKY's: 51.2 km tiles on each UTM zone's grid,
split into 16 x 16 minitiles of 3.2 km. GUIDs are stable and encode the tile's position, so the
sandbox needs no table of them."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, box

from reconciler.domain.geometry import area_km2

TILE_M = 51_200.0
MINI_PER_SIDE = 16
MINI_M = TILE_M / MINI_PER_SIDE
_TILE_MAGIC = 0xC1EA5C7A
_MINI_MAGIC = 0xC1EA5C7B
MAX_TILES_PER_SEARCH = 2_000


@dataclass(frozen=True)
class TileRef:
    epsg: int
    col: int
    row: int
    mini_col: int | None = None
    mini_row: int | None = None

    @property
    def is_mini(self) -> bool:
        return self.mini_col is not None

    @property
    def guid(self) -> str:
        magic = _MINI_MAGIC if self.is_mini else _TILE_MAGIC
        value = (
            (magic << 96)
            | (self.epsg << 64)
            | ((self.col & 0xFFFF) << 48)
            | ((self.row & 0xFFFF) << 32)
            | ((self.mini_col or 0) << 24)
            | ((self.mini_row or 0) << 16)
        )
        return str(uuid.UUID(int=value))

    def utm_box(self) -> Polygon:
        x0, y0 = self.col * TILE_M, self.row * TILE_M
        if self.is_mini:
            x0 += (self.mini_col or 0) * MINI_M
            y0 += (self.mini_row or 0) * MINI_M
            return box(x0, y0, x0 + MINI_M, y0 + MINI_M)
        return box(x0, y0, x0 + TILE_M, y0 + TILE_M)

    def lonlat(self) -> Polygon:
        """The tile in lon/lat, its sides densified so that it stays close to the UTM square."""
        square = shapely.segmentize(self.utm_box(), MINI_M)
        result: Polygon = shapely.transform(square, _to_lonlat(self.epsg), interleaved=False)
        return result

    def area_km2(self) -> float:
        return area_km2(MultiPolygon([self.lonlat()]))

    def minitiles(self) -> list[TileRef]:
        return [
            TileRef(self.epsg, self.col, self.row, mc, mr)
            for mr in range(MINI_PER_SIDE)
            for mc in range(MINI_PER_SIDE)
        ]


def parse_guid(guid: str) -> TileRef | None:
    """The tile or minitile a sandbox GUID names, or None when it names none."""
    try:
        value = uuid.UUID(guid).int
    except ValueError:
        return None
    magic = value >> 96
    if magic not in (_TILE_MAGIC, _MINI_MAGIC) or value & 0xFFFF:
        return None
    epsg = (value >> 64) & 0xFFFFFFFF
    if not (32601 <= epsg <= 32660 or 32701 <= epsg <= 32760):
        return None
    col, row = (value >> 48) & 0xFFFF, (value >> 32) & 0xFFFF
    if magic == _TILE_MAGIC:
        return None if (value >> 16) & 0xFFFF else TileRef(epsg, col, row)
    mini_col, mini_row = (value >> 24) & 0xFF, (value >> 16) & 0xFF
    if mini_col >= MINI_PER_SIDE or mini_row >= MINI_PER_SIDE:
        return None
    return TileRef(epsg, col, row, mini_col, mini_row)


def utm_epsg(lon: float, lat: float) -> int:
    zone = min(int((lon + 180) // 6) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


@lru_cache(maxsize=128)
def _to_utm(epsg: int) -> object:
    return Transformer.from_crs(4326, epsg, always_xy=True).transform


@lru_cache(maxsize=128)
def _to_lonlat(epsg: int) -> object:
    return Transformer.from_crs(epsg, 4326, always_xy=True).transform


def tiles_for(geometry: MultiPolygon) -> Iterator[TileRef]:
    """Every tile that the geometry touches, in the UTM zone of each part's position."""
    seen: set[TileRef] = set()
    for part in geometry.geoms:
        min_lon, min_lat, max_lon, max_lat = part.bounds
        zones = {utm_epsg(lon, lat) for lon in (min_lon, max_lon) for lat in (min_lat, max_lat)}
        for epsg in sorted(zones):
            zone = (epsg % 100 - 1) * 6 - 180
            band = box(zone, -90 if epsg > 32700 else 0, zone + 6, 0 if epsg > 32700 else 90)
            clipped = part.intersection(band)
            if clipped.is_empty:
                continue
            projected = shapely.transform(clipped, _to_utm(epsg), interleaved=False)
            x0, y0, x1, y1 = projected.bounds
            for col in range(math.floor(x0 / TILE_M), math.floor(x1 / TILE_M) + 1):
                for row in range(math.floor(y0 / TILE_M), math.floor(y1 / TILE_M) + 1):
                    ref = TileRef(epsg, col, row)
                    if ref not in seen and ref.utm_box().intersects(projected):
                        seen.add(ref)
                        if len(seen) > MAX_TILES_PER_SEARCH:
                            raise ValueError("the area covers too many tiles")
                        yield ref


TILE_FACTOR = 0.2
MINI_FACTOR = 0.5
"""What a tile and a minitile cost against a polygon of the same area (sandbox/pricing.py)."""


def cheapest_cover(geometry: MultiPolygon) -> tuple[list[TileRef], list[TileRef]]:
    """The cheapest mix of tiles and minitiles covering `geometry` on its grid: per touched
    tile, the tile itself when its minitiles that touch the area would cost more, else those
    minitiles (the optimiser's cost-focused answer, best effort)."""
    tiles: list[TileRef] = []
    minis: list[TileRef] = []
    for tile in tiles_for(geometry):
        projected = shapely.transform(geometry, _to_utm(tile.epsg), interleaved=False)
        shapely.prepare(projected)
        touched = [m for m in tile.minitiles() if projected.intersects(m.utm_box())]
        if not touched:
            continue
        mini_cost = len(touched) * MINI_FACTOR * (MINI_M / 1000) ** 2
        tile_cost = TILE_FACTOR * (TILE_M / 1000) ** 2
        if tile_cost <= mini_cost:
            tiles.append(tile)
        else:
            minis.extend(touched)
    return tiles, minis
