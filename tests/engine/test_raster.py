"""A pulled file's header is untrusted: anything that is not a georeferenced image is one
RasterProblem (the catalog says which file has no item), never a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from reconciler.engine.raster import RasterProblem, read_raster

GEOKEYS = (1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 32632)


def _tiff(path: Path, extratags: list[tuple[int, str, int, object, bool]]) -> Path:
    tifffile.imwrite(path, np.zeros((4, 5), dtype=np.int16), extratags=extratags)
    return path


def test_a_georeferenced_header_is_read(tmp_path: Path) -> None:
    file = _tiff(
        tmp_path / "ok.tif",
        [
            (33550, "d", 3, (10.0, 10.0, 0.0), False),
            (33922, "d", 6, (0.0, 0.0, 0.0, 560000.0, 6240000.0, 0.0), False),
            (34735, "H", len(GEOKEYS), GEOKEYS, False),
            (42113, "s", 0, "-32768", False),
        ],
    )
    raster = read_raster(file)
    assert (raster.width, raster.height, raster.epsg) == (5, 4, 32632)
    assert raster.transform == (10.0, 0.0, 560000.0, 0.0, -10.0, 6240000.0)
    assert raster.nodata == -32768 and raster.bands == ("band1",)
    west, south, east, north = raster.bbox
    assert 9.0 < west < east < 10.0 and 56.0 < south < north < 56.4


@pytest.mark.parametrize(
    "tags",
    [
        [],  # no georeference at all
        [(34735, "H", len(GEOKEYS), GEOKEYS, False)],  # a CRS, no placement
        [
            (33550, "d", 3, (float("nan"), 10.0, 0.0), False),
            (33922, "d", 6, (0.0, 0.0, 0.0, 1.0, 1.0, 0.0), False),
            (34735, "H", len(GEOKEYS), GEOKEYS, False),
        ],
        [
            (33550, "d", 3, (10.0, 10.0, 0.0), False),
            (33922, "d", 6, (0.0, 0.0, 0.0, 1.0, 1.0, 0.0), False),
            (34735, "H", 12, (1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 1), False),  # EPSG 1
        ],
    ],
)
def test_what_is_not_a_georeferenced_image_is_one_problem(
    tmp_path: Path, tags: list[tuple[int, str, int, object, bool]]
) -> None:
    with pytest.raises(RasterProblem):
        read_raster(_tiff(tmp_path / "bad.tif", tags))


def test_bytes_that_are_not_a_tiff_are_one_problem(tmp_path: Path) -> None:
    for body in (b"", b"II*\x00" + b"\xff" * 40, b"<html>not an image</html>"):
        file = tmp_path / "x.tif"
        file.write_bytes(body)
        with pytest.raises(RasterProblem):
            read_raster(file)
