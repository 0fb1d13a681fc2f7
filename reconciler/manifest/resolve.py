"""From a validated manifest to a desired order: defaults, AOI, catalog and date checks."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from reconciler.domain.calendar import month_end
from reconciler.domain.catalog import BUILT_IN, Catalog
from reconciler.domain.geometry import GeometryProblem, parse_geojson, parse_wkt
from reconciler.domain.order import OrderSpec
from reconciler.domain.unread import Kind, Unread, check_area
from reconciler.files import NotARegularFile, read_text_file
from reconciler.manifest.models import Aoi, Spec
from reconciler.manifest.product import check_product

MAX_AOI_FILE_BYTES = 10 * 1024 * 1024
AOI_VARIANTS = ("wkt", "geojson", "file", "tiles", "miniTiles")

Report = Callable[[tuple[str | int, ...], str], None]
"""Called with (path in the manifest, message) for every problem found."""


def merge_defaults(spec: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest's spec over the defaults: a value written in the manifest (null too) wins."""
    merged = dict(defaults)
    for key, value in spec.items():
        base = merged.get(key)
        merged[key] = (
            {**base, **value} if isinstance(base, dict) and isinstance(value, dict) else value
        )
    return merged


def resolve_spec(
    spec: Spec,
    *,
    manifest_dir: Path,
    root: Path,
    report: Report,
    note: Report | None = None,
    catalog: Catalog = BUILT_IN,
    unread: bool = False,
) -> OrderSpec | None:
    """The canonical OrderSpec, or None after reporting every problem found. What `catalog`
    does not know is a note (`note`), unless it is the service's own list. With `unread`, a
    WKT or GeoJSON AOI is kept as text (read, and its problems reported, by `read_aois`)."""
    before = _Counter(report)
    geometry, tiles, mini_tiles = _resolve_aoi(spec.aoi, manifest_dir, root, before, unread)
    model = constellations = None
    missing = "missing required field; set it here or in clearsky.yaml defaults"
    if spec.constellations is None:
        before(("spec", "constellations"), missing)
    if spec.model is None:
        before(("spec", "model"), missing)
    if spec.model is not None and spec.constellations is not None:
        product = check_product(
            spec.model, spec.constellations, catalog, report=before, note=note or _ignore
        )
        model, constellations = product.model, product.constellations
    for key, value in (("imageFrequency", spec.image_frequency), ("from", spec.from_)):
        if value is None:
            before(
                ("spec", key), "missing required field; set it here or in clearsky.yaml defaults"
            )
    start = spec.from_
    if start is not None and start.day != 1:
        before(
            ("spec", "from"),
            f"{start.isoformat()} is not the first day of a month "
            f"(orders start on the 1st, e.g. {start.replace(day=1).isoformat()})",
        )
    if start is not None and spec.to is not None and spec.to < start:
        before(("spec", "to"), f"{spec.to.isoformat()} is before from ({start.isoformat()})")
    _dates_worth_a_word(spec, note or _ignore)
    if (
        before.count
        or model is None
        or constellations is None
        or start is None
        or spec.image_frequency is None
    ):
        if isinstance(geometry, Unread):  # every problem in one run: the AOI's too
            _read_now(geometry, spec.aoi, before)
        return None
    return OrderSpec(
        constellations=constellations,
        model=model,
        image_frequency=spec.image_frequency,
        reference_date=spec.reference_date or start,
        start=start,
        end=spec.to,
        storage_months=spec.storage_months or 1,
        api_requests=spec.api_requests or 1,
        aoi=geometry,
        tiles=tiles,
        mini_tiles=mini_tiles,
    )


class _Counter:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.count = 0

    def __call__(self, path: tuple[str | int, ...], message: str) -> None:
        self.count += 1
        self.report(path, message)


def _dates_worth_a_word(spec: Spec, note: Report) -> None:
    """Dates that are valid but probably not what was meant."""
    if spec.to is not None and spec.to != month_end(spec.to):
        note(
            ("spec", "to"),
            f"{spec.to.isoformat()} is not the last day of a month; orders run in whole "
            f"months (did you mean {month_end(spec.to).isoformat()}?)",
        )


