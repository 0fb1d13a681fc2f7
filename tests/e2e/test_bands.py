"""One band or one index downloads (issue: `pull --bands B4` and `--bands "[B8_B4]"` failed with
"Malformed request."): composite, tile and minitile orders, each with one band, one index,
and two bands with an index, end to end through pull against the sandbox on loopback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import rasterio

from reconciler.domain.calendar import month_start
from tests.conftest import AARHUS, Repo, Result, Service, aarhus_tiles, manifest

Cli = Callable[..., Result]


@pytest.fixture
def delivering(api_env: Service, repo: Repo, cli: Cli) -> Path:
    """A polygon, a tile and a minitile order from this month, applied; the sandbox's clock a
    day on, so that each has delivered dates."""

    tile, minis = aarhus_tiles(api_env)
    mini = minis[0]
    start = month_start(datetime.now(UTC).date())
    repo.remove("coast/skagen.yaml")
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", start=start))
    for name, key, guid in (("tiles", "tiles", tile), ("minis", "miniTiles", mini)):
        text = manifest(name, start=start).replace(f'    wkt: "{AARHUS}"', f"    {key}: [{guid}]")
        repo.write(f"{name}.yaml", text)
    assert cli("apply", "--auto-approve").code == 0
    api_env.sandbox.clock.set(datetime.now(UTC) + timedelta(days=1))
    return repo.root


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bands", "names"),
    [("B4", ("B4",)), ("[B8_B4]", ("[B8_B4]",)), ("B4,B8,[B8_B4]", ("B4", "B8", "[B8_B4]"))],
    ids=["one-band", "one-index", "two-bands-and-an-index"],
)
def test_one_band_or_one_index_downloads_for_every_kind_of_order(
    delivering: Path, cli: Cli, bands: str, names: tuple[str, ...]
) -> None:
    pulled = cli(
        "pull", "--auto-approve", "--bands", bands, "--resolution", "160", "--out", "out", "."
    )
    assert pulled.code == 0, pulled.out + pulled.err
    for order in ("aarhus-bay", "tiles", "minis"):
        files = sorted((delivering / "out" / order).rglob("*.tif"))
        assert files, f"{order}: nothing downloaded"
        with rasterio.open(files[0]) as ds:
            assert ds.count == len(names) and ds.descriptions == names, order
            indexed = any(n.startswith("[") for n in names)
            assert set(ds.dtypes) == ({"float32"} if indexed else {"int16"}), order
            for number, name in enumerate(names, start=1):
                values = ds.read(number)
                kept = values[values != ds.nodata]
                assert kept.size, f"{order} {name}: no data"
                if name.startswith("["):
                    assert (kept >= -1).all() and (kept <= 1).all(), f"{order}: {name}"
                    assert np.unique(kept).size > 1, f"{order}: {name} is flat"


def test_a_failure_on_the_services_side_says_what_it_answered_and_where(
    delivering: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.sandbox import imagery

    def broken(*args: object, **kwargs: object) -> bytes:
        raise imagery.NotProduced("The image could not be produced (ValueError).")

    monkeypatch.setattr(imagery, "geotiff", broken)
    pulled = cli("pull", "--auto-approve", "--bands", "B4", "--out", "out", ".")
    assert pulled.code == 1
    failed = [x for x in pulled.err.splitlines() if x.startswith("failed:")]
    assert failed and "Malformed request" not in pulled.err
    assert "POST /api/satelliteimages/process/" in failed[0] and "HTTP 500" in failed[0]
    assert "could not be produced" in failed[0]
