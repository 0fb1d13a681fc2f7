"""The sandbox's imagery: small, valid GeoTIFFs with deterministic content.

A composite is georeferenced to the area's bounds in the requested EPSG at the requested
resolution, with the requested bands (named in the file's band descriptions) and data type,
and NODATA (-32768 for INT16, 0 for UINT8) outside the area. A tile or minitile is its square on
the UTM grid at 10 m, every band. Pixel values depend only on the pixel's place on the grid,
the band and the date, so two downloads of the same thing are the same bytes.

The writer is tifffile (pure Python over numpy, which shapely already brings): written in
256 x 256 blocks, zlib-compressed, so a 5120 x 5120 tile never sits whole in memory.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

ALL_BANDS = ("B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12")
RGB = ("B4", "B3", "B2")
RESOLUTIONS = (10, 20, 40, 80, 160, 320, 640, 1280)
NODATA = {"INT16": -32768, "UINT8": 0}
BLOCK = 256
DEGREES_PER_METRE = 1 / 111_320
_INDEX = re.compile(r"^\[([A-Z0-9]+)_([A-Z0-9]+)\]$")


class ImageryRefused(ValueError):
    """A request the service refuses; the message is the service's, the field is where."""

    def __init__(self, field: str, message: str, code: int = 992) -> None:
        super().__init__(message)
        self.field = field
        self.code = code


def band_names(text: str) -> tuple[str, ...]:
    """`all`, `rgb`, or a comma-separated list of bands and indices such as [B8_B4]."""
    value = text.strip()
    if value.lower() == "all":
        return ALL_BANDS
    if value.lower() == "rgb":
        return RGB
    known = {b.upper(): b for b in ALL_BANDS}
    names = []
    for part in value.split(","):
        name = part.strip().upper()
        index = _INDEX.match(name)
        if index and index.group(1) in known and index.group(2) in known:
            names.append(f"[{known[index.group(1)]}_{known[index.group(2)]}]")
        elif name in known:
            names.append(known[name])
        else:
            raise ImageryRefused(
                "Bandnames",
                f"Unknown band or index {part.strip()[:40]!r}: use all or rgb alone, or a "
                f"list of bands {','.join(ALL_BANDS)} and indices such as [B8_B4].",
            )
    if len(set(names)) != len(names):
        raise ImageryRefused("Bandnames", "A band is named twice.")
    return tuple(names)


@dataclass(frozen=True)
class Grid:
    """Where the pixels are: the top-left corner, the pixel size and the size in pixels."""

    epsg: int
    left: float
    top: float
    pixel: float
    width: int
    height: int

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (
            self.left,
            self.top - self.height * self.pixel,
            self.left + self.width * self.pixel,
            self.top,
        )


def crs_for(epsg: int) -> CRS:
    try:
        crs = CRS.from_epsg(epsg)
    except CRSError:
        raise ImageryRefused("EpsgProjection", f"Unknown EPSG code {epsg}.") from None
    if not (crs.is_projected or crs.is_geographic):
        raise ImageryRefused("EpsgProjection", f"EPSG {epsg} is not a 2D CRS.")
    return crs


def in_crs(geometry: BaseGeometry, epsg: int) -> BaseGeometry:
    """`geometry` (lon/lat) in EPSG `epsg`."""
    if epsg == 4326:
        return geometry
    crs_for(epsg)
    moved: BaseGeometry = shapely.transform(geometry, _from_lonlat(epsg), interleaved=False)
    return moved


def composite_grid(
    geometry: BaseGeometry, epsg: int, resolution: int, *, contained: bool = False
) -> Grid:
    """The grid of a composite of `geometry` (lon/lat): its bounds in `epsg`, aligned to
    multiples of the pixel size (outward, or inward when only contained pixels are wanted)."""
    if resolution not in RESOLUTIONS:
        raise ImageryRefused(
            "Resolution", f"Resolution must be one of {', '.join(map(str, RESOLUTIONS))}."
        )
    crs = crs_for(epsg)
    pixel = resolution * DEGREES_PER_METRE if crs.is_geographic else float(resolution)
    x0, y0, x1, y1 = in_crs(geometry, epsg).bounds
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise ImageryRefused("EpsgProjection", f"The area cannot be shown in EPSG {epsg}.")
    outward, inward = (math.floor, math.ceil), (math.ceil, math.floor)
    low, high = inward if contained else outward
    left, right = low(x0 / pixel) * pixel, high(x1 / pixel) * pixel
    bottom, top = low(y0 / pixel) * pixel, high(y1 / pixel) * pixel
    width = max(1, round((right - left) / pixel))
    height = max(1, round((top - bottom) / pixel))
    return Grid(epsg, left, top, pixel, width, height)


def square_grid(x0: float, y0: float, side: float, epsg: int, pixel: float = 10.0) -> Grid:
    """A tile's or minitile's square on the UTM grid, at `pixel` metres."""
    pixels = max(1, round(side / pixel))
    return Grid(epsg, x0, y0 + side, side / pixels, pixels, pixels)


class NotProduced(Exception):
    """The service failed to produce an image (its own fault, not the request's)."""


INDEX_NODATA = -9999.0
"""NODATA of a file that holds an index (float32): where either of its bands has none."""


