"""Tiles: which tiles and minitiles cover an area, and whether a tile order would be cheaper
than the polygon (the service's optimiser for the cover, its estimate endpoint for both
prices: never the tool's own idea of the price list)."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon

from reconciler.api import ClearskyClient
from reconciler.api.models import TileSearch
from reconciler.domain.calendar import next_month_start
from reconciler.domain.geometry import (
    GeometryProblem,
    area_km2,
    parse_geojson,
    parse_wkt,
    service_wkt,
)
from reconciler.domain.order import OrderSpec
from reconciler.engine.pricing import Prefetched, estimate_cost
from reconciler.engine.workspace import Workspace
from reconciler.errors import ClearskyOrdersError, NoPriceError, ServiceError
from reconciler.files import read_text_file
from reconciler.manifest import load
from reconciler.planning import Change, Cost

MAX_AOI_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class TileRow:
    guid: str
    mini: bool
    epsg: int | None
    footprint: str | None
    """The tile's ground as WKT (lon/lat), when the service drew it."""


@dataclass(frozen=True)
class Suggestion:
    polygon: OrderSpec
    tiles: OrderSpec
    polygon_cost: Cost
    tile_cost: Cost
    extra_km2: float | None
    """What the tiles cover beyond the polygon (None when the service drew no footprints)."""

    @property
    def saving_share(self) -> float:
        """The share of the polygon's monthly cost the tile order saves (negative: dearer)."""
        base = self.polygon_cost.next_month
        return (base - self.tile_cost.next_month) / base if base else 0.0


def geometry_for(workspace: Workspace, aoi: str) -> MultiPolygon:
    """The area an AOI argument means: a polygon manifest's by name, or a WKT or GeoJSON
    file or string."""
    named = {o.name: o for o in load(workspace.paths).orders}.get(aoi)
    if named is not None:
        if named.spec.geometry is None:
            raise ClearskyOrdersError(f"{aoi} is a tile order already")
        return named.spec.geometry
    return aoi_geometry(aoi)


def spec_for(workspace: Workspace, aoi: str) -> OrderSpec:
    """The order an AOI argument means: a manifest's spec by name; else a WKT or GeoJSON file
    or string, ordered with clearsky.yaml's defaults from next month, every 3 days."""
    named = {o.name: o for o in load(workspace.paths).orders}.get(aoi)
    if named is not None:
        return named.spec
    geometry = aoi_geometry(aoi)
    defaults = workspace.config.defaults
    if not defaults.model or not defaults.constellations:
        raise ClearskyOrdersError(
            "a bare AOI is priced with clearsky.yaml's defaults.model and "
            "defaults.constellations; set them, or name a manifest"
        )
    start = next_month_start(datetime.now(UTC).date())
    return OrderSpec(
        constellations=frozenset(defaults.constellations),
        model=defaults.model,
        image_frequency=3,
        reference_date=start,
        start=start,
        end=None,
        storage_months=defaults.storage_months or 1,
        api_requests=defaults.api_requests or 1,
        aoi=geometry,
    )


def aoi_geometry(aoi: str) -> MultiPolygon:
    """A WKT or GeoJSON file or string."""
    path = Path(aoi)
    try:
        if len(aoi) < 4096 and path.suffix.lower() in (".wkt", ".geojson", ".json"):
            text = read_text_file(path, MAX_AOI_BYTES)
            return parse_wkt(text) if path.suffix.lower() == ".wkt" else parse_geojson(text)
        if aoi.lstrip().startswith("{"):
            return parse_geojson(aoi)
        return parse_wkt(aoi)
    except FileNotFoundError:
        raise ClearskyOrdersError(f"{aoi}: no such manifest name or file") from None
    except OSError as exc:
        raise ClearskyOrdersError(f"{aoi}: cannot be read ({type(exc).__name__})") from None
    except GeometryProblem as problem:
        raise ClearskyOrdersError(
            f"{aoi[:80]!r} is neither a manifest name, a WKT/GeoJSON file, nor a usable "
            f"WKT or GeoJSON: {problem}"
        ) from None


async def find(client: ClearskyClient, geometry: MultiPolygon) -> list[TileRow]:
    """The tiles touching `geometry`, and each one's minitiles that touch it."""
    found = await client.search_tiles(wkt=service_wkt(geometry))
    tiles = found.tiles  # minitiles come apart, in found.mini_tiles (api/models.TileSearch)
    rows = [TileRow(t.tile_guid, False, t.epsg, t.data_geog_wkt) for t in tiles]
    answers = await client.bounded(
        [_minitiles_job(client, t.tile_guid) for t in tiles]  # one request per tile
    )
    shapely.prepare(geometry)
    for tile, answer in zip(tiles, answers, strict=True):
        if isinstance(answer, BaseException):
            raise answer
        for row in answer:
            if _touches(geometry, row.footprint):
                rows.append(replace(row, epsg=row.epsg or tile.epsg))
    return rows


def _touches(geometry: MultiPolygon, footprint: str | None) -> bool:
    """Whether a footprint the service drew touches the area (kept when it cannot be read)."""
    if footprint is None:
        return True
    try:
        return bool(geometry.intersects(parse_wkt(footprint)))
    except GeometryProblem:
        return True


