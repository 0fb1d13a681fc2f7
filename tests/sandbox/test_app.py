"""The sandbox behaves like the service: lifecycle, cancel rules, prices, tiles, auth."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from reconciler.api import ClearskyClient, OrderRequest
from reconciler.domain.calendar import image_dates
from reconciler.errors import ValidationFailedError
from reconciler.sandbox import Clock, Dialect, Sandbox, serve_in_thread
from tests.conftest import PAGE_WKT, Service, in_process_client, page_request

START = datetime(2025, 4, 1, 8, 0, tzinfo=UTC)


def request(**changes: Any) -> OrderRequest:
    return page_request(**{"From": "2025-04-01", **changes})


@pytest.fixture
def sandbox() -> Sandbox:
    sb = Sandbox(clock=Clock(START))
    sb.add_account("k")
    return sb


def api(sandbox: Sandbox) -> ClearskyClient:
    return in_process_client(sandbox)


def statuses(sandbox: Sandbox) -> list[str]:
    orders = asyncio.run(api(sandbox).list_orders(get_expired=True))
    return [o.ordering_process_status for o in orders]


def test_page_example_is_priced_from_the_public_list(sandbox: Sandbox) -> None:
    estimate = asyncio.run(api(sandbox).estimate_order(request()))
    assert (estimate.area_km2, estimate.area_km2_before_minimum1_km2_per_aoi) == (931.61, 930.65)
    # 10 image dates from 1 April: 9,316.1 km2-images; 5,000 at 0.20, the rest at 0.05.
    assert estimate.image_dates == image_dates(
        date(2025, 1, 1), 3, date(2025, 4, 1), date(2025, 4, 30)
    )
    assert estimate.this_month == pytest.approx(1000 + (9316.1 - 5000) * 0.05, abs=0.006)
    assert estimate.cancellation_date == date(2025, 4, 30)
    assert estimate.currency == "EUR"


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (
            Dialect.CURRENT,
            ["Review", "Initialize", "Preparing", "AwaitingSatelliteProducts", "Processing"],
        ),
        (Dialect.PAGE, ["Review", "Initialize", "Initialize", "Working", "Working"]),
    ],
)
def test_lifecycle_follows_the_clock(
    sandbox: Sandbox, dialect: Dialect, expected: list[str]
) -> None:
    sandbox.dialect = dialect
    asyncio.run(api(sandbox).create_order(request()))
    seen = [statuses(sandbox)[0]]
    for step in (timedelta(minutes=31), timedelta(minutes=30), timedelta(hours=1)):
        sandbox.clock.advance(step)
        seen.append(statuses(sandbox)[0])
    sandbox.clock.advance(timedelta(hours=1))
    seen.append(statuses(sandbox)[0])
    assert seen == expected
    sandbox.clock.advance(timedelta(hours=2))
    assert statuses(sandbox) == ["UpToDate" if dialect == Dialect.CURRENT else "Ongoing"]


def test_bounded_order_completes_and_leaves_the_default_list(sandbox: Sandbox) -> None:
    asyncio.run(api(sandbox).create_order(request(To="2025-04-30")))
    sandbox.clock.set(datetime(2025, 5, 1, 0, 1, tzinfo=UTC))
    assert statuses(sandbox) == ["Completed"]
    assert asyncio.run(api(sandbox).list_orders()) == []


def test_cancel_in_review_is_full(sandbox: Sandbox) -> None:
    client = api(sandbox)

    async def go() -> None:
        created = await client.create_order(request())
        await client.cancel_order(created.task_order_guid)

    asyncio.run(go())
    assert statuses(sandbox) == ["Canceled"]


def test_accepted_recurring_order_stops_at_month_end(sandbox: Sandbox) -> None:
    client = api(sandbox)
    created = asyncio.run(client.create_order(request()))
    sandbox.clock.advance(timedelta(hours=5))
    asyncio.run(client.cancel_order(created.task_order_guid))
    order = asyncio.run(client.list_orders())[0]
    assert (order.ordering_process_status, order.to) == ("Processing", date(2025, 4, 30))
    sandbox.clock.set(datetime(2025, 5, 1, 0, 1, tzinfo=UTC))
    assert statuses(sandbox) == ["Completed"]


def test_accepted_bounded_order_cannot_be_canceled(sandbox: Sandbox) -> None:
    client = api(sandbox)
    created = asyncio.run(client.create_order(request(To="2025-09-30")))
    sandbox.clock.advance(timedelta(hours=1))
    with pytest.raises(ValidationFailedError, match="Only recurring orders"):
        asyncio.run(client.cancel_order(created.task_order_guid))


def test_orders_are_stored_rewritten_as_the_page_shows(sandbox: Sandbox) -> None:
    sent = (
        "POLYGON((9.8778932067 56.4785666824, 10.1964967224 56.4785666824, "
        "10.1964967224 56.2778208778, 9.8778932067 56.4785666824))"
    )
    created = asyncio.run(api(sandbox).create_order(request(Wkt=sent)))
    assert created.wkt == (
        "GEOMETRYCOLLECTION (POLYGON ((9.877893 56.478567, 10.196497 "
        "56.478567, 10.196497 56.277821, 9.877893 56.478567)))"
    )


def test_tile_orders_and_unknown_tiles(sandbox: Sandbox) -> None:
    client = api(sandbox)
    tiles = asyncio.run(client.search_tiles(wkt=PAGE_WKT)).tiles
    tile_order = request(Wkt=None, TileGuids=[tiles[0].tile_guid])
    estimate = asyncio.run(client.estimate_order(tile_order))
    assert estimate.tiles == [tiles[0].tile_guid]
    assert 2_500 < (estimate.area_km2 or 0) < 2_700
    with pytest.raises(ValidationFailedError) as caught:
        asyncio.run(client.estimate_order(request(Wkt=None, TileGuids=["not-a-tile"])))
    assert "TileGuids" in caught.value.fields


def test_unknown_and_missing_keys_get_401(service: Service) -> None:
    for headers in ({}, {"x-api-key": "nope"}):
        response = httpx.get(f"{service.url}/api/tasking/orders", headers=headers)
        assert response.status_code == 401
        assert response.json()["Succeeded"] is False


def test_envelopes_are_pascal_for_orders_and_tiles_are_current_by_default(
    service: Service,
) -> None:
    headers = {"x-api-key": "test-key-account-a"}
    orders = httpx.get(f"{service.url}/api/tasking/orders", headers=headers).json()
    tiles = httpx.post(
        f"{service.url}/api/tasking/search/tiles", headers=headers, json={"wkt": PAGE_WKT}
    ).json()
    assert set(orders) == {"Data", "Succeeded", "Error"}
    assert set(tiles) == {"Data", "Succeeded", "Error"}
    first = tiles["Data"]["Tiles"][0]
    assert set(first) == {"Guid", "MiniTile", "Epsg", "DataGeogWkt"}
    assert isinstance(first["Epsg"], str) and first["MiniTile"] is False


def test_the_page_dialect_answers_tiles_in_camel_case() -> None:
    sandbox = Sandbox(dialect=Dialect.PAGE)
    sandbox.add_account("k")
    with serve_in_thread(sandbox.app()) as url:
        tiles = httpx.post(
            f"{url}/api/tasking/search/tiles", headers={"x-api-key": "k"}, json={"wkt": PAGE_WKT}
        ).json()
    assert set(tiles) == {"data", "succeeded", "error"}
    assert set(tiles["data"]["tiles"][0]) == {"tileGuid", "epsg", "dataGeogWkt"}


def test_available_dates_are_cadence_dates_of_accepted_orders(sandbox: Sandbox) -> None:
    client = api(sandbox)
    asyncio.run(client.create_order(request()))
    sandbox.clock.set(datetime(2025, 4, 10, 12, tzinfo=UTC))
    found = asyncio.run(
        client.available_dates(wkt=PAGE_WKT, start="2025-04-01", until="2025-05-01")
    )
    dates = found.model_image_dates[0].dates_by_geog[0].dates
    assert dates == [date(2025, 4, d) for d in (1, 4, 7, 10)]


def test_the_controls_need_the_admin_key_and_bodies_are_bounded(service: Service) -> None:
    account = {"x-api-key": "test-key-account-a"}
    for route in ("/_sandbox/faults", "/_sandbox/clock"):
        answer = httpx.post(f"{service.url}{route}", headers=account, json={"error_rate": 1})
        assert answer.status_code == 403 and answer.json()["Succeeded"] is False
    assert service.sandbox.faults.error_rate == 0
    huge = httpx.post(
        f"{service.url}/api/tasking/orders/estimate",
        headers={**account, "content-type": "application/json"},
        content=b" " * (17 * 1024 * 1024),
    )
    assert huge.status_code == 400 and huge.json()["Error"]["Code"] == 992


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 50_000 + b"]" * 50_000,
        b'{"ImageFrequency": ' + b"9" * 5000 + b"}",
        b'{"From": {"a": 1}, "ImageFrequency": "x", "SatelliteConstellations": 7}',
        b'{"Wkt": 42}',
    ],
)
def test_a_malformed_request_is_a_400_in_the_services_envelope(
    service: Service, body: bytes
) -> None:
    answer = httpx.post(
        f"{service.url}/api/tasking/orders/estimate",
        headers={"x-api-key": "test-key-account-a", "content-type": "application/json"},
        content=body,
    )
    assert answer.status_code == 400
    assert answer.json().get("Succeeded", answer.json().get("status")) in (False, 400)


def test_latency_is_the_round_trip_with_the_sandbox_s_own_work_inside_it(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three estimates at once, each holding the sandbox's one thread for 40 ms: every answer
    comes after the latency (200 ms) and none of them later for the others' work."""
    import time

    answer = sandbox.estimate

    async def busy(request: Any, account: Any) -> Any:
        time.sleep(0.04)  # blocks the loop, as the sandbox's own work does
        return await answer(request, account)

    monkeypatch.setattr(sandbox, "estimate", busy)
    sandbox.faults.update(latency_ms=200)
    client = api(sandbox)

    async def timed() -> float:
        started = time.perf_counter()
        await client.estimate_order(request(From="2026-01-01"))
        return time.perf_counter() - started

    async def three() -> list[float]:
        return list(await asyncio.gather(timed(), timed(), timed()))

    took = asyncio.run(three())
    assert min(took) >= 0.2 - 0.005, took  # the latency is never skipped
    assert max(took) < 0.26, took  # one after another after it, they would take 240 to 320 ms
