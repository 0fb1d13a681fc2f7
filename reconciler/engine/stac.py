"""A STAC catalog of the pulled imagery, beside the files, for STAC tools (odc-stac,
stackstac, QGIS, pystac-client) to load.

    <out>/catalog.json                      the catalog: a child per order
    <out>/stac/<name>/collection.json       an order: its GUID, model, constellations, area
                                            and dates
    <out>/stac/<name>/<item>.json           a file: its date, footprint and bbox in WGS84
                                            from the file's own header, proj:code, proj:shape,
                                            proj:transform, its bands, and one asset (the file,
                                            by a relative href) with file:size and
                                            file:checksum (sha2-256 multihash: the digest the
                                            pull index records)

Objects are built with pystac (STAC 1.1; projection v2.0.0, raster v1.1.0 and file v2.1.0
extensions). An item is written atomically right after its file is recorded, and every pull
ends by bringing the whole catalog in line with the files on disk as the pull index records
them: an item for each complete file (written again when its file changed), none for a file
that is gone, and collections and catalog listing exactly those items. Files the index does not
record are not this tool's and get no item.
"""

from __future__ import annotations

import contextlib
import json
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from reconciler.engine.pull_index import Entry, PullIndex, write_atomically
from reconciler.engine.raster import Raster, RasterProblem, read_raster
from reconciler.files import NotARegularFile, folders_below, read_text_file

CATALOG_NAME = "catalog.json"
STAC_FOLDER = "stac"
COLLECTION_NAME = "collection.json"
GEOTIFF = "image/tiff; application=geotiff"
MAX_ITEM_BYTES = 1 << 20
_ID = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class OrderFacts:
    """What a collection says of its order."""

    name: str
    guid: str
    model: str = ""
    constellations: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    area_bbox: tuple[float, float, float, float] | None = None
    """The order's area in WGS84 (west, south, east, north), when it is known."""


@dataclass
class CatalogReport:
    items: int = 0
    written: int = 0
    removed: int = 0
    problems: list[str] = field(default_factory=list)


def multihash(sha256_hex: str) -> str:
    """The sha2-256 multihash of a hex digest (code 0x12, length 0x20), as file:checksum."""
    return "1220" + sha256_hex


def item_id(relpath: str) -> str:
    stem = relpath[: -len(Path(relpath).suffix)] if Path(relpath).suffix else relpath
    return _ID.sub("_", stem.replace("/", "_")).strip("_")[:200] or "item"


def item_key(collection: str, relpath: str) -> str:
    """Where the item of file `relpath` lies under the catalog's root (a folder or a prefix)."""
    return f"{STAC_FOLDER}/{collection}/{item_id(relpath)}.json"


def collection_key(collection: str) -> str:
    return f"{STAC_FOLDER}/{collection}/{COLLECTION_NAME}"


def item_path(out: Path, collection: str, relpath: str) -> Path:
    return out / item_key(collection, relpath)


def facts_for(orders: Mapping[str, OrderFacts], guid: str) -> OrderFacts:
    """The facts of order `guid`, or a collection named after it when this state has none."""
    return orders.get(guid.lower()) or OrderFacts(
        name=f"order-{item_id(guid.lower()[:8])}", guid=guid
    )


def write_item(out: Path, relpath: str, entry: Entry, order: OrderFacts) -> Raster:
    """Build the item of the recorded file `relpath` and write it atomically."""
    raster = read_raster(out / relpath)
    path = item_path(out, order.name, relpath)
    folders_below(out, path.parent)
    body = item_body(relpath, entry.date, entry.size, entry.sha256, order, raster)
    write_atomically(path, json_bytes(body))
    return raster


def json_bytes(body: Mapping[str, Any]) -> bytes:
    """A STAC object as written: indented JSON and a final newline."""
    return (json.dumps(body, indent=1) + "\n").encode()


