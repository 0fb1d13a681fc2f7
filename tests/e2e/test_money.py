"""Every euro on the page, end to end on the embedded sandbox: months ahead, totals, the
timeline, budgets per month, orders priced together, tile orders drawn."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from tests.conftest import AARHUS, PAGE_WKT, Repo, manifest, next_month
from tests.e2e.test_plan_apply import Cli


def months_ahead(count: int) -> date:
    day = next_month()
    for _ in range(count - 1):
        day = (day + timedelta(days=32)).replace(day=1)
    return day


def plan_json(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli("plan", "--sandbox", "--format", "json", *args)
    assert result.code in (0, 2), result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def only(repo: Repo, *texts: tuple[str, str]) -> None:
    repo.remove("aarhus-bay.yaml")
    repo.remove("coast/skagen.yaml")
    for name, text in texts:
        repo.write(f"{name}.yaml", text)


def test_a_bounded_order_four_months_out_is_charged_whole_at_apply(repo: Repo, cli: Cli) -> None:
    start = months_ahead(4)
    end = (start + timedelta(days=160)).replace(day=1) - timedelta(days=1)
    only(repo, ("later", manifest("later", end=end, start=start)))
    plan = plan_json(cli)
    change = plan["changes"][0]
    this_month = plan["summary"]["months"][0]["month"]
    assert [m["month"] for m in change["months"]] == [this_month]
    assert change["chargeAtApply"] == change["months"][0]["cost"] == change["totalCost"] > 0
    assert change["coverage"] == {"from": f"{start:%Y-%m}", "to": f"{end:%Y-%m}"}
    assert plan["summary"]["chargeAtApply"] == change["chargeAtApply"]
    timeline = plan["summary"]["months"]
    assert timeline[0]["change"] == change["chargeAtApply"]
    assert all(m["change"] == 0 for m in timeline[1:])
    text = cli("plan", "--sandbox").out
    assert f"(coverage {start:%Y-%m} to {end:%Y-%m})" in text
    assert text.splitlines()[1].startswith(f"Apply charges {change['chargeAtApply']:,.2f} EUR now")


def test_a_small_monthly_limit_fails_the_plan_naming_the_month(repo: Repo, cli: Cli) -> None:
    start = months_ahead(4)
    only(repo, ("later", manifest("later", start=start)))
    repo.write(
        "clearsky.yaml",
        "apiVersion: clearsky-orders/v1\nkind: Config\npolicy: {maxIncreaseMonthly: 5}\n",
    )
    refused = cli("plan", "--sandbox")
    assert refused.code == 1
    line = next(x for x in refused.out.splitlines() if "policy.maxIncreaseMonthly" in x)
    month = line.split(" EUR in ")[1][:7]
    assert month >= f"{start:%Y-%m}"


def test_two_large_orders_together_cost_less_than_each_alone(repo: Repo, cli: Cli) -> None:
    big_a, big_b = manifest("big-a", PAGE_WKT, frequency=1), manifest("big-b", AARHUS, frequency=1)
    only(repo, ("big-a", big_a))
    alone = plan_json(cli)["summary"]["chargeAtApply"]
    repo.remove("big-a.yaml")
    repo.write("big-b.yaml", big_b)
    alone += plan_json(cli)["summary"]["chargeAtApply"]
    repo.write("big-a.yaml", big_a)
    together = plan_json(cli)
    assert 0 < together["summary"]["chargeAtApply"] < alone
    assert any("priced together" in note for note in together["notes"])


def test_a_tile_order_has_an_area_and_a_map_feature(repo: Repo, cli: Cli) -> None:
    tile = "c1ea5c7a-0000-7f78-000b-007700000000"
    text = manifest("fyn-tiles").replace(f'    wkt: "{AARHUS}"', f"    tiles: [{tile}]")
    only(repo, ("fyn-tiles", text))
    change = plan_json(cli)["changes"][0]
    assert change["areaKm2"] and change["areaKm2"] > 1000
    assert change["desiredFootprint"].startswith("MULTIPOLYGON")
    comment = cli("plan", "--sandbox", "--format", "markdown").out
    block = comment.split("```geojson\n", 1)[1].split("\n```", 1)[0]
    titles = [f["properties"]["title"] for f in json.loads(block)["features"]]
    assert titles == ["create fyn-tiles"]
