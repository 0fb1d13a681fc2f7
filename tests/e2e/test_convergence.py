"""For random manifest sets and random live accounts, apply converges: afterwards plan is
empty, and no order is ever duplicated."""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.api import ClearskyClient, OrderRequest, live_spec
from reconciler.cli import main
from reconciler.domain.geometry import parse_wkt, service_wkt
from reconciler.sandbox import Sandbox, serve_in_thread
from tests.conftest import AARHUS, CONFIG, SKAGEN, manifest, next_month

ADMIN = "convergence-admin-key"
AREAS = [AARHUS, SKAGEN, "POLYGON((8.62 56.93, 8.78 56.93, 8.84 56.97, 8.62 56.93))"]
# A pool of distinct specs: (area, image frequency).
POOL = list(itertools.product(range(len(AREAS)), (2, 3, 7)))

manifest_sets = st.lists(st.sampled_from(POOL), min_size=0, max_size=6)
live_accounts = st.lists(st.tuples(st.sampled_from(POOL), st.booleans()), max_size=5)
counter = itertools.count()


def body(area: int, frequency: int) -> dict[str, Any]:
    return OrderRequest.model_validate(
        {
            "Wkt": service_wkt(parse_wkt(AREAS[area])),
            "SatelliteConstellations": ["Sentinel1", "Sentinel2", "Landsat89"],
            "Model": "Stratus2",
            "ImageFrequency": frequency,
            "ReferenceDate": "2025-01-01",
            "From": next_month().isoformat(),
        }
    ).body()


@pytest.mark.slow
def test_apply_converges_without_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = Sandbox(admin_key=ADMIN)
    with serve_in_thread(sandbox.app()) as url:
        monkeypatch.setenv("CLEARSKY_API_URL", url)

        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(manifest_sets, live_accounts)
        def check(
            wanted: list[tuple[int, int]], existing: list[tuple[tuple[int, int], bool]]
        ) -> None:
            key = f"account-{next(counter)}"
            sandbox.add_account(key)
            monkeypatch.setenv("CLEARSKY_API_KEY", key)
            for (area, frequency), automatic in existing:
                httpx.post(
                    f"{url}/_sandbox/orders",
                    headers={"x-api-key": key, "x-admin-key": ADMIN},
                    json={**body(area, frequency), "IsAutomaticOrder": automatic},
                ).raise_for_status()
            root = tmp_path / key
            root.mkdir()
            (root / "clearsky.yaml").write_text(CONFIG)
            for number, (area, frequency) in enumerate(wanted):
                (root / f"o{number}.yaml").write_text(
                    manifest(f"order-{number}", AREAS[area], frequency=frequency)
                )
            monkeypatch.chdir(root)
            assert main(["apply", "--auto-approve", "."]) == 0
            assert main(["plan", "--detailed-exitcode", "."]) == 0

            live = asyncio.run(_orders(url, key))
            before = Counter(spec for spec, _ in existing)
            wanted_count = Counter(wanted)
            by_spec = Counter(_pool_key(order) for order in live)
            for spec_key, count in by_spec.items():
                assert count == max(before[spec_key], wanted_count[spec_key]), spec_key
            shutil.rmtree(root)

        check()


def _pool_key(order: Any) -> tuple[int, int]:
    spec = live_spec(order)
    for area, frequency in POOL:
        candidate = live_spec(
            order.model_copy(
                update={"wkt": service_wkt(parse_wkt(AREAS[area])), "image_frequency": frequency}
            )
        )
        if candidate == spec:
            return area, frequency
    raise AssertionError(f"unexpected order {order}")


async def _orders(url: str, key: str) -> list[Any]:
    async with ClearskyClient(api_key=key, base_url=url) as api:
        return await api.list_orders()