def sync(out: Path, index: PullIndex, orders: Mapping[str, OrderFacts]) -> CatalogReport:
    """Bring the catalog under `out` in line with the files the index records (`orders` by
    lower-case order GUID)."""
    report = CatalogReport()
    kept: dict[str, dict[Path, tuple[str, date, list[float]]]] = {}
    facts: dict[str, OrderFacts] = {}
    for relpath, entry in sorted(index.doc.files.items()):
        if not _still_there(out / relpath, entry.size):
            continue
        order = facts_for(orders, entry.order)
        facts.setdefault(order.name, order)
        path = item_path(out, order.name, relpath)
        bbox = _current_bbox(path, relpath, entry)
        if bbox is None:
            try:
                bbox = list(write_item(out, relpath, entry, order).bbox)
            except (RasterProblem, OSError) as problem:
                report.problems.append(f"{relpath}: no STAC item: {problem}")
                continue
            report.written += 1
        kept.setdefault(order.name, {})[path] = (relpath, entry.date, bbox)
    report.removed = _remove_stale(out / STAC_FOLDER, {p for c in kept.values() for p in c})
    for name, items in sorted(kept.items()):
        try:
            folders_below(out, out / STAC_FOLDER / name)  # never through a planted symlink
        except OSError as problem:
            report.problems.append(f"{STAC_FOLDER}/{name}: no STAC collection: {problem}")
            continue
        _write_collection(out, facts[name], items)
    report.items = sum(len(c) for c in kept.values())
    _write_catalog(out, sorted(kept))
    return report


def _still_there(file: Path, size: int) -> bool:
    try:
        info = file.lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size == size


def _current_bbox(path: Path, relpath: str, entry: Entry) -> list[float] | None:
    """The bbox of the item at `path` when it already describes this very file."""
    try:
        item = json.loads(read_text_file(path, MAX_ITEM_BYTES, follow=False))
    except (OSError, NotARegularFile, ValueError):
        return None
    return describes(item, relpath, entry.date, entry.sha256)


def describes(item: Any, relpath: str, day: date, sha256: str | None) -> list[float] | None:
    """The bbox of `item` (a parsed item) when it describes the file `relpath` of `day` (with
    this digest, when one is given); None otherwise."""
    try:
        asset = item["assets"]["data"]
        same = (
            asset["href"] == asset_href(relpath)
            and item["properties"]["datetime"] == _when(day)
            and (sha256 is None or asset["file:checksum"] == multihash(sha256))
        )
        bbox = [float(v) for v in item["bbox"]]
    except (KeyError, TypeError, ValueError):
        return None
    return bbox if same and len(bbox) == 4 else None


def _remove_stale(root: Path, kept: set[Path]) -> int:
    removed = 0
    if not root.is_dir() or root.is_symlink():
        return 0
    for folder in root.iterdir():
        if folder.is_symlink() or not folder.is_dir():
            continue
        for file in folder.glob("*.json"):
            if file.name != COLLECTION_NAME and file not in kept:
                file.unlink(missing_ok=True)
                removed += 1
        if not any(p in kept for p in folder.glob("*.json")):
            (folder / COLLECTION_NAME).unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # something else lives there: left alone
                folder.rmdir()
    return removed


def asset_href(relpath: str) -> str:
    """A file's href from its item (`stac/<name>/`): the same under a folder or a prefix."""
    return f"../../{relpath}"


