"""The imagery endpoints: downloads (composite, tile, minitile; returned or PUT to an
UploadUrl), the processing-credit estimate, input products and acquisition plans.

Requests use the current docs' PascalCase names (the page's camelCase example names the same
fields; the service reads either). Dates go as midnight UTC date-times, as the docs show them.
An estimate without a credit figure the client can read is an error, never zero.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import Field, field_validator

from reconciler.api.client import ClearskyClient, Sink, _read
from reconciler.api.models import ServiceModel
from reconciler.errors import TransportError

COMPOSITE_PATH = "/api/satelliteimages/process/composite"
ESTIMATE_PATH = "/api/satelliteimages/process/composite/estimate"
TILE_PATH = "/api/satelliteimages/process/tile"
MINITILE_PATH = "/api/satelliteimages/process/minitile"
PRODUCTS_PATH = "/api/satelliteproducts/satellitezones/composite"
ACQUISITIONS_PATH = "/api/satelliteproducts/acquisitionplans"
MAX_FILE_BYTES = 16 * 1024**3
"""The largest file a download may write (a whole 10 m tile of every band is about 500 MB)."""


AUTOMATIC_UTM = 47000
"""EpsgProjection that asks for each tile's own UTM zone."""


@dataclass(frozen=True)
class CompositeOptions:
    """The composite download's settings, with the service's defaults."""

    resolution: int = 10
    epsg: int = 4326
    bands: str = "all"
    data_type: str = "INT16"
    pixel_selection: str = "intersect"
    utm_selection: str = "combined_utm"
    force_pixel_size: bool = True
    allow_partial: bool | None = None
    """None: the service's default for the kind of download (a composite takes only whole
    images; a tile or minitile, the tile as imaged)."""
    processing_level: str | None = None
    """Nimbus only: L1C or L2A."""

    def fields(self) -> dict[str, Any]:
        return {
            "Resolution": self.resolution,
            "EpsgProjection": self.epsg,
            "FileType": "tif",
            "Bandnames": self.bands,
            "DataType": self.data_type,
            "PixelSelectionMode": self.pixel_selection,
            "UtmDataSelectionMode": self.utm_selection,
            "UtmGridForcePixelResolutionSize": self.force_pixel_size,
            "AllowPartialImage": bool(self.allow_partial),
        }

    def square_fields(self) -> dict[str, Any]:
        """A tile's or minitile's settings (the tile download's fields, facts file: Tiles):
        its own UTM zone unless a projection was asked for (47000: automatic UTM)."""
        return {
            "Resolution": self.resolution,
            "EpsgProjection": AUTOMATIC_UTM if self.epsg == 4326 else self.epsg,
            "Bandnames": self.bands,
            "DataType": self.data_type,
            "UtmDataSelectionMode": self.utm_selection,
            "AllowPartialImage": True if self.allow_partial is None else self.allow_partial,
        }

    def level_fields(self) -> dict[str, Any]:
        """Nimbus's processing level, under the docs' name and the official client's."""
        if self.processing_level is None:
            return {}
        return {"ProcessingLevel": self.processing_level, "Level": self.processing_level}


@dataclass(frozen=True)
class Source:
    """What one download shows: an area (WKT), or a tile or minitile GUID."""

    wkt: str | None = None
    tile: str | None = None
    mini_tile: str | None = None

    @property
    def path(self) -> str:
        return MINITILE_PATH if self.mini_tile else TILE_PATH if self.tile else COMPOSITE_PATH


