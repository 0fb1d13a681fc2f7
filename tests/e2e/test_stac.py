"""The STAC catalog pull keeps beside the files: every GeoTIFF has exactly one item whose
checksum, footprint and projection match the file (read back with pystac and rasterio), the
whole catalog validates against the STAC schemas (offline), and it follows the files through
resumed, repeated and partial pulls."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import rasterio
from rasterio.warp import transform_bounds

from tests.conftest import (
    AARHUS,
    Bucket,
    Repo,
    Result,
    Service,
    aarhus_tiles,
    manifest,
    running,
)
from tests.e2e.conftest import upload_config
from tests.stac_check import validate_catalog

Cli = Callable[..., Result]
pytestmark = pytest.mark.slow


def _items(out: Path) -> dict[Path, dict[str, Any]]:
    """Each GeoTIFF under `out`, by path, with the one item whose asset is that file."""
    catalog = validate_catalog(out / "catalog.json")
    found: dict[Path, dict[str, Any]] = {}
    for item in catalog.get_items(recursive=True):
        asset = item.assets["data"]
        file = Path(asset.get_absolute_href() or "").resolve()
        assert file not in found, f"two items for {file}"
        found[file] = item.to_dict()
        with rasterio.open(file) as ds:
            west, south, east, north = transform_bounds(ds.crs, "EPSG:4326", *ds.bounds)
            bbox = item.bbox or []
            assert bbox[0] <= west and bbox[1] <= south and bbox[2] >= east and bbox[3] >= north
            assert item.properties["proj:code"] == f"EPSG:{ds.crs.to_epsg()}"
            assert item.properties["proj:shape"] == [ds.height, ds.width]
            assert item.properties["proj:transform"] == pytest.approx(list(ds.transform)[:6])
            bands = asset.extra_fields["raster:bands"]
            assert [b["data_type"] for b in bands] == list(ds.dtypes)
            assert {b["nodata"] for b in bands} == {ds.nodata}
            assert [b["name"] for b in asset.extra_fields["bands"]] == list(ds.descriptions)
            assert bands[0]["spatial_resolution"] == pytest.approx(ds.res[0])
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        assert asset.extra_fields["file:checksum"] == "1220" + digest
        assert asset.extra_fields["file:size"] == file.stat().st_size
        assert asset.media_type == "image/tiff; application=geotiff"
    tiffs = {p.resolve() for p in out.rglob("*.tif")}
    assert set(found) == tiffs, "every GeoTIFF has exactly one item"
    return found


def test_pull_writes_a_catalog_with_one_valid_item_per_file(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    guid, dates = small
    pulled = cli("pull", "--auto-approve")
    assert pulled.code == 0, pulled.out + pulled.err
    out = repo.root / "imagery"
    assert f"STAC catalog: {len(dates)} item(s) in imagery/catalog.json" in pulled.out
    items = _items(out)
    assert len(items) == len(dates)
    collection = json.loads((out / "stac" / "field" / "collection.json").read_text())
    assert collection["clearsky:order_guid"] == guid
    assert collection["clearsky:model"] == "Stratus2"
    assert collection["extent"]["temporal"]["interval"][0][1] is None  # recurring
    west, south, east, north = collection["extent"]["spatial"]["bbox"][0]
    assert west <= 10.0 and south <= 56.30 and east >= 10.06 and north >= 56.34
    assert {i["properties"]["datetime"][:10] for i in items.values()} == {
        d.isoformat() for d in dates
    }


def test_the_catalog_follows_the_files_through_removal_and_a_resumed_pull(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    _, dates = small
    assert cli("pull", "--auto-approve").code == 0
    out = repo.root / "imagery"
    first = out / "field" / f"{dates[0].isoformat()}.tif"
    first.unlink()
    (out / "catalog.json").unlink()  # a catalog lost as well: written again whole
    assert cli("pull", "--auto-approve").code == 0  # the removed file comes back
    assert len(_items(out)) == len(dates)

    kept = out / "field" / f"{dates[-1].isoformat()}.tif"
    kept.unlink()
    assert cli("pull", "--no-stac", "--auto-approve").code == 0  # fetched, catalog untouched
    assert cli("pull", "--auto-approve").code == 0  # nothing to fetch: the catalog follows
    assert len(_items(out)) == len(dates)

    item = out / "stac" / "field" / f"field_{dates[1].isoformat()}.json"
    assert item.exists()
    (out / "field" / f"{dates[1].isoformat()}.tif").unlink()
    (out / ".clearsky-pull.json").unlink()  # the index gone too: the file is no longer ours
    assert cli("pull", "--no-stac", "--dry-run").code == 0
    assert item.exists(), "a dry run writes nothing"
    config = (repo.root / "clearsky.yaml").read_text()
    repo.write("clearsky.yaml", config + "delivery:\n  stac: false\n")
    assert cli("pull", "--auto-approve", "--since", dates[1].isoformat()).code == 0
    assert item.exists(), "delivery.stac: false leaves the catalog alone"


def test_tile_orders_get_an_item_per_tile_and_date_in_their_own_utm_zone(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    repo.remove("coast/skagen.yaml")
    _, minis = aarhus_tiles(api_env)
    repo.write(
        "aarhus-bay.yaml",
        manifest("aarhus-bay").replace(
            f'wkt: "{AARHUS}"', "miniTiles: [" + ", ".join(minis[:2]) + "]"
        ),
    )
    guid = running(api_env, None, frequency=7, mini_tiles=minis[:2])
    assert cli("import", "aarhus-bay", guid).code == 0
    fine = cli("pull", "--dry-run", "--format", "json", "--bands", "B4,B8")
    coarse = cli("pull", "--dry-run", "--format", "json", "--bands", "B4,B8", "--resolution", "40")
    assert json.loads(coarse.out)["credits"] < json.loads(fine.out)["credits"]  # asked alike
    pulled = cli("pull", "--auto-approve", "--bands", "B4,B8", "--resolution", "40")
    assert pulled.code == 0, pulled.out + pulled.err
    items = _items(repo.root / "imagery")
    assert items and len(items) % 2 == 0
    for file in items:
        with rasterio.open(file) as ds:
            assert ds.res == (40.0, 40.0) and (ds.width, ds.height) == (80, 80)


def _copy_down(bucket: Bucket, prefix: str, into: Path) -> None:
    import boto3

    s3 = boto3.client("s3", endpoint_url=bucket.endpoint)
    for key in bucket.objects():
        if key.startswith(prefix):
            target = into / key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=bucket.name, Key=key)["Body"].read())


def test_uploads_get_their_catalog_in_the_bucket_pointing_at_the_objects(
    api_env: Service,
    repo: Repo,
    cli: Cli,
    small: tuple[str, list[date]],
    bucket: Bucket,
    tmp_path: Path,
) -> None:
    _, dates = small
    repo.write("clearsky.yaml", upload_config(bucket))
    sent = cli("pull", "--auto-approve", "--since", dates[-3].isoformat())
    assert sent.code == 0, sent.out + sent.err
    assert f"STAC catalog: 3 item(s) in s3://{bucket.name}/imagery/catalog.json" in sent.out
    assert "imagery/catalog.json" in bucket.objects()
    assert not (repo.root / "imagery" / "catalog.json").exists()  # nothing downloaded here
    copy = tmp_path / "copy"
    _copy_down(bucket, "imagery/", copy)
    assert len(_items(copy / "imagery")) == 3  # hrefs lead to the uploaded objects

    import boto3

    gone = f"imagery/field/{dates[-1].isoformat()}.tif"
    boto3.client("s3", endpoint_url=bucket.endpoint).delete_object(Bucket=bucket.name, Key=gone)
    again = cli("pull", "--auto-approve", "--until", dates[-2].isoformat())
    assert again.code == 0, again.out + again.err
    assert f"field_{dates[-1].isoformat()}.json" not in " ".join(bucket.objects())
    fresh = tmp_path / "fresh"
    _copy_down(bucket, "imagery/", fresh)
    assert len(_items(fresh / "imagery")) == 2


def test_the_catalog_is_never_written_through_a_planted_symlink(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]], tmp_path: Path
) -> None:
    _, dates = small
    out = repo.root / "imagery"
    assert cli("pull", "--auto-approve", "--since", dates[-1].isoformat()).code == 0
    elsewhere = tmp_path / "elsewhere"
    (out / "stac").rename(elsewhere)  # the catalog's folder swapped for a link to elsewhere
    (out / "stac").symlink_to(elsewhere, target_is_directory=True)
    collection = elsewhere / "field" / "collection.json"
    before = collection.stat().st_ino
    pulled = cli("pull", "--auto-approve")
    assert pulled.code == 0, pulled.out + pulled.err  # the files arrive
    assert "no STAC" in pulled.err and "symlink" in pulled.err and "Traceback" not in pulled.err
    assert collection.stat().st_ino == before, "nothing written through the link"
    assert sorted(p.name for p in (elsewhere / "field").iterdir()) == sorted(
        ["collection.json", f"field_{dates[-1].isoformat()}.json"]
    )


def test_a_bucket_that_cannot_hold_the_catalog_is_one_warning(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]], bucket: Bucket
) -> None:
    _, dates = small
    gone = Bucket(bucket.endpoint, f"{bucket.name}-never-made")
    repo.write("clearsky.yaml", upload_config(gone))
    pulled = cli("pull", "--auto-approve", "--since", dates[-1].isoformat())
    assert pulled.code == 1  # the upload itself failed: said, as any failed date
    assert "the STAC catalog was not kept" in pulled.err and "Traceback" not in pulled.err


def test_a_catalog_folder_that_cannot_be_written_is_one_warning(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    _, dates = small
    assert cli("pull", "--auto-approve", "--since", dates[-1].isoformat()).code == 0
    (repo.root / "imagery" / "catalog.json").unlink()
    (repo.root / "imagery" / "catalog.json").mkdir()  # where the catalog goes: a folder
    pulled = cli("pull", "--auto-approve")
    assert pulled.code == 0, pulled.out + pulled.err  # the files arrive all the same
    assert "the STAC catalog was not kept" in pulled.err and "Traceback" not in pulled.err