def _when(day: date) -> str:
    return datetime.combine(day, time(0, 0), tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def item_body(
    relpath: str, day: date, size: int, sha256: str, order: OrderFacts, raster: Raster
) -> dict[str, Any]:
    """The item of one file."""
    import pystac
    from pystac.extensions.file import FileExtension
    from pystac.extensions.projection import ProjectionExtension
    from pystac.extensions.raster import DataType, RasterBand, RasterExtension
    from shapely.geometry import mapping

    item = pystac.Item(
        id=item_id(relpath),
        geometry=mapping(raster.footprint),
        bbox=list(raster.bbox),
        datetime=datetime.combine(day, time(0, 0), tzinfo=UTC),
        properties=_order_properties(order),
        collection=order.name,
    )
    projection = ProjectionExtension.ext(item, add_if_missing=True)
    projection.code = f"EPSG:{raster.epsg}"
    projection.shape = [raster.height, raster.width]
    projection.transform = list(raster.transform)
    asset = pystac.Asset(
        href=asset_href(relpath), media_type=GEOTIFF, roles=["data"], title=Path(relpath).name
    )
    item.add_asset("data", asset)
    files = FileExtension.ext(asset, add_if_missing=True)
    files.size = size
    files.checksum = multihash(sha256)
    bands = RasterExtension.ext(asset, add_if_missing=True)
    bands.bands = [
        RasterBand.create(
            nodata=raster.nodata,
            data_type=DataType(raster.data_type),
            spatial_resolution=raster.resolution,
        )
        for _ in raster.bands
    ]
    asset.extra_fields["bands"] = [{"name": name} for name in raster.bands]
    _links(item, root="../../catalog.json", parent=f"./{COLLECTION_NAME}")
    item.add_link(pystac.Link("collection", f"./{COLLECTION_NAME}", media_type="application/json"))
    return item.to_dict(include_self_link=False, transform_hrefs=False)


def _order_properties(order: OrderFacts) -> dict[str, Any]:
    found: dict[str, Any] = {"clearsky:order_guid": order.guid, "clearsky:order_name": order.name}
    if order.model:
        found["clearsky:model"] = order.model
    if order.constellations:
        found["clearsky:constellations"] = list(order.constellations)
    return found


def _links(stac_object: Any, *, root: str, parent: str | None) -> None:
    import pystac

    stac_object.add_link(pystac.Link("root", root, media_type="application/json"))
    if parent is not None:
        stac_object.add_link(pystac.Link("parent", parent, media_type="application/json"))


def _write_collection(
    out: Path, order: OrderFacts, items: Mapping[Path, tuple[str, date, list[float]]]
) -> None:
    listed = {path.name: (day, bbox) for path, (_, day, bbox) in items.items()}
    body = collection_body(order, listed)
    write_atomically(out / collection_key(order.name), json_bytes(body))


def collection_body(
    order: OrderFacts, items: Mapping[str, tuple[date, list[float]]]
) -> dict[str, Any]:
    """The collection of an order whose items (by file name, beside it) have these dates and
    bboxes."""
    import pystac

    boxes = [b for _, b in items.values()]
    if order.area_bbox is not None:
        boxes.append(list(order.area_bbox))
    bbox = [
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]
    days = [d for d, _ in items.values()]
    start = min([*days, *([order.start] if order.start else [])])
    end = order.end if order.start else max(days)
    collection = pystac.Collection(
        id=order.name,
        description=_description(order),
        extent=pystac.Extent(
            pystac.SpatialExtent([bbox]),
            pystac.TemporalExtent(
                [
                    [
                        datetime.combine(start, time(0, 0), tzinfo=UTC),
                        datetime.combine(end, time(23, 59, 59), tzinfo=UTC) if end else None,
                    ]
                ]
            ),
        ),
        license="other",
        extra_fields=_order_properties(order),
    )
    _links(collection, root="../../catalog.json", parent="../../catalog.json")
    for name in sorted(items):
        collection.add_link(pystac.Link("item", f"./{name}", media_type="application/geo+json"))
    return collection.to_dict(include_self_link=False, transform_hrefs=False)


def _description(order: OrderFacts) -> str:
    what = f"{order.model} imagery" if order.model else "Imagery"
    return f"{what} of the ClearSKY Vision tasking order {order.guid} ({order.name})."


def _write_catalog(out: Path, collections: Iterable[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / CATALOG_NAME, json_bytes(catalog_body(collections)))


def catalog_body(collections: Iterable[str]) -> dict[str, Any]:
    """The catalog, a child per collection (by order name)."""
    import pystac

    catalog = pystac.Catalog(
        id="clearsky-imagery",
        description="Imagery pulled by clearsky-orders: a collection per tasking order.",
    )
    _links(catalog, root=f"./{CATALOG_NAME}", parent=None)
    for name in collections:
        catalog.add_link(
            pystac.Link("child", f"./{collection_key(name)}", media_type="application/json")
        )
    return catalog.to_dict(include_self_link=False, transform_hrefs=False)
