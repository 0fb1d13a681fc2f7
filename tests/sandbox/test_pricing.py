"""The sandbox prices like the vendor's pages: model rates, account-wide tiers, optional inputs,
tiles and minitiles, and an estimate whose figures and image dates describe one month."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest

from reconciler.api import OrderRequest
from reconciler.sandbox import Clock, Sandbox
from reconciler.sandbox.pricing import NIMBUS_TIERS, Product, order_cost, tier_cost, tiers_of
from tests.conftest import AARHUS, in_process_client, page_request

TODAY = datetime(2025, 4, 10, 8, 0, tzinfo=UTC)


def request(**changes: Any) -> OrderRequest:
    return page_request(**{"From": "2025-04-01", **changes})


@pytest.fixture
def sandbox() -> Sandbox:
    sb = Sandbox(clock=Clock(TODAY))
    sb.add_account("k")
    return sb


def estimate(sandbox: Sandbox, **changes: Any) -> Any:
    return asyncio.run(in_process_client(sandbox).estimate_order(request(**changes)))


def test_spend_tiers_walk_from_what_the_account_has_spent() -> None:
    assert tier_cost(5_000) == pytest.approx(1_000)  # 5,000 km2 at 0.20
    assert tier_cost(45_000) == pytest.approx(3_000)  # then 40,000 at 0.05
    assert tier_cost(1_000, spent=1_000) == pytest.approx(50)  # all in the second tier
    assert tier_cost(1_000, spent=990) == pytest.approx(10 + 950 * 0.05)


def test_models_have_their_own_rates_and_tiers() -> None:
    assert tiers_of("Stratus2")[0] == 0.20 and tiers_of("Stratus3")[0] == 0.20
    assert tiers_of("Stratus2Fast")[0] == pytest.approx(0.18)
    assert tiers_of("nimbus") == NIMBUS_TIERS
    assert tier_cost(10_000, tiers=NIMBUS_TIERS) == pytest.approx(1_000)


def test_optional_inputs_add_their_rate_and_tiles_cost_less() -> None:
    plain = order_cost(Product("Stratus2Fast", (), 100), 10, 0)
    with_landsat = order_cost(Product("Stratus2Fast", ("Landsat89",), 100), 10, 0)
    assert plain == pytest.approx(1_000 * 0.18)
    assert with_landsat == pytest.approx(plain + 1_000 * 0.02)
    assert order_cost(Product("Stratus2", (), 100, 0.2), 10, 0) == pytest.approx(40)
    assert order_cost(Product("Stratus2", (), 100, 0.5), 10, 0) == pytest.approx(100)


def test_a_future_orders_estimate_describes_its_first_month(sandbox: Sandbox) -> None:
    later = estimate(sandbox, From="2025-08-01", To="2026-01-31")
    assert later.image_dates and {d.month for d in later.image_dates} == {8}
    assert later.this_month > 0 and later.next_month > 0
    now = estimate(sandbox)
    assert min(now.image_dates) >= TODAY.date() and {d.month for d in now.image_dates} == {4}


def test_tiers_are_per_account_so_orders_together_cost_less(sandbox: Sandbox) -> None:
    alone = estimate(sandbox, From="2025-05-01").this_month
    simulated = estimate(sandbox, From="2025-05-01", SimulatedEuroUsage=alone).this_month
    assert simulated < alone
    asyncio.run(in_process_client(sandbox).create_order(request(From="2025-05-01")))
    after = estimate(sandbox, From="2025-05-01").this_month
    assert after == pytest.approx(simulated, rel=0.01)


def test_a_tile_order_costs_a_fifth_of_the_polygon_price_per_km2(sandbox: Sandbox) -> None:
    client = in_process_client(sandbox)
    tile = asyncio.run(client.search_tiles(wkt=AARHUS)).tiles[0].tile_guid
    tiles = estimate(sandbox, Wkt=None, TileGuids=[tile], From="2025-05-01")
    per_km2 = tiles.this_month / tiles.area_km2
    polygon = estimate(sandbox, Wkt=AARHUS, From="2025-05-01")
    assert per_km2 < 0.25 * polygon.this_month / polygon.area_km2


def test_page_example_area_is_exact(sandbox: Sandbox) -> None:
    found = estimate(sandbox)
    assert (found.area_km2, found.area_km2_before_minimum1_km2_per_aoi) == (931.61, 930.65)
    assert found.cancellation_date == date(2025, 4, 30)
