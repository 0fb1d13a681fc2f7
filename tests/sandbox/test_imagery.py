"""The sandbox's GeoTIFFs, read back with GDAL: grids, CRSs, bands, NODATA, determinism."""

from __future__ import annotations

from datetime import date

import pytest
from rasterio.io import MemoryFile

from reconciler.domain.geometry import parse_wkt
from reconciler.sandbox.imagery import (
    ALL_BANDS,
    RGB,
    ImageryRefused,
    band_names,
    composite_grid,
    geotiff,
    in_crs,
)

SMALL = parse_wkt("POLYGON((10.00 56.30, 10.06 56.30, 10.03 56.34, 10.00 56.30))")
DAY = date(2026, 11, 4)


def opened(data: bytes) -> dict[str, object]:
    with MemoryFile(data) as memory, memory.open() as ds:
        return {
            "epsg": ds.crs.to_epsg(),
            "bounds": tuple(ds.bounds),
            "res": ds.res,
            "count": ds.count,
            "dtype": ds.dtypes[0],
            "nodata": ds.nodata,
            "names": ds.descriptions,
            "corner": int(ds.read(1)[0, 0]),
        }


@pytest.mark.parametrize(
    ("epsg", "resolution", "data_type", "nodata"),
    [(32632, 20, "INT16", -32768), (3857, 40, "UINT8", 0), (4326, 80, "INT16", -32768)],
)
def test_a_composite_is_on_the_requested_grid(
    epsg: int, resolution: int, data_type: str, nodata: int
) -> None:
    grid = composite_grid(SMALL, epsg, resolution)
    read = opened(geotiff(grid, RGB, data_type, DAY, in_crs(SMALL, epsg)))
    assert read["epsg"] == epsg and read["count"] == 3 and read["names"] == RGB
    assert read["dtype"] == data_type.lower() and read["nodata"] == nodata
    assert read["corner"] == nodata  # the triangle's top-left corner is outside it
    assert read["res"] == pytest.approx((grid.pixel, grid.pixel))
    assert read["bounds"] == pytest.approx(grid.bounds)
    x0, y0, x1, y1 = in_crs(SMALL, epsg).bounds
    left, bottom, right, top = grid.bounds
    assert left <= x0 and bottom <= y0 and right >= x1 and top >= y1
    assert right - x1 < grid.pixel and x0 - left < grid.pixel


def test_contained_pixels_stay_inside_the_bounds() -> None:
    outward = composite_grid(SMALL, 32632, 80)
    inward = composite_grid(SMALL, 32632, 80, contained=True)
    assert inward.width < outward.width and inward.height < outward.height
    x0, y0, x1, y1 = in_crs(SMALL, 32632).bounds
    left, bottom, right, top = inward.bounds
    assert left >= x0 and bottom >= y0 and right <= x1 and top <= y1


def test_the_same_request_gives_the_same_bytes_and_another_date_others() -> None:
    grid = composite_grid(SMALL, 32632, 80)
    first = geotiff(grid, ALL_BANDS, "INT16", DAY)
    assert first == geotiff(grid, ALL_BANDS, "INT16", DAY)
    assert first != geotiff(grid, ALL_BANDS, "INT16", date(2026, 11, 7))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("all", ALL_BANDS),
        ("RGB", RGB),
        ("b8, b4,[b8_b4]", ("B8", "B4", "[B8_B4]")),
    ],
)
def test_band_names(text: str, expected: tuple[str, ...]) -> None:
    assert band_names(text) == expected


@pytest.mark.parametrize("text", ["rgb,B8", "B13", "[B8_X]", "B2,B2", ""])
def test_band_names_the_service_refuses(text: str) -> None:
    with pytest.raises(ImageryRefused):
        band_names(text)


@pytest.mark.parametrize(("epsg", "resolution"), [(32632, 15), (999999, 10)])
def test_grids_the_service_refuses(epsg: int, resolution: int) -> None:
    with pytest.raises(ImageryRefused):
        composite_grid(SMALL, epsg, resolution)