def geotiff(
    grid: Grid,
    bands: tuple[str, ...],
    data_type: str,
    day: date,
    area: BaseGeometry | None = None,
) -> bytes:
    """A GeoTIFF of `grid` with `bands` (bands, and indices such as [B8_B4]: the normalised
    difference of their two bands); pixels whose centre is outside `area` (in the grid's CRS)
    are NODATA. A file with an index is float32 throughout (one data type per file); one band
    is written as a plain single-sample image."""
    indexed = any(_INDEX.match(b) for b in bands)
    dtype: Any = np.float32 if indexed else np.int16 if data_type == "INT16" else np.uint8
    nodata: float = INDEX_NODATA if indexed else NODATA[data_type]
    if area is not None:
        shapely.prepare(area)
    blocks = _blocks(grid, bands, data_type, dtype, nodata, day.toordinal(), area)
    out = io.BytesIO()
    import tifffile  # only a sandbox that serves imagery needs it

    single = len(bands) == 1
    try:
        _write(tifffile, out, blocks, grid, bands, dtype, nodata, single)
    except (ValueError, RuntimeError, MemoryError) as exc:
        raise NotProduced(f"The image could not be produced ({type(exc).__name__}).") from None
    return out.getvalue()


def _write(
    tifffile: Any,
    out: io.BytesIO,
    blocks: Iterator[Any],
    grid: Grid,
    bands: tuple[str, ...],
    dtype: Any,
    nodata: float,
    single: bool,
) -> None:
    tifffile.imwrite(
        out,
        data=(b[:, :, 0] for b in blocks) if single else blocks,
        shape=(grid.height, grid.width) if single else (grid.height, grid.width, len(bands)),
        dtype=dtype,
        photometric="minisblack",
        planarconfig=None if single else "contig",
        tile=(BLOCK, BLOCK),
        compression="zlib",
        metadata=None,
        extratags=_geotags(grid, bands, nodata),
    )


def _blocks(
    grid: Grid,
    bands: tuple[str, ...],
    data_type: str,
    dtype: Any,
    nodata: float,
    seed: int,
    area: BaseGeometry | None,
) -> Iterator[Any]:
    origin_x = round(grid.left / grid.pixel)
    origin_y = round(grid.top / grid.pixel)
    scale = 200 if data_type != "INT16" else 3000
    for top in range(0, grid.height, BLOCK):
        for left in range(0, grid.width, BLOCK):
            rows = origin_y - top - np.arange(BLOCK, dtype=np.int64)
            cols = origin_x + left + np.arange(BLOCK, dtype=np.int64)
            base = cols[None, :] // 16 + rows[:, None] // 16

            layers = []
            for name in bands:
                pair = _INDEX.match(name)
                if pair:
                    first = _band(base, pair.group(1), seed, scale)
                    second = _band(base, pair.group(2), seed, scale)
                    layers.append((first - second) / (first + second))  # values >= 1: no /0
                else:
                    layers.append(_band(base, name, seed, scale))
            block = np.stack(layers, axis=-1).astype(dtype)
            if area is not None:
                block[~_inside(grid, area, top, left)] = nodata
            yield block


def _band(base: Any, name: str, seed: int, scale: int) -> Any:
    """One band's values over a block: they depend on the band's name alone, so that an index
    is the normalised difference of the bands a file of them holds."""
    offset = (ALL_BANDS.index(name) * 37 + seed * 11) if name in ALL_BANDS else 0
    return (base + offset) % scale + 1


def _inside(grid: Grid, area: BaseGeometry, top: int, left: int) -> Any:
    """Which pixel centres of the block at (top, left) fall inside `area`."""
    x0 = grid.left + left * grid.pixel
    y0 = grid.top - top * grid.pixel
    span = BLOCK * grid.pixel
    square = box(x0, y0 - span, x0 + span, y0)
    if area.contains(square):
        return np.ones((BLOCK, BLOCK), dtype=bool)
    if not area.intersects(square):
        return np.zeros((BLOCK, BLOCK), dtype=bool)
    xs = x0 + (np.arange(BLOCK) + 0.5) * grid.pixel
    ys = y0 - (np.arange(BLOCK) + 0.5) * grid.pixel
    xx, yy = np.meshgrid(xs, ys)
    return shapely.contains_xy(area, xx, yy)


def _geotags(
    grid: Grid, bands: tuple[str, ...], nodata: float
) -> list[tuple[int, str, int, Any, bool]]:
    """ModelPixelScale, ModelTiepoint, GeoKeyDirectory, GDAL_NODATA and band names."""
    geographic = crs_for(grid.epsg).is_geographic
    keys = [1, 1, 0, 4]
    keys += [1024, 0, 1, 2 if geographic else 1]  # GTModelType: geographic or projected
    keys += [1025, 0, 1, 1]  # GTRasterType: PixelIsArea
    if geographic:
        keys += [2048, 0, 1, grid.epsg, 2054, 0, 1, 9102]  # GeographicType, degrees
    else:
        keys += [3072, 0, 1, grid.epsg, 3076, 0, 1, 9001]  # ProjectedCSType, metres
    described = "".join(
        f'<Item name="DESCRIPTION" sample="{i}" role="description">{name}</Item>'
        for i, name in enumerate(bands)
    )
    return [
        (33550, "d", 3, (grid.pixel, grid.pixel, 0.0), False),
        (33922, "d", 6, (0.0, 0.0, 0.0, grid.left, grid.top, 0.0), False),
        (34735, "H", len(keys), keys, False),
        (42112, "s", 0, f"<GDALMetadata>{described}</GDALMetadata>", False),
        (42113, "s", 0, f"{nodata:g}", False),
    ]


@lru_cache(maxsize=64)
def _from_lonlat(epsg: int) -> Any:
    return Transformer.from_crs(4326, epsg, always_xy=True).transform
