"""What pull fetches for one order and where each file goes: the delivery settings (command
line over the manifest's `delivery` over clearsky.yaml's), the files' layout under the output
folder, and the upload URL of each file."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from reconciler.api.imagery import CompositeOptions
from reconciler.errors import ConfigurationError
from reconciler.manifest.models import Delivery, DeliverySettings
from reconciler.oneline import shown_url

FIELDS = ("name", "date", "tile", "year", "month")
LAYOUT = "{name}/{date}.tif"
TILE_LAYOUT = "{name}/{date}/{tile}.tif"
SETTINGS_ONLY = {"out", "layout", "upload_endpoint", "stac"}
"""clearsky.yaml's delivery fields that are not a manifest's."""
COMMAND_LINE_ONLY = ("layout", "upload_url_template")
_SAFE_PART = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class OrderDelivery:
    """The settled delivery of one order."""

    options: CompositeOptions
    epsg_utm: bool
    """EPSG follows the area (the UTM zone of its centre) rather than a fixed code."""
    per_tile: bool
    layout: str
    upload_url: str | None
    upload_to: str | None


def settle(
    config: DeliverySettings,
    manifest: Mapping[str, Any],
    given: Mapping[str, Any],
    *,
    where: str,
) -> OrderDelivery:
    """The command line's settings (`given`) over the manifest's over clearsky.yaml's."""
    merged: dict[str, Any] = config.model_dump(
        exclude_none=True, exclude={"out", "layout", "upload_endpoint", "allowed_uploads", "stac"}
    )
    merged.update(manifest)
    merged.update({k: v for k, v in given.items() if v is not None and k not in COMMAND_LINE_ONLY})
    try:
        chosen = Delivery.model_validate(merged)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigurationError(f"{where}: delivery.{field}: {first['msg']}") from None
    per_tile = (chosen.tiles or "each") == "each"
    epsg = chosen.epsg if chosen.epsg is not None else "utm"
    options = CompositeOptions(
        resolution=chosen.resolution or 10,
        epsg=4326 if epsg == "utm" else int(epsg),
        bands=(chosen.bands or "all").replace(" ", ""),
        data_type=chosen.data_type or "INT16",
        pixel_selection=chosen.pixel_selection or "intersect",
        utm_selection=chosen.utm_selection or "combined_utm",
        force_pixel_size=True if chosen.force_pixel_size is None else chosen.force_pixel_size,
        allow_partial=chosen.allow_partial,
        processing_level=chosen.processing_level,
    )
    layout = given.get("layout") or config.layout
    template = given.get("upload_url_template")
    return OrderDelivery(
        options=options,
        epsg_utm=epsg == "utm",
        per_tile=per_tile,
        layout=str(layout) if layout else "",
        upload_url=template or chosen.upload_url,
        upload_to=None if template else chosen.upload_to,
    )


def utm_zone(lon: float, lat: float) -> int:
    """The EPSG code of the WGS 84 / UTM zone at (lon, lat)."""
    zone = min(max(int((lon + 180) // 6) + 1, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


def fields_of(template: str, what: str) -> list[str]:
    """The fields a template fills in: only the known ones, plain (no conversion, no format
    spec, which could ask for a string of any length). `what` names the template in
    messages (the template itself may carry a token)."""
    try:
        found = [(f, c, s) for _, f, s, c in string.Formatter().parse(template) if f is not None]
    except ValueError as error:
        raise ConfigurationError(f"{what}: {error}") from None
    for name, conversion, spec in found:
        if name not in FIELDS:
            raise ConfigurationError(
                f"{what}: unknown field {{{name[:40]}}}; use {', '.join(FIELDS)}"
            )
        if conversion or spec:
            raise ConfigurationError(f"{what}: write fields plain, as {{{name}}}")
    return [name for name, _, _ in found]


def check_layout(layout: str) -> None:
    """A layout uses only the known fields, plain, and names a relative path."""
    names = fields_of(layout, f"layout {layout[:100]!r}")
    if "date" not in names:
        raise ConfigurationError(f"layout {layout!r}: needs {{date}}, one file per date")


def file_path(layout: str, name: str, day: date, tile: str) -> str:
    """The file's path under the output folder: relative, no '..', plain names only."""
    text = layout.format(
        name=name, date=day.isoformat(), tile=tile, year=f"{day.year:04d}", month=f"{day.month:02d}"
    )
    parts = PurePosixPath(text).parts
    if (
        not parts
        or text.startswith("/")
        or "\\" in text
        or any(p in (".", "..") or not _SAFE_PART.match(p) for p in parts)
    ):
        raise ConfigurationError(
            f"layout {layout!r} gives {text[:80]!r}: a file path must be relative, of plain "
            "names (letters, digits, '.', '_', '-'), without '..'"
        )
    return "/".join(parts)


def upload_url(template: str, name: str, day: date, tile: str) -> str:
    """A PUT URL from a template: its fields filled in, URL-quoted."""
    values = {
        "name": quote(name, safe=""),
        "date": day.isoformat(),
        "tile": quote(tile, safe=""),
        "year": f"{day.year:04d}",
        "month": f"{day.month:02d}",
    }
    fields_of(template, f"upload URL template {shown_url(template)}")
    return template.format(**values)
