"""Every delivery setting the vendor documents reaches the download and its estimate: Nimbus's
processing level (under the docs' and the official client's names), and a dry run that always
lists what it would fetch before saying which budget it would break."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
import pytest

from tests.conftest import CONFIG, KEY_A, Repo, Result, Service, manifest, running
from tests.e2e.conftest import SMALL, credits_used

Cli = Callable[..., Result]
pytestmark = pytest.mark.slow


def test_dry_run_over_the_budget_lists_every_file_then_the_budget_it_breaks(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    _, dates = small
    repo.write("clearsky.yaml", CONFIG + "policy:\n  maxProcessingCredits: 0.001\n")
    looked = cli("pull", "--dry-run")
    assert looked.code == 1
    for day in dates:
        assert f"field/{day.isoformat()}.tif" in looked.out
    assert f"Pull: {len(dates)} file(s) for 1 order(s)" in looked.out
    assert "policy.maxProcessingCredits" in looked.err and credits_used(api_env) == 0


def test_a_nimbus_order_takes_its_processing_level_and_others_are_told(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    repo.remove("coast/skagen.yaml")
    repo.write(
        "aarhus-bay.yaml",
        manifest(
            "aarhus-bay",
            SMALL,
            model="Nimbus",
            constellations="[Sentinel2]",
            extra="delivery:\n  processingLevel: L1C\n  resolution: 160\n",
        ),
    )
    guid = running(api_env, SMALL, frequency=7)
    account = api_env.sandbox.store.account(KEY_A)
    assert account is not None
    order = next(o for o in api_env.sandbox.store.orders(account[0]) if o.guid == guid)
    api_env.sandbox.store.update(order, model="Nimbus", constellations=["Sentinel2"])
    assert cli("import", "aarhus-bay", guid).code == 0
    pulled = cli("pull", "--auto-approve")
    assert pulled.code == 0, pulled.out + pulled.err
    assert list((repo.root / "imagery" / "aarhus-bay").glob("*.tif"))

    repo.write("field.yaml", manifest("field", SMALL.replace("10.00", "10.01"), frequency=5))
    other = running(api_env, SMALL.replace("10.00", "10.01"), frequency=5)
    assert cli("import", "field", other).code == 0
    told = cli("pull", "--dry-run", "--target", "field", "--processing-level", "L2A")
    assert told.code == 1 and "processingLevel is for Nimbus orders only" in told.err


@pytest.mark.parametrize("field", ["ProcessingLevel", "Level"])
def test_the_sandbox_refuses_a_level_the_service_does_not_make(
    api_env: Service, field: str
) -> None:
    body = {
        "Wkt": SMALL,
        "Date": "2026-11-01T00:00:00Z",
        "Model": "Nimbus",
        "SatelliteConstellations": ["Sentinel2"],
        field: "L3",
    }
    answer = httpx.post(
        f"{api_env.url}/api/satelliteimages/process/composite",
        json=body,
        headers={"x-api-key": KEY_A},
    )
    assert answer.status_code == 400 and "L1C or L2A" in answer.text
    stratus = httpx.post(
        f"{api_env.url}/api/satelliteimages/process/composite",
        json={**body, "Model": "Stratus2", field: "L2A"},
        headers={"x-api-key": KEY_A},
    )
    assert stratus.status_code == 400 and "Nimbus only" in stratus.text


def test_tile_requests_and_their_estimates_carry_every_setting() -> None:
    from reconciler.api.imagery import CompositeOptions, Source, download_body, estimate_body

    options = CompositeOptions(
        resolution=40,
        bands="B4,B8",
        data_type="UINT8",
        utm_selection="single_utm",
        allow_partial=False,
        processing_level="L2A",
    )
    tile = Source(mini_tile="c1ea5c7b-0000-7f78-000a-007900000000")
    body = download_body(tile, date(2026, 11, 1), "Nimbus", ["Sentinel2"], options)
    estimate = estimate_body(tile, options)
    for sent in (body, estimate):
        assert sent["Resolution"] == 40 and sent["Bandnames"] == "B4,B8"
        assert sent["DataType"] == "UINT8" and sent["UtmDataSelectionMode"] == "single_utm"
        assert sent["AllowPartialImage"] is False and sent["EpsgProjection"] == 47000
    assert body["ProcessingLevel"] == body["Level"] == "L2A"
    assert "ProcessingLevel" not in download_body(
        tile, date(2026, 11, 1), "Nimbus", ["Sentinel2"], CompositeOptions()
    )
