"""Every answer shape the client must read, from hand-written fixtures in tests/data; each
fixture names its source in `_source` (the endpoint page, the current docs, the official
client). These do not depend on how the sandbox reads the docs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any

import httpx
import pytest

from reconciler.api import ClearskyClient, OrderRequest, order_request
from reconciler.errors import NoPriceError, ValidationFailedError
from tests.conftest import DATA, PAGE_WKT, spec


def answering(name: str, status: int = 200) -> ClearskyClient:
    """A client whose every request gets the fixture `name`."""
    body = json.loads((DATA / name).read_text(encoding="utf-8"))
    assert body.pop("_source"), f"{name} must name its source"
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json=body))
    return ClearskyClient(api_key="k", base_url="https://api.clearsky.vision", transport=transport)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def an_order() -> OrderRequest:
    return order_request(spec())


def test_every_fixture_names_its_source() -> None:
    for path in sorted(DATA.glob("*.json")):
        source = json.loads(path.read_text(encoding="utf-8")).get("_source")
        assert isinstance(source, str) and len(source) > 20, path.name


def test_page_list_of_orders() -> None:
    listed = run(answering("page-list-orders.json").list_orders())
    assert listed[0].task_order_guid == "c3528462-02fc-4301-bb37-8d226b45f149"
    assert listed[0].to is None and listed[0].task_order_area_km2 == 525.3
    assert listed[0].ordering_process_status == "Initialize"


def test_page_estimate() -> None:
    estimate = run(answering("page-estimate.json").estimate_order(an_order()))
    assert (estimate.this_month, estimate.next_month, estimate.currency) == (
        1009.98,
        609.98,
        "EUR",
    )
    assert estimate.area_km2_before_minimum1_km2_per_aoi == 930.65


@pytest.mark.parametrize(
    ("name", "now", "monthly"),
    [
        ("docs-estimate-totalcost.json", 42.5, 80.25),
        ("docs-estimate-totalcosteuro.json", 1009.98, 609.98),
    ],
)
def test_current_estimate_totals(name: str, now: float, monthly: float) -> None:
    estimate = run(answering(name).estimate_order(an_order()))
    assert (estimate.this_month, estimate.next_month, estimate.currency) == (now, monthly, "EUR")


def test_an_estimate_without_a_price_is_an_error_never_zero() -> None:
    with pytest.raises(NoPriceError, match="the service returned no price for this order"):
        run(answering("docs-estimate-without-price.json").estimate_order(an_order()))


def test_page_tile_search() -> None:
    tiles = run(answering("page-search-tiles.json").search_tiles(wkt=PAGE_WKT))
    assert tiles.tiles[0].tile_guid == "tile-guid-1" and tiles.tiles[0].epsg == 32633
    assert tiles.mini_tiles == ["minitile-guid-1", "minitile-guid-2"]


def test_current_tile_search_lists_minitiles_in_tiles_and_epsg_as_text() -> None:
    tiles = run(answering("client-search-tiles.json").search_tiles(wkt=PAGE_WKT))
    assert [t.tile_guid for t in tiles.tiles] == ["c1ea5c7a-0000-7f78-000b-007700000000"]
    assert tiles.tiles[0].epsg == 32632
    assert tiles.mini_tiles == ["m1ea5c7a-0000-7f78-000b-007700000001"]


def test_models_with_optional_constellations() -> None:
    models = {m.model: m for m in run(answering("client-models.json").list_models())}
    assert models["Stratus2Fast"].required == ["Sentinel1", "Sentinel2"]
    assert models["Stratus2Fast"].optional == ["Landsat89"]
    assert models["Nimbus"].required == ["Sentinel2"] and models["Nimbus"].optional == ["Sentinel3"]


def test_account_info_names_the_tenant() -> None:
    info = run(answering("docs-account-info.json").account_info())
    assert info.tenant_id == "5f1c2e7a-2b1d-4c55-9d7e-1a2b3c4d5e6f"
    assert info.max_concurrent_connections == 4


def test_older_key_info_has_no_tenant_and_its_key_is_not_kept() -> None:
    info = run(answering("client-apikey-info.json").account_info())
    assert info.tenant_id is None and info.max_concurrent_connections == 2
    assert "do-not-keep-this" not in repr(info) + str(info.model_dump())


def test_problem_details_become_field_messages() -> None:
    with pytest.raises(ValidationFailedError) as caught:
        run(answering("docs-problem-details.json", 400).estimate_order(an_order()))
    assert caught.value.fields == {"Wkt": ["The geometry is not a valid GEOMETRYCOLLECTION."]}
    assert "Wkt: The geometry is not a valid GEOMETRYCOLLECTION." in caught.value.message


def test_a_992_field_map_becomes_field_messages() -> None:
    with pytest.raises(ValidationFailedError) as caught:
        run(answering("page-validation-error.json", 400).estimate_order(an_order()))
    assert caught.value.code == 992
    assert caught.value.fields == {"ImageFrequency": ["ImageFrequency must be between 1 and 7."]}


def test_page_available_dates_and_availability() -> None:
    dates = run(
        answering("page-available-dates.json").available_dates(
            wkt=PAGE_WKT, start="2024-05-01", until="2024-06-01"
        )
    )
    assert len(dates.model_image_dates[0].dates_by_geog[0].dates) == 3
    check = run(
        answering("page-availability.json").check_availability(
            wkt=PAGE_WKT, day="2024-08-24", constellations=["Sentinel1"], model="Stratus2"
        )
    )
    assert check.fully_available and not check.orders_cover_polygon


@pytest.mark.parametrize(
    "figure",
    ["NaN", "Infinity", "-Infinity", 1e308, -500, 1e10],
    ids=["nan", "inf", "-inf", "1e308", "negative", "above-ceiling"],
)
def test_an_estimate_figure_that_is_not_a_price_is_an_error(figure: object) -> None:
    body = json.loads((DATA / "docs-estimate-totalcosteuro.json").read_text(encoding="utf-8"))
    body.pop("_source")
    body["Data"]["RecurringCostsEstimate"]["TotalCostEuro"] = figure
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    client = ClearskyClient(
        api_key="k", base_url="https://api.clearsky.vision", transport=transport
    )
    with pytest.raises(NoPriceError, match="which is not a price"):
        run(client.estimate_order(an_order()))