def _when(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def download_body(
    source: Source,
    day: date,
    model: str,
    constellations: Iterable[str],
    options: CompositeOptions,
    upload_url: str | None = None,
) -> dict[str, Any]:
    """The request of one download. AutomaticOrderCreation is always false: a download never
    buys anything."""
    common = {
        "Date": _when(day),
        "Model": model,
        "SatelliteConstellations": list(constellations),
        "UploadUrl": upload_url,
        **options.level_fields(),
    }
    if source.mini_tile:
        return {"MiniTileGuid": source.mini_tile, **common, **options.square_fields()}
    if source.tile:
        return {"TileGuid": source.tile, **common, **options.square_fields()}
    return {
        "Wkt": source.wkt,
        "GeoJson": None,
        **common,
        **options.fields(),
        "AutomaticOrderCreation": False,
    }


def estimate_body(source: Source, options: CompositeOptions) -> dict[str, Any]:
    """The estimate is asked with the download's own settings (resolution and bands change
    the credits)."""
    if source.tile or source.mini_tile:
        return {
            "Wkt": None,
            "GeoJson": None,
            "TileGuid": source.tile,
            "MiniTileGuid": source.mini_tile,
            **options.square_fields(),
        }
    return {
        "Wkt": source.wkt,
        "GeoJson": None,
        "TileGuid": None,
        "MiniTileGuid": None,
        **options.fields(),
    }


class CreditEstimate(ServiceModel):
    """POST .../composite/estimate: what a download costs in processing credits."""

    credit_estimate: float
    area_estimate_km2: float | None = None
    file_size_estimate_mb: float | None = None

    @field_validator("credit_estimate")
    @classmethod
    def _readable(cls, value: float) -> float:
        if not math.isfinite(value) or value < 0:
            raise ValueError("not a credit figure")
        return value


class InputProduct(ServiceModel):
    satellite_constellation: str = Field(max_length=100)
    product_geog_wkt: str | None = None
    image_date: datetime


class InputProducts(ServiceModel):
    satellite_products_for_composite: list[InputProduct] = Field(default_factory=list)

    @field_validator("satellite_products_for_composite", mode="before")
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        return value or []


class Acquisition(ServiceModel):
    satellite: str = Field(max_length=100)
    acquisition_status: str | None = Field(None, max_length=100)
    publication_status: str | None = Field(None, max_length=100)
    wkt: str | None = None


class AcquisitionDay(ServiceModel):
    date: datetime
    acquisition_plans: list[Acquisition] = Field(default_factory=list)


class AcquisitionPlans(ServiceModel):
    plans: list[AcquisitionDay] = Field(default_factory=list)

    @field_validator("plans", mode="before")
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        return value or []


async def estimate_credits(
    client: ClearskyClient, source: Source, options: CompositeOptions
) -> CreditEstimate:
    data = await client.post(ESTIMATE_PATH, estimate_body(source, options))
    return _read(CreditEstimate, data or {}, "POST", ESTIMATE_PATH)


async def download(
    client: ClearskyClient, source: Source, body: Mapping[str, Any], sink: Sink
) -> int:
    """Download into `sink` (200), or have the service PUT it to the body's UploadUrl (201).
    An answer longer than the request can produce (`file_bound`) is refused, and so is one
    that takes longer than such a file could at a crawl (a drip never ends otherwise)."""
    bound = file_bound(source, body)
    seconds = GRACE_SECONDS + bound / SLOWEST_BYTES_PER_SECOND
    try:
        async with asyncio.timeout(seconds):
            return await client.post_for_file(source.path, body, sink, limit=bound)
    except TimeoutError:
        raise TransportError(
            f"the file did not arrive within {seconds:.0f} s; it is fetched again next time",
            method="POST",
            path=source.path,
        ) from None


GRACE_SECONDS = 60.0
"""What a download may take beyond its size at the slowest pace (the service draws first)."""
SLOWEST_BYTES_PER_SECOND = 64 * 1024
"""A download slower than this on average is given up (and tried again by the next pull)."""
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def file_bound(source: Source, body: Mapping[str, Any]) -> int:
    """The most bytes the request can produce: its pixels, bands and widest sample, with
    room for headers and compression that does not shrink; never above MAX_FILE_BYTES."""
    resolution = body.get("Resolution") or 10
    metres = float(resolution) if isinstance(resolution, int | float) else 10.0
    metres = max(metres, 1.0)
    if source.wkt:
        numbers = [float(n) for n in _NUMBER.findall(source.wkt)[:200_000]]
        lons, lats = numbers[0::2], numbers[1::2]
        if not lons or not lats:
            return MAX_FILE_BYTES
        middle = math.radians(max(-89.0, min(89.0, (min(lats) + max(lats)) / 2)))
        width = (max(lons) - min(lons)) * 111_320 * max(math.cos(middle), 0.01)
        height = (max(lats) - min(lats)) * 110_574
    else:
        width = height = 3_200.0 if source.mini_tile else 51_200.0
    pixels = (width / metres + 4) * (height / metres + 4)
    bands = _band_count(str(body.get("Bandnames") or "all"))
    return int(min(MAX_FILE_BYTES, pixels * bands * 4 * 1.5 + 16 * 1024**2))


def _band_count(names: str) -> int:
    lowered = names.strip().lower()
    if lowered == "all":
        return 13  # every band the service may hold, with room
    if lowered == "rgb":
        return 3
    return max(1, len([n for n in names.split(",") if n.strip()]))


async def input_products(
    client: ClearskyClient, *, wkt: str, day: date, model: str, constellations: Iterable[str]
) -> list[InputProduct]:
    body = {
        "Wkt": wkt,
        "GeoJson": None,
        "Date": _when(day),
        "Model": model,
        "SatelliteConstellations": list(constellations),
    }
    data = await client.post(PRODUCTS_PATH, body)
    return _read(InputProducts, data or {}, "POST", PRODUCTS_PATH).satellite_products_for_composite


async def acquisition_plans(
    client: ClearskyClient, *, wkt: str, start: date, until: date
) -> list[AcquisitionDay]:
    body = {"Wkt": wkt, "GeoJson": None, "From": _when(start), "Until": _when(until)}
    data = await client.post(ACQUISITIONS_PATH, body)
    return _read(AcquisitionPlans, data or {}, "POST", ACQUISITIONS_PATH).plans
