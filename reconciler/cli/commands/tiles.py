"""clearsky-orders tiles find|minitiles|show|suggest"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.api import ClearskyClient
from reconciler.cli.options import announce, leading_argument, run, settings_options
from reconciler.cli.output import format_option, say
from reconciler.engine import Settings, Workspace, open_workspace
from reconciler.engine.workspace import project_dir
from reconciler.errors import ClearskyOrdersError

T = TypeVar("T")
AOI_FIRST = "give the AOI first: a manifest name, a file, or WKT/GeoJSON"

FORMAT = format_option(
    "text", "json", "geojson", help="geojson: a FeatureCollection of the footprints, for a map."
)


@click.group()
def tiles() -> None:
    """Tiles and minitiles: which cover an area, and whether they would be cheaper.

    AOI is a manifest name, a .wkt/.geojson file, or a WKT or GeoJSON string.

    \b
    Examples:
      clearsky-orders tiles find aarhus-bay orders/
      clearsky-orders tiles find area.geojson --format geojson > tiles.geojson
      clearsky-orders tiles minitiles 7c5f...e1
      clearsky-orders tiles suggest aarhus-bay orders/ --write aarhus-bay-tiles
    """


def _asked(workspace: Workspace, ask: Callable[[ClearskyClient], Awaitable[T]], *, err: bool) -> T:
    """`ask` the service of the workspace's target, with a client opened for it (saying first
    when that is the sandbox: on stderr when `err`, for a machine format)."""
    announce(workspace.target, err=err)

    async def go() -> T:
        async with workspace.target.client() as client:
            return await ask(client)

    return run(go())


def _rows(rows: list[Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(
            [
                {"guid": r.guid, "miniTile": r.mini, "epsg": r.epsg, "footprint": r.footprint}
                for r in rows
            ],
            indent=2,
        )
    if fmt == "geojson":
        from reconciler.domain.geometry import parse_wkt, to_geojson

        features = [
            {
                "type": "Feature",
                "properties": {"guid": r.guid, "miniTile": r.mini, "epsg": r.epsg},
                "geometry": to_geojson(parse_wkt(r.footprint)),
            }
            for r in rows
            if r.footprint
        ]
        return json.dumps({"type": "FeatureCollection", "features": features})
    lines = [
        f"{'minitile' if r.mini else 'tile    '}  {r.guid}  EPSG:{r.epsg or '?'}" for r in rows
    ]
    tiles_n = sum(1 for r in rows if not r.mini)
    lines.append(f"{tiles_n} tile(s), {len(rows) - tiles_n} minitile(s).")
    return "\n".join(lines)


@tiles.command("find")
@click.argument("paths", nargs=-1, type=click.Path())
@settings_options(changes=False)
@FORMAT
@click.option(
    "--write",
    "write_name",
    metavar="NAME",
    help="Also write a tile order of the minitiles that cover AOI as manifest NAME.yaml "
    "(tiles suggest finds the cheapest mix).",
)
def find(settings: Settings, fmt: str, write_name: str | None) -> int:
    """The tiles and minitiles that cover AOI (the first argument; manifests follow)."""
    from dataclasses import replace

    from reconciler.engine.tiles import find as find_tiles
    from reconciler.engine.tiles import geometry_for, spec_for

    aoi, rest = leading_argument(settings, AOI_FIRST)
    workspace = open_workspace(rest)
    area = geometry_for(workspace, aoi)
    rows = _asked(workspace, lambda client: find_tiles(client, area), err=fmt != "text")
    say(_rows(rows, fmt))
    if write_name:
        minis = frozenset(r.guid.lower() for r in rows if r.mini)
        order = replace(spec_for(workspace, aoi), aoi=None, mini_tiles=minis)
        _write(project_dir(workspace.paths), write_name, order, err=fmt != "text")
    return 0


@tiles.command("minitiles")
@click.argument("tile")
@settings_options(changes=False)
@FORMAT
def minitiles_(tile: str, settings: Settings, fmt: str) -> int:
    """The 256 minitiles of TILE (a tile GUID)."""
    from reconciler.engine.tiles import minitiles

    found = _asked(
        open_workspace(settings), lambda client: minitiles(client, tile), err=fmt != "text"
    )
    say(_rows(found, fmt))
    return 0


@tiles.command("show")
@click.argument("guids", nargs=-1, required=True)
@settings_options(changes=False)
@FORMAT
def show_(guids: tuple[str, ...], settings: Settings, fmt: str) -> int:
    """The footprints of tiles or minitiles by GUID."""
    from reconciler.engine.tiles import show

    shown = _asked(
        open_workspace(settings), lambda client: show(client, list(guids)), err=fmt != "text"
    )
    say(_rows(shown, fmt))
    return 0


@tiles.command("suggest")
@click.argument("paths", nargs=-1, type=click.Path())
@settings_options(changes=False)
@format_option("text", "json")
@click.option(
    "--write",
    "write_name",
    metavar="NAME",
    help="Also write the tile order as manifest NAME.yaml beside clearsky.yaml.",
)
def suggest_(settings: Settings, fmt: str, write_name: str | None) -> int:
    """Price AOI as a polygon and as the service's tile/minitile cover, side by side."""
    from reconciler.engine.tiles import spec_for, suggest

    aoi, rest = leading_argument(settings, AOI_FIRST)
    workspace = open_workspace(rest)
    spec = spec_for(workspace, aoi)

    found = _asked(workspace, lambda client: suggest(client, spec), err=fmt != "text")
    if found is None:
        raise ClearskyOrdersError(f"the service found no tile cover for {aoi}")
    cur = found.polygon_cost.currency
    body = {
        "polygonMonthly": found.polygon_cost.next_month,
        "tilesMonthly": found.tile_cost.next_month,
        "currency": cur,
        "savingShare": round(found.saving_share, 4),
        "tiles": sorted(found.tiles.tiles),
        "miniTiles": sorted(found.tiles.mini_tiles),
        "extraKm2": round(found.extra_km2, 2) if found.extra_km2 is not None else None,
    }
    if fmt == "json":
        say(json.dumps(body, indent=2))
    else:
        extra = f", {found.extra_km2:,.2f} km2 beyond the polygon" if found.extra_km2 else ""
        say(f"polygon: {found.polygon_cost.next_month:,.2f} {cur} per month")
        say(
            f"tiles:   {found.tile_cost.next_month:,.2f} {cur} per month "
            f"({len(found.tiles.tiles)} tile(s), {len(found.tiles.mini_tiles)} minitile(s){extra})"
        )
        verdict = "cheaper" if found.saving_share > 0 else "dearer"
        say(f"The tile order is {abs(found.saving_share):.0%} {verdict} than the polygon.")
    if write_name:
        _write(project_dir(workspace.paths), write_name, found.tiles, err=fmt != "text")
    return 0


