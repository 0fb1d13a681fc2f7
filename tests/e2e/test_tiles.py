"""tiles: the cover of an area, and whether a tile order would be cheaper (the service's
optimiser and estimates, the sandbox served over HTTP)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from reconciler.domain.calendar import month_start
from tests.conftest import CONFIG, Repo, Result, Service, manifest

Cli = Callable[..., Result]
pytestmark = pytest.mark.slow


def test_find_lists_tiles_and_minitiles_as_text_json_and_geojson(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    shown = cli("tiles", "find", "aarhus-bay", ".")
    assert shown.code == 0, shown.err
    assert "tile    " in shown.out and "minitile" in shown.out and "EPSG:326" in shown.out
    rows = json.loads(cli("tiles", "find", "aarhus-bay", "--format", "json", ".").out)
    tiles = [r for r in rows if not r["miniTile"]]
    assert tiles and all(r["footprint"].startswith("POLYGON") for r in rows)
    mapped = json.loads(cli("tiles", "find", "aarhus-bay", "--format", "geojson", ".").out)
    assert mapped["type"] == "FeatureCollection" and len(mapped["features"]) == len(rows)
    minis = json.loads(cli("tiles", "minitiles", tiles[0]["guid"], "--format", "json").out)
    assert len(minis) == 256 and all(m["miniTile"] for m in minis)
    again = json.loads(cli("tiles", "show", tiles[0]["guid"], "--format", "json").out)
    assert [r["guid"] for r in again] == [tiles[0]["guid"]]
    wkt = cli("tiles", "find", "POLYGON((10 56, 10.01 56, 10.01 56.01, 10 56))", ".")
    assert wkt.code == 0 and "minitile" in wkt.out
    wrote = cli("tiles", "find", "skagen", "--write", "skagen-minitiles", ".")
    assert wrote.code == 0 and "wrote" in wrote.out
    assert cli("validate", ".").code == 0  # the written tile order is a valid manifest
    bad = cli("tiles", "find", "nowhere", ".")
    assert bad.code == 1 and "neither a manifest name" in bad.err


def test_suggest_prices_both_and_writes_a_tile_manifest_that_plans(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    said = cli("tiles", "suggest", "aarhus-bay", "--format", "json", ".")
    assert said.code == 0, said.err
    found = json.loads(said.out)
    assert found["tilesMonthly"] < found["polygonMonthly"] and found["savingShare"] > 0.2
    assert found["miniTiles"] or found["tiles"]
    written = cli("tiles", "suggest", "aarhus-bay", "--write", "aarhus-tiles", ".")
    assert written.code == 0 and "wrote" in written.out
    repo.remove("aarhus-bay.yaml")
    planned = cli("plan", "--format", "json", "--target", "aarhus-tiles", ".")  # priced alone
    assert planned.code == 0, planned.err
    tiled = next(c for c in json.loads(planned.out)["changes"] if c["name"] == "aarhus-tiles")
    assert tiled["action"] == "create" and tiled["desired"]["aoi"]["miniTiles"]
    # The suggestion's monthly figure is the estimate's recurring one: the first cycle after
    # the coverage apply charges for. The plan's first month carries that charge, and its
    # second month is that cycle, taken from the estimate as it is.
    first, second = tiled["months"][:2]
    assert second["derived"] is None and second["cost"] == pytest.approx(found["tilesMonthly"])
    assert tiled["chargeAtApply"] == first["cost"] > 0


def test_plan_suggests_tiles_only_when_cheaper_by_the_share(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    planned = cli("plan", ".")
    assert "as tiles it would cost about" in planned.out
    assert "tiles suggest aarhus-bay --write aarhus-bay-tiles" in planned.out
    repo.write("clearsky.yaml", CONFIG + "tiles: {cheaperBy: 95}\n")
    assert "as tiles it would cost" not in cli("plan", ".").out
    repo.write("clearsky.yaml", CONFIG + "tiles: {suggest: false}\n")
    assert "as tiles it would cost" not in cli("plan", ".").out


def test_tile_commands_say_first_that_they_use_the_sandbox(repo: Repo, cli: Cli) -> None:
    found = cli("tiles", "find", "--sandbox", "aarhus-bay", ".")
    assert found.code == 0 and found.out.startswith("Using the embedded sandbox")
    machine = cli("tiles", "suggest", "--sandbox", "aarhus-bay", "--format", "json", ".")
    assert machine.err.startswith("Using the embedded sandbox") and json.loads(machine.out)


@pytest.mark.parametrize("later", ["+1d", "+3d", "+10d"])
def test_a_minitile_order_that_delivers_is_not_degraded(
    repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch, later: str
) -> None:
    repo.write(
        "aarhus-bay.yaml", manifest("aarhus-bay", start=month_start(datetime.now(UTC).date()))
    )
    repo.remove("coast/skagen.yaml")
    assert cli("tiles", "suggest", "--sandbox", "aarhus-bay", "--write", "minis", ".").code == 0
    assert cli("apply", "--sandbox", "--auto-approve", ".").code == 0
    monkeypatch.setenv("CLEARSKY_SANDBOX_CLOCK", later)
    found = cli("status", "--sandbox", "--format", "json", ".")
    health = {o["name"]: o["health"] for o in json.loads(found.out)["orders"]}
    assert health["minis"] == health["aarhus-bay"] != "Degraded", (later, health)
