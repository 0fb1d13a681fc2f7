"""The ground of tile orders, from the tile search: their tiles' DataGeogWkt."""

from __future__ import annotations

from collections.abc import Sequence

import shapely.wkt
from shapely.errors import ShapelyError
from shapely.geometry.base import BaseGeometry

from reconciler.api import ClearskyClient
from reconciler.domain.order import OrderSpec
from reconciler.errors import ApiError
from reconciler.planning.footprint import tile_guids

BATCH = 500
"""GUIDs per tile search request."""


async def tile_footprints(
    specs: Sequence[OrderSpec | None], client: ClearskyClient
) -> tuple[dict[str, BaseGeometry], tuple[str, ...]]:
    """GUID -> footprint for every tile and minitile of the tile orders among `specs`, and a
    note when the search could not tell."""
    tiles, minis = tile_guids(list(specs))
    if not tiles and not minis:
        return {}, ()
    found: dict[str, BaseGeometry] = {}
    try:
        for start in range(0, len(tiles), BATCH):
            answer = await client.search_tiles(tile_guids=tiles[start : start + BATCH])
            found.update(_shapes(answer.footprints))
        for start in range(0, len(minis), BATCH):
            answer = await client.search_tiles(mini_tile_guids=minis[start : start + BATCH])
            found.update(_shapes(answer.footprints))
    except ApiError as error:
        return found, (
            f"the tile search could not draw the tile orders ({error.message}): they show no "
            "area or map and take part in no overlap check",
        )
    return found, ()


def _shapes(drawn: dict[str, str]) -> dict[str, BaseGeometry]:
    out = {}
    for guid, wkt in drawn.items():
        try:
            out[guid.lower()] = shapely.wkt.loads(wkt)
        except (ShapelyError, ValueError):
            continue
    return out
