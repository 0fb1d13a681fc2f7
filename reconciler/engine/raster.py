"""What a pulled GeoTIFF is, read from its header alone: size, bands, data type, NODATA, CRS
and where it lies (its affine transform, and its bounds in WGS84).

The file came from the service, so it is read as untrusted input: one bounded header read,
and anything that is not a georeferenced image is a RasterProblem, never a traceback.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import Polygon

MAX_BANDS = 64
_DESCRIPTION = re.compile(
    r'<Item name="DESCRIPTION" sample="(\d+)" role="description">([^<]{1,100})</Item>'
)
_DATA_TYPES = {
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "uint8": "uint8",
    "uint16": "uint16",
    "uint32": "uint32",
    "float32": "float32",
    "float64": "float64",
}


class RasterProblem(ValueError):
    """The file is not a georeferenced image this tool can describe."""


@dataclass(frozen=True)
class Raster:
    width: int
    height: int
    epsg: int
    transform: tuple[float, float, float, float, float, float]
    """a, b, c, d, e, f: x = a*col + b*row + c, y = d*col + e*row + f (proj:transform)."""
    bands: tuple[str, ...]
    data_type: str
    nodata: float | None
    footprint: Polygon
    """The image's outline in WGS84 (lon, lat), its edges followed point by point."""

    @property
    def resolution(self) -> float:
        return math.hypot(self.transform[0], self.transform[3])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Left, bottom, right, top in the file's own CRS."""
        a, b, c, d, e, f = self.transform
        xs = [c, c + a * self.width, c + b * self.height, c + a * self.width + b * self.height]
        ys = [f, f + d * self.width, f + e * self.height, f + d * self.width + e * self.height]
        return min(xs), min(ys), max(xs), max(ys)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """West, south, east, north: the footprint's, widened by a centimetre or so, so that
        it holds the image however finely its curved edges are followed."""
        west, south, east, north = self.footprint.bounds
        pad = 1e-7
        return (
            max(-180.0, west - pad),
            max(-90.0, south - pad),
            min(180.0, east + pad),
            min(90.0, north + pad),
        )


def read_raster(file: Path) -> Raster:
    """The header of `file`; RasterProblem when it is not a georeferenced image."""
    import tifffile

    try:
        with tifffile.TiffFile(file) as tiff:
            page = tiff.pages.first
            geo = tiff.geotiff_metadata or {}
            width, height = int(page.imagewidth), int(page.imagelength)
            samples = int(page.samplesperpixel)
            dtype = str(page.dtype) if page.dtype is not None else ""
            tags = {tag.name: tag.value for tag in page.tags.values()}
    except RasterProblem:
        raise
    except Exception as error:  # a hostile or broken header: one message
        raise RasterProblem(f"not a readable GeoTIFF ({type(error).__name__})") from None
    if width < 1 or height < 1 or not 1 <= samples <= MAX_BANDS:
        raise RasterProblem(f"an image of {width} x {height} pixels and {samples} band(s)")
    if dtype not in _DATA_TYPES:
        raise RasterProblem(f"samples of type {dtype or 'unknown'}")
    epsg = _epsg(geo)
    transform = _transform(geo)
    return Raster(
        width=width,
        height=height,
        epsg=epsg,
        transform=transform,
        bands=_band_names(tags, samples),
        data_type=_DATA_TYPES[dtype],
        nodata=_nodata(tags.get("GDAL_NODATA")),
        footprint=_footprint(epsg, transform, width, height),
    )


def _epsg(geo: dict[str, Any]) -> int:
    for key in ("ProjectedCSTypeGeoKey", "GeographicTypeGeoKey"):
        value = geo.get(key)
        if value is not None:
            code = int(value)
            if 1024 <= code < 32767:
                return code
    raise RasterProblem("no EPSG code in its GeoKeys")


def _transform(geo: dict[str, Any]) -> tuple[float, float, float, float, float, float]:
    matrix = geo.get("ModelTransformation")
    if matrix is not None:
        m = [float(v) for v in _flat(matrix)]
        if len(m) < 8:
            raise RasterProblem("a ModelTransformation of fewer than 8 values")
        found = (m[0], m[1], m[3], m[4], m[5], m[7])
    else:
        scale, tie = geo.get("ModelPixelScale"), geo.get("ModelTiepoint")
        if scale is None or tie is None:
            raise RasterProblem("no georeference (ModelPixelScale and ModelTiepoint)")
        s, t = [float(v) for v in _flat(scale)], [float(v) for v in _flat(tie)]
        if len(s) < 2 or len(t) < 6:
            raise RasterProblem("a short ModelPixelScale or ModelTiepoint")
        found = (s[0], 0.0, t[3] - t[0] * s[0], 0.0, -s[1], t[4] + t[1] * s[1])
    if int(geo.get("GTRasterTypeGeoKey") or 1) == 2:  # PixelIsPoint: to the pixel's corner
        a, b, c, d, e, f = found
        found = (a, b, c - (a + b) / 2, d, e, f - (d + e) / 2)
    if not all(math.isfinite(v) for v in found) or found[0] * found[4] - found[1] * found[3] == 0:
        raise RasterProblem("a georeference that does not place its pixels")
    return found


def _flat(value: Any) -> list[Any]:
    try:
        import numpy as np

        return list(np.asarray(value, dtype=float).ravel()[:32])
    except (TypeError, ValueError):
        raise RasterProblem("a georeference that is not numbers") from None


def _band_names(tags: dict[str, Any], samples: int) -> tuple[str, ...]:
    names = [f"band{i + 1}" for i in range(samples)]
    text = tags.get("GDAL_METADATA")
    if isinstance(text, str):
        for number, name in _DESCRIPTION.findall(text[:100_000]):
            if int(number) < samples:
                names[int(number)] = name.strip()
    return tuple(names)


def _nodata(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(str(value).strip().rstrip("\x00"))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _footprint(
    epsg: int, transform: tuple[float, ...], width: int, height: int, steps: int = 32
) -> Polygon:
    from pyproj import Transformer
    from pyproj.exceptions import CRSError, ProjError

    a, b, c, d, e, f = transform
    edge: list[tuple[float, float]] = []
    corners = [(0, 0), (width, 0), (width, height), (0, height), (0, 0)]
    for (c0, r0), (c1, r1) in itertools.pairwise(corners):
        for i in range(steps):
            col = c0 + (c1 - c0) * i / steps
            row = r0 + (r1 - r0) * i / steps
            edge.append((a * col + b * row + c, d * col + e * row + f))
    try:
        to_wgs84 = Transformer.from_crs(epsg, 4326, always_xy=True)
        xs, ys = to_wgs84.transform([p[0] for p in edge], [p[1] for p in edge])
    except (CRSError, ProjError) as error:
        raise RasterProblem(f"EPSG {epsg} cannot be placed on the globe ({error})") from None
    points = list(zip(xs, ys, strict=True))
    if not all(math.isfinite(x) and math.isfinite(y) for x, y in points):
        raise RasterProblem(f"its bounds in EPSG {epsg} lie off the globe")
    return Polygon(points)