def _write(folder: Path, name: str, spec: Any, *, err: bool = False) -> None:
    import re

    from reconciler.manifest.models import NAME_MAX, NAME_PATTERN

    if len(name) > NAME_MAX or not re.match(NAME_PATTERN, name):
        raise ClearskyOrdersError(f"{name!r} is not a manifest name (lower case, digits, dashes)")
    path = folder / f"{name}.yaml"
    if path.exists():
        raise ClearskyOrdersError(f"{path} exists; nothing was written")
    aoi = ""
    for key, guids in (("tiles", spec.tiles), ("miniTiles", spec.mini_tiles)):
        if guids:
            aoi += f"\n    {key}:" + "".join(f"\n      - {g}" for g in sorted(guids))
    constellations = ", ".join(sorted(spec.constellations))
    path.write_text(
        f"""apiVersion: clearsky-orders/v1
kind: TaskingOrder
metadata:
  name: {name}
spec:
  aoi:{aoi}
  constellations: [{constellations}]
  model: {spec.model}
  imageFrequency: {spec.image_frequency}
  referenceDate: {spec.reference_date.isoformat()}
  from: {spec.start.isoformat()}
  to: {spec.end.isoformat() if spec.end else "null"}
""",
        encoding="utf-8",
    )
    say(f"wrote {path}", err=err)  # stdout stays one document when it is JSON