def _ignore(path: tuple[str | int, ...], message: str) -> None:
    return None


def _resolve_aoi(
    aoi: Aoi, manifest_dir: Path, root: Path, report: Report, unread: bool = False
) -> tuple[Any, frozenset[str], frozenset[str]]:
    given = [key for key in AOI_VARIANTS if getattr(aoi, _attr(key)) is not None]
    empty: frozenset[str] = frozenset()
    tiled = set(given) <= {"tiles", "miniTiles"} and bool(given)
    if len(given) != 1 and not tiled:
        what = "none" if not given else " and ".join(given)
        report(
            ("spec", "aoi"),
            f"give exactly one of {', '.join(AOI_VARIANTS)} (tiles and miniTiles may go "
            f"together; found {what})",
        )
        return None, empty, empty
    if tiled:  # one order may mix tiles and minitiles
        sets = []
        for key in ("tiles", "miniTiles"):
            guids = getattr(aoi, _attr(key))
            if guids is None:
                sets.append(empty)
                continue
            if not guids or any(not g.strip() for g in guids):
                report(("spec", "aoi", key), "give at least one GUID, none of them empty")
                return None, empty, empty
            sets.append(frozenset(g.strip().lower() for g in guids))
        return None, sets[0], sets[1]
    key = given[0]
    path: tuple[str | int, ...] = ("spec", "aoi", key)
    try:
        kind: Kind
        if key == "wkt":
            kind, written = "wkt", aoi.wkt or ""
        elif key == "geojson":
            as_text = _geojson_text(aoi.geojson) if unread else None
            if as_text is None:  # read as given: a large mapping is not written out again
                return check_area(parse_geojson(aoi.geojson)), empty, empty
            kind, written = "geojson", as_text
        else:
            kind, written = _read_aoi_file(aoi.file or "", manifest_dir, root)
        if unread:
            return Unread.of(kind, written), empty, empty
        geometry = parse_wkt(written) if kind == "wkt" else parse_geojson(written)
        return check_area(geometry), empty, empty
    except GeometryProblem as problem:
        report(path, str(problem))
        return None, empty, empty


def aoi_path(aoi: Aoi) -> tuple[str, str, str]:
    """Where a manifest writes its WKT, GeoJSON or file AOI."""
    key = next((k for k in ("wkt", "geojson", "file") if getattr(aoi, k) is not None), "wkt")
    return ("spec", "aoi", key)


def _read_now(unread: Unread, aoi: Aoi, report: Report) -> None:
    try:
        unread.read()
    except GeometryProblem as problem:
        report(aoi_path(aoi), str(problem))


def _geojson_text(value: Any) -> str | None:
    """GeoJSON as text (a mapping written out); None when it is no JSON value."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        return None


def _attr(key: str) -> str:
    return "mini_tiles" if key == "miniTiles" else key


def _read_aoi_file(name: str, manifest_dir: Path, root: Path) -> tuple[Kind, str]:
    if "\x00" in name or len(name) > 1024:
        raise GeometryProblem("not a usable file name")
    relative = Path(name)
    if relative.is_absolute():
        raise GeometryProblem(f"{name}: give a path relative to the manifest, not an absolute one")
    try:
        path = (manifest_dir / relative).resolve()
    except (OSError, RuntimeError):
        raise GeometryProblem(f"{name}: the path cannot be followed (a symlink loop?)") from None
    if not path.is_relative_to(root.resolve()):
        raise GeometryProblem(f"{name}: the file is outside the repository root ({root})")
    try:
        text = read_text_file(path, MAX_AOI_FILE_BYTES)
    except FileNotFoundError:
        raise GeometryProblem(
            f"{name}: no such file (looked at {path.relative_to(root.resolve())})"
        ) from None
    except NotARegularFile as exc:
        raise GeometryProblem(f"{name}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GeometryProblem(f"{name}: cannot be read ({type(exc).__name__})") from None
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return "geojson", text
    if suffix == ".wkt":
        return "wkt", text.strip()
    raise GeometryProblem(f"{name}: use a .geojson, .json or .wkt file")
