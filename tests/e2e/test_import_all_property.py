"""For random orders made on the service through its API (any area kind, model,
constellations, dates, storage and requests), `import --all` writes manifests after which
a plan has nothing to do. `make test` runs a few accounts; `make fuzz` many more."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.api import ClearskyClient, OrderRequest
from reconciler.cli import main
from reconciler.domain.calendar import month_end, month_start
from reconciler.sandbox.catalog import MODELS
from tests.conftest import CONFIG, Service, aarhus_tiles

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
counter = itertools.count()


def _box(x: float, y: float, size: float) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def _wkt(ring: list[list[float]]) -> str:
    return "(" + ", ".join(f"{a} {b}" for a, b in ring) + ")"


corners = st.tuples(
    st.integers(800, 1200).map(lambda v: v / 100),  # longitude 8 to 12
    st.integers(5500, 5750).map(lambda v: v / 100),  # latitude 55 to 57.5
    st.integers(2, 15).map(lambda v: v / 100),  # a side of 0.02 to 0.15 degrees
)


@st.composite
def areas(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["polygon", "multi", "collection", "geojson", "tiles", "minis"]))
    first, second = draw(corners), draw(corners)
    one, two = _box(*first), _box(second[0], second[1] - 1.0, second[2])  # apart
    if kind == "polygon":
        return {"Wkt": f"POLYGON({_wkt(one)})"}
    if kind == "multi":
        return {"Wkt": f"MULTIPOLYGON(({_wkt(one)}), ({_wkt(two)}))"}
    if kind == "collection":
        return {"Wkt": f"GEOMETRYCOLLECTION(POLYGON({_wkt(one)}), POLYGON({_wkt(two)}))"}
    if kind == "geojson":
        return {"GeoJson": {"type": "Polygon", "coordinates": [one]}}
    return {kind: draw(st.integers(1, 3))}  # filled from the tile search below


@st.composite
def orders(draw: st.DrawFn) -> dict[str, Any]:
    model = draw(st.sampled_from(MODELS))
    optional = draw(st.sets(st.sampled_from(sorted(model.optional)))) if model.optional else set()
    this = month_start(datetime.now(UTC).date())
    shift = draw(st.integers(-4, 2))  # from four months back to two ahead
    start = _months_ahead(this, shift) if shift >= 0 else _months_back(this, -shift)
    months = draw(st.none() | st.integers(0, 3))
    end = None if months is None else month_end(_months_ahead(start, months))
    return {
        **draw(areas()),
        "SatelliteConstellations": sorted(model.required | optional),
        "Model": model.name,
        "ImageFrequency": draw(st.integers(1, 7)),
        "ReferenceDate": (start - timedelta(days=draw(st.integers(0, 400)))).isoformat(),
        "From": start.isoformat(),
        "To": end.isoformat() if end else None,
        "StorageMonths": draw(st.integers(1, 4)),
        "ApiRequests": draw(st.integers(1, 3)),
    }


def _months_ahead(start: date, months: int) -> date:
    for _ in range(months):
        start = month_start(start + timedelta(days=32))
    return start


def _months_back(start: date, months: int) -> date:
    for _ in range(months):
        start = month_start(start - timedelta(days=1))
    return start


def test_random_live_orders_import_to_a_plan_with_nothing_to_do(
    api_env: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tile, minis = aarhus_tiles(api_env)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(orders(), min_size=1, max_size=4))
    def check(bodies: list[dict[str, Any]]) -> None:
        key = f"import-{next(counter)}"
        api_env.sandbox.add_account(key, key)
        monkeypatch.setenv("CLEARSKY_API_KEY", key)
        for body in bodies:
            if "tiles" in body:
                body["TileGuids"] = [tile]
                del body["tiles"]
            if "minis" in body:
                body["MiniTileGuids"] = minis[: body.pop("minis")]
        made = asyncio.run(_create(api_env.url, key, bodies))
        root = tmp_path / key
        root.mkdir()
        (root / "clearsky.yaml").write_text(CONFIG)
        monkeypatch.chdir(root)
        assert main(["import", "--all", "--write", "imported", ".", "--format", "json"]) == 0
        assert main(["validate", "."]) == 0
        assert main(["plan", "--detailed-exitcode", "."]) == 0, bodies
        owned = json.loads((root / ".clearsky" / "state.json").read_text())["orders"]
        assert sorted(e["orderGuid"] for e in owned.values()) == sorted(made)
        shutil.rmtree(root)

    check()


async def _create(url: str, key: str, bodies: list[dict[str, Any]]) -> list[str]:
    async with ClearskyClient(api_key=key, base_url=url) as api:
        made = []
        for body in bodies:
            made.append(await api.create_order(OrderRequest.model_validate(body)))
        return [m.task_order_guid for m in made]
