"""Pricing a plan: one estimate per new order; savings from a live estimate of the old order,
lowered (never raised) by the state's record."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import date

import httpx
import pytest

from reconciler.api import ClearskyClient
from reconciler.domain.order import OrderSpec
from reconciler.engine.pricing import estimate_cost, price
from reconciler.errors import ServerError
from reconciler.planning import Change, Cost, StateEntry, decide, with_money
from reconciler.planning.money import cycle_months
from tests.conftest import TODAY, desired, in_process_client, live, spec


def priced_with(changes: list[Change], client: ClearskyClient) -> list[Change]:
    """The changes priced by `client`, with their months (as a plan made on TODAY)."""
    found, _ = asyncio.run(price(changes, client))
    return [with_money(c, TODAY, 12) for c in found]


def live_estimate(order: OrderSpec) -> Cost:
    async def go() -> Cost:
        async with in_process_client() as api:
            return await estimate_cost(api, order)

    return asyncio.run(go())


@pytest.mark.parametrize("recorded_monthly", [1.0, 1e6])
def test_a_saving_counts_from_the_lower_of_the_record_and_a_live_estimate(
    recorded_monthly: float,
) -> None:
    recorded = Cost(recorded_monthly / 10, recorded_monthly)
    changes = decide(
        [desired("a", spec(frequency=2))],
        [live("g1")],
        {"a": StateEntry("g1", cost=recorded)},
        TODAY,
    )
    api = in_process_client()
    priced = priced_with(changes, api)
    assert api.requests_sent == 2  # the new order, and the old one live
    fresh = live_estimate(spec())
    old = priced[0].old_order_cost
    assert old is not None and old.next_month == min(recorded_monthly, fresh.next_month)
    assert old == (recorded if recorded_monthly < fresh.next_month else fresh)
    new = priced[0].new_order_cost
    assert new is not None and priced[0].live is not None
    assert priced[0].desired is not None
    january = next(m for m in priced[0].months if m.month == date(2027, 1, 1))
    saved = cycle_months(priced[0].live, old, [january.month])[0].cost
    bought = cycle_months(priced[0].desired, new, [january.month])[0].cost
    assert january.cost == round(bought - saved, 2) and saved > 0


def test_without_a_recorded_estimate_the_old_spec_is_estimated() -> None:
    changes = decide(
        [desired("a", spec(frequency=2))], [live("g1")], {"a": StateEntry("g1")}, TODAY
    )
    api = in_process_client()
    priced_with(changes, api)
    assert api.requests_sent == 2


def test_a_spec_the_service_rejects_is_an_error_on_its_change() -> None:
    ended = spec(end=date(2020, 1, 31))
    changes = decide(
        [desired("a", ended)],
        [live("g1", spec(frequency=7, end=date(2020, 1, 31)), status="Review")],
        {"a": StateEntry("g1")},
        TODAY,
    )
    priced = priced_with(changes, in_process_client())
    assert priced[0].error is not None and "the service rejects this order" in priced[0].error


def test_rerecording_an_order_reuses_its_recorded_estimate() -> None:
    recorded = Cost(5.0, 50.0)
    changes = decide(
        [replace(desired("a"), labels={"team": "agri"})],
        [live("g1")],
        {"a": StateEntry("g1", cost=recorded)},
        TODAY,
    )
    api = in_process_client()
    priced = priced_with(changes, api)
    assert [c.action.value for c in priced] == ["adopt"]
    assert api.requests_sent == 0 and priced[0].recorded_cost == recorded


def test_adopting_an_unknown_order_prices_it_for_the_state() -> None:
    changes = decide([desired("a")], [live("g1")], {}, TODAY)
    api = in_process_client()
    priced = priced_with(changes, api)
    assert api.requests_sent == 1 and priced[0].new_order_cost is not None
    assert priced[0].bill_change is None  # adopting changes no bill


def test_a_priceless_estimate_and_a_refused_geometry_are_errors_while_the_rest_is_priced() -> None:
    def answer(request: httpx.Request) -> httpx.Response | None:
        if not request.url.path.endswith("/estimate"):
            return None
        frequency = json.loads(request.content)["ImageFrequency"]
        if frequency == 5:  # an answer with no cost this client knows
            return httpx.Response(200, json={"Data": {"AreaKm2": 3.0}, "Succeeded": True})
        if frequency == 6:  # refused by the framework, in its problem form
            problem = {"title": "One or more validation errors occurred.", "status": 400}
            errors = {"Wkt": ["The geometry is not a valid GEOMETRYCOLLECTION."]}
            return httpx.Response(400, json={**problem, "errors": errors, "traceId": "00-1"})
        return None

    wanted = [desired(n, spec(frequency=f)) for n, f in (("ok", 3), ("priceless", 5), ("bad", 6))]
    changes = decide(wanted, [], {}, TODAY)
    priced = {c.name: c for c in priced_with(changes, in_process_client(answer=answer))}
    ok = priced["ok"].bill_change
    assert priced["ok"].error is None and ok is not None and ok.current_month > 0
    assert priced["priceless"].error == "the service returned no price for this order"
    assert priced["priceless"].bill_change is None
    bad = priced["bad"].error or ""
    assert "rejects this order" in bad and "Wkt: The geometry is not a valid" in bad


def test_an_outage_while_pricing_stops_the_plan() -> None:
    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/estimate"):
            return httpx.Response(503, headers={"Retry-After": "0"})
        return None

    changes = decide([desired("a")], [], {}, TODAY)
    with pytest.raises(ServerError):
        asyncio.run(price(changes, in_process_client(answer=answer)))