def _minitiles_job(client: ClearskyClient, guid: str) -> Callable[[], Awaitable[list[TileRow]]]:
    async def job() -> list[TileRow]:
        return await minitiles(client, guid)

    return job


async def minitiles(client: ClearskyClient, tile: str) -> list[TileRow]:
    found = await client.search_tiles(tile_guid_for_mini_tiles=tile)
    return _minitile_rows(found)


async def show(client: ClearskyClient, guids: list[str]) -> list[TileRow]:
    found = await client.search_tiles(tile_guids=guids)
    tiles = [TileRow(t.tile_guid, False, t.epsg, t.data_geog_wkt) for t in found.tiles]
    return tiles + _minitile_rows(found)


def _minitile_rows(found: TileSearch) -> list[TileRow]:
    return [TileRow(g, True, None, found.footprints.get(g.lower())) for g in found.mini_tiles]


async def suggest(
    client: ClearskyClient,
    spec: OrderSpec,
    polygon_cost: Cost | None = None,
    *,
    ground: bool = True,
) -> Suggestion | None:
    """The service's tile cover of a polygon order and both prices (`polygon_cost` when the
    plan has it already); None when the order has no polygon or no cover was found."""
    if spec.geometry is None:
        return None
    cover = await client.optimize_tiles(service_wkt(spec.geometry))
    if not cover.tiles and not cover.mini_tiles:
        return None
    tiled = replace(
        spec,
        aoi=None,
        tiles=frozenset(t.lower() for t in cover.tiles),
        mini_tiles=frozenset(t.lower() for t in cover.mini_tiles),
    )
    polygon_cost, tile_cost, ground = await asyncio.gather(
        _given(polygon_cost) if polygon_cost else estimate_cost(client, spec),
        estimate_cost(client, tiled),
        tile_ground(client, tiled) if ground else _nothing(),
    )
    extra = None
    if ground is not None:
        extra = max(0.0, area_km2(ground) - area_km2(spec.geometry))
    return Suggestion(spec, tiled, polygon_cost, tile_cost, extra)


async def _given(cost: Cost) -> Cost:
    return cost


async def _nothing() -> None:
    return None


SUGGEST_AT_MOST = 20
"""New polygon orders a plan asks the optimiser about (two requests each)."""


async def tile_notes(
    changes: Sequence[Change],
    client: ClearskyClient,
    cheaper_by: float,
    prefetched: Prefetched | None = None,
    hint: Callable[[str], str] = lambda name: shlex.join(
        ["clearsky-orders", "tiles", "suggest", name, "--write", f"{name}-tiles"]
    ),
) -> tuple[dict[int, str], tuple[str, ...]]:
    """Suggestion lines by change index: each new polygon order whose tile cover the service
    prices lower by more than `cheaper_by` percent (the plan itself does not change), each with
    the command (`hint(name)`) that writes the tile manifest. Runs beside the pricing: a
    polygon estimate already under way is shared."""
    asked = [
        i
        for i, c in enumerate(changes)
        if c.needs_create and c.desired is not None and c.desired.geometry is not None
    ]
    notes: tuple[str, ...] = ()
    if len(asked) > SUGGEST_AT_MOST:
        notes = (
            f"tile covers were checked for the first {SUGGEST_AT_MOST} of {len(asked)} new "
            f"orders; '{hint('NAME')}' checks any other",
        )
        asked = asked[:SUGGEST_AT_MOST]
    jobs = [_suggestion_job(client, changes[i], prefetched) for i in asked]
    found = await client.bounded(jobs)
    lines = {
        index: _suggestion_words(result, hint(changes[index].name))
        for index, result in zip(asked, found, strict=True)
        if isinstance(result, Suggestion) and result.saving_share * 100 > cheaper_by
    }
    return lines, notes


def _suggestion_job(
    client: ClearskyClient, change: Change, prefetched: Prefetched | None
) -> Callable[[], Awaitable[Suggestion | None]]:
    async def job() -> Suggestion | None:
        assert change.desired is not None
        started = prefetched.get(change.desired) if prefetched else None
        try:
            cost = await started if started is not None else None
            return await suggest(client, change.desired, cost, ground=False)
        except (ServiceError, NoPriceError):
            return None  # no suggestion: the plan does not depend on it

    return job


def _suggestion_words(found: Suggestion, command: str) -> str:
    cost = found.tile_cost
    return (
        f"as tiles it would cost about {cost.next_month:,.2f} {cost.currency} per month "
        f"({found.saving_share:.0%} less; {len(found.tiles.tiles)} tile(s), "
        f"{len(found.tiles.mini_tiles)} minitile(s)): {command}"
    )


async def tile_ground(client: ClearskyClient, spec: OrderSpec) -> MultiPolygon | None:
    """The union of the cover's footprints, as the service draws them."""
    try:
        found = await client.search_tiles(
            tile_guids=sorted(spec.tiles) or None, mini_tile_guids=sorted(spec.mini_tiles) or None
        )
    except (ServiceError, NoPriceError):
        return None
    shapes = []
    for wkt in found.footprints.values():
        try:
            shapes.append(parse_wkt(wkt))
        except GeometryProblem:
            return None  # a ground the service drew unreadably: say nothing of extra area
    if not shapes:
        return None
    union = shapely.union_all(shapes)
    return union if isinstance(union, MultiPolygon) else MultiPolygon([union])
