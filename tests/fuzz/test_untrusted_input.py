"""Untrusted input never crashes the tool: manifests, clearsky.yaml, state files, saved plans
and the service's answers, generated and mutated. Each ends in a value or one of the tool's
own errors (a message), never another exception, within a bounded time.

`make test` runs a bounded number of examples; `make fuzz` many more (FUZZ_EXAMPLES).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.api import ClearskyClient
from reconciler.api.imagery import (
    CompositeOptions,
    Source,
    acquisition_plans,
    download,
    estimate_credits,
    input_products,
)
from reconciler.cli import main
from reconciler.engine import read_saved_plan
from reconciler.engine.deliveries import check_layout, file_path
from reconciler.engine.pull_index import INDEX_NAME, PullIndex
from reconciler.errors import ClearskyOrdersError, ManifestError
from reconciler.manifest import load
from reconciler.render.document import dump, to_document
from reconciler.render.registry import plan_view, render
from reconciler.state import StateFile
from tests.conftest import AARHUS, CONFIG, manifest, page_request, sample_plan

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)


def mutate(text: str, data: st.DataObject) -> str:
    """Cut, repeat, insert or replace a slice of `text`."""
    at = data.draw(st.integers(0, len(text)))
    to = data.draw(st.integers(at, min(len(text), at + 40)))
    piece = data.draw(
        st.sampled_from(
            [
                "",
                "\n",
                ": ",
                "- ",
                "&a ",
                "*a",
                "{",
                "[",
                "!!python/object ",
                "'",
                "\x00",
                "9" * 5000,
                "2026-02-30",
                "é",
            ]
        )
        | st.text(max_size=8)
    )
    return text[:at] + piece + text[to:]


@FUZZ
@given(data=st.data())
def test_a_mutated_manifest_is_valid_or_located_problems(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("m")
    (root / "clearsky.yaml").write_text(
        mutate(CONFIG, data) if data.draw(st.booleans()) else CONFIG
    )
    (root / "a.yaml").write_bytes(mutate(manifest("a", AARHUS), data).encode("utf-8", "replace"))
    try:
        load([root])
    except ManifestError as error:
        assert error.problems and all(p.message for p in error.problems)


@FUZZ
@given(data=st.data())
def test_a_mutated_or_made_up_state_file_is_read_or_refused(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("s")
    states = StateFile(root / "state.json")
    base = {"version": 1, "serial": 3, "lineage": "l", "orders": {"a": {"orderGuid": "g1"}}}
    text = (
        json.dumps(data.draw(JSON)) if data.draw(st.booleans()) else mutate(json.dumps(base), data)
    )
    states.path.write_text(text, encoding="utf-8", errors="replace")
    with contextlib.suppress(ClearskyOrdersError):
        states.load()


@FUZZ
@given(data=st.data())
def test_a_mutated_saved_plan_is_read_or_refused(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("p") / "plan.json"
    path.write_text(mutate(dump(to_document(sample_plan())), data), errors="replace")
    try:
        doc = read_saved_plan(path)
    except ClearskyOrdersError:
        return
    render("markdown", plan_view(sample_plan()))  # a readable one renders
    assert doc.checksum


@FUZZ
@given(JSON, st.sampled_from([200, 400, 404, 429, 500]))
def test_any_answer_of_the_service_is_a_value_or_an_api_error(body: Any, status: int) -> None:
    wire = json.dumps(body, allow_nan=True).encode()  # NaN and Infinity travel as tokens
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            status, content=wire, headers={"Retry-After": "x", "content-type": "application/json"}
        )
    )

    async def go() -> None:
        async with ClearskyClient(
            api_key="fuzz-key-123456",
            base_url="https://api.clearsky.vision",
            transport=transport,
            retries=0,
        ) as api:
            calls = (
                api.list_orders,
                lambda: api.estimate_order(page_request()),
                api.list_models,
                api.account_info,
                lambda: api.search_tiles(wkt=AARHUS),
                lambda: estimate_credits(api, Source(wkt=AARHUS), CompositeOptions()),
                lambda: input_products(
                    api, wkt=AARHUS, day=date(2026, 11, 4), model="Stratus2", constellations=[]
                ),
                lambda: acquisition_plans(
                    api, wkt=AARHUS, start=date(2026, 11, 4), until=date(2026, 11, 9)
                ),
                lambda: download(api, Source(wkt=AARHUS), {"Date": "2026-11-04"}, io.BytesIO()),
            )
            for call in calls:
                with contextlib.suppress(ClearskyOrdersError):
                    await call()

    asyncio.run(go())


@FUZZ
@given(data=st.data())
def test_a_mutated_or_made_up_pull_index_is_read_or_refused(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("i")
    base = {
        "version": 1,
        "files": {
            "a/2026-11-04.tif": {
                "order": "g",
                "date": "2026-11-04",
                "request": "r",
                "size": 4,
                "sha256": "0" * 64,
            }
        },
        "pulled": {"a": "2026-11-04"},
    }
    text = (
        json.dumps(data.draw(JSON)) if data.draw(st.booleans()) else mutate(json.dumps(base), data)
    )
    (folder / INDEX_NAME).write_text(text, encoding="utf-8", errors="replace")
    with contextlib.suppress(ClearskyOrdersError):
        index = PullIndex.open(folder)
        index.complete("a/2026-11-04.tif", "r", folder / "a" / "2026-11-04.tif")


@FUZZ
@given(st.text(max_size=60), st.text(max_size=20))
def test_a_layout_never_names_a_path_outside_the_folder(layout: str, name: str) -> None:
    try:
        check_layout(layout)
        path = file_path(layout, name, date(2026, 11, 4), "tile")
    except ClearskyOrdersError:
        return
    parts = Path(path).parts
    assert parts and not Path(path).is_absolute() and ".." not in parts and "\\" not in path


def test_the_cli_turns_a_bug_into_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLEARSKY_ORDERS_DEBUG", raising=False)

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("reconciler.cli.commands.validate.load", broken)
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: internal error (ZeroDivisionError)") and "Traceback" not in err


FIGURES = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from(["NaN", "Infinity", "-Infinity", "1e308", "-500", "12.5", "", "x"])
    | st.none()
    | st.booleans()
    | st.lists(st.integers(), max_size=2)
)


@FUZZ
@given(FIGURES, FIGURES, st.booleans())
def test_an_estimate_of_any_figures_is_a_price_or_no_price(
    now: Any, monthly: Any, bounded: bool
) -> None:
    from datetime import date as day

    from reconciler.domain.price import is_price
    from reconciler.engine.pricing import estimate_cost
    from tests.conftest import spec

    costs: dict[str, Any] = {"CurrentMonthCosts": {"TotalCostEuro": now}}
    if monthly is not None:
        costs["RecurringCostsEstimate"] = {"TotalCostEuro": monthly}
    wire = json.dumps({"Data": {"AreaKm2": 1.0, **costs}, "Succeeded": True}, allow_nan=True)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=wire.encode()))
    ordered = spec(end=day(2027, 3, 31)) if bounded else spec()

    async def go() -> None:
        async with ClearskyClient(
            api_key="fuzz-key-123456", base_url="https://api.clearsky.vision", transport=transport
        ) as api:
            try:
                cost = await estimate_cost(api, ordered)
            except ClearskyOrdersError:
                return  # no price: never 0.00, never NaN
            assert is_price(cost.current_month) and is_price(cost.next_month)

    asyncio.run(go())


@FUZZ
@given(
    intents=st.lists(
        st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["create", "cancel", "bogus", ""]),
                "name": st.sampled_from(["a", "b", "x", "", "A B"]),
                "guid": st.sampled_from(["g1", "g2", "", "../x"]),
            }
        ),
        max_size=4,
    )
)
def test_intents_added_to_a_sealed_state_are_never_trusted(
    intents: list[dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    from reconciler.planning import StateEntry
    from reconciler.state import Sealer, State

    sealer = Sealer.for_api_key("fuzz-seal-key")
    states = StateFile(tmp_path_factory.mktemp("t") / "state.json", sealer)
    states.save(State(orders={"a": StateEntry("g1")}))
    body = json.loads(states.path.read_text())
    body["intents"] = intents
    states.path.write_text(json.dumps(body))
    try:
        state = states.load()
    except ClearskyOrdersError:
        return
    assert state.trusted_intents == () or not intents


@FUZZ
@given(pulled=st.dates(), made=st.dates())
def test_a_pull_index_date_is_refused_or_can_be_stepped_from(
    pulled: Any, made: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from datetime import timedelta

    folder = tmp_path_factory.mktemp("d")
    doc = {
        "version": 1,
        "files": {
            "a/x.tif": {"order": "g", "date": made.isoformat(), "request": "r", "size": 1,
                        "sha256": "0" * 64}
        },
        "pulled": {"a": pulled.isoformat()},
    }  # fmt: skip
    (folder / INDEX_NAME).write_text(json.dumps(doc))
    try:
        index = PullIndex.open(folder)
    except ClearskyOrdersError:
        return
    last = index.pulled("a")
    assert last is not None and last + timedelta(days=1) > last
