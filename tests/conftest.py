"""Shared fixtures: a sandbox on a free loopback port, an orders repository, the CLI."""

from __future__ import annotations

import asyncio
import os
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from reconciler.api import ClearskyClient, OrderRequest
from reconciler.cli import main
from reconciler.domain.calendar import month_start, next_month_start
from reconciler.domain.desired import DesiredOrder, Source
from reconciler.domain.geometry import parse_wkt, service_wkt
from reconciler.domain.live import LiveOrder
from reconciler.domain.order import OrderSpec
from reconciler.planning import (
    Action,
    Change,
    Cost,
    Inputs,
    Plan,
    StateEntry,
    decide,
    timeline,
    with_money,
)
from reconciler.planning.annotate import annotate
from reconciler.sandbox import InProcessTransport, Sandbox, serve_in_thread
from reconciler.sandbox.store import StoredOrder, new_guid

AARHUS = "POLYGON((9.87 56.47, 10.19 56.47, 10.19 56.28, 9.87 56.28, 9.87 56.47))"
PAGE_WKT = (
    "GEOMETRYCOLLECTION (POLYGON ((8.675127 55.962046, 8.675127 55.963407, 8.679411 55.963407, "
    "8.679411 55.962046, 8.675127 55.962046)), POLYGON ((8.472053 56.105382, 8.472053 56.337398, "
    "8.948552 56.337398, 8.948552 56.105382, 8.472053 56.105382)), POLYGON ((8.678 55.948533, "
    "8.678 56.068376, 8.878589 56.068376, 8.878589 55.948533, 8.678 55.948533)))"
)
SKAGEN = "POLYGON((10.52 57.70, 10.66 57.70, 10.66 57.76, 10.52 57.76, 10.52 57.70))"
TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden"
DATA = TESTS / "data"
BROKEN = TESTS / "broken"
OFFLINE = TESTS / "offline"
EXAMPLES_AS_WRITTEN = TESTS.parent / "examples" / "orders"
KEY_A = "test-key-account-a"
KEY_B = "test-key-account-b"


def examples_today() -> ModuleType:
    """examples/today.py (a script beside the examples, not a package module)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("today", EXAMPLES_AS_WRITTEN.parent / "today.py")
    assert spec is not None and spec.loader is not None
    today = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(today)
    return today


def _examples_today() -> Path:
    """A copy of examples/orders with its dates moved to this month and the ones after, as
    the demo runs it (examples/today.py): the suite never goes stale as the months pass."""
    import atexit
    import shutil
    import tempfile

    scratch = tempfile.mkdtemp(prefix="clearsky-examples-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    folder = Path(scratch) / "orders"
    shutil.copytree(EXAMPLES_AS_WRITTEN, folder)
    assert examples_today().main([str(folder)]) == 0
    return folder


EXAMPLES = _examples_today()


# -- values for pure planning tests ----------------------------------------------------

TODAY = date(2026, 11, 23)
"""The day pure planning tests plan on: fixed, since nothing in them reads the clock."""


def spec(wkt: str = AARHUS, *, frequency: int = 3, end: date | None = None) -> OrderSpec:
    return OrderSpec(
        constellations=frozenset({"Sentinel1", "Sentinel2", "Landsat89"}),
        model="Stratus2",
        image_frequency=frequency,
        reference_date=date(2025, 1, 1),
        start=date(2026, 12, 1),
        end=end,
        aoi=parse_wkt(wkt),
    )


def desired(name: str, s: OrderSpec | None = None) -> DesiredOrder:
    return DesiredOrder(name, s or spec(), Source(f"{name}.yaml", 1))


def live(
    guid: str,
    s: OrderSpec | None = None,
    status: str = "Review",
    *,
    automatic: bool = False,
    created: int = 1,
) -> LiveOrder:
    s = s or spec()
    # What the service hands back: its own rewrite of the geometry.
    rewritten = replace(s, aoi=parse_wkt(service_wkt(s.geometry))) if s.geometry is not None else s
    return LiveOrder(guid, status, rewritten, automatic, datetime(2026, 11, created, tzinfo=UTC))


NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
INPUTS = Inputs("m" * 64, "l" * 64, "s" * 64)


def priced(changes: list[Change], today: date = TODAY) -> list[Change]:
    """Fixed prices, so that renders are stable: new orders 10 in their first month and 40 in
    the month after, old orders 5 and 30 (as estimates made on `today`)."""
    out = []
    for c in changes:
        new = old = None
        if c.needs_create and c.desired is not None:
            new = Cost(10.0, 40.0, month=max(today.replace(day=1), c.desired.start.replace(day=1)))
        if c.action in (Action.CANCEL, Action.REPLACE) and c.live is not None:
            old = Cost(5.0, 30.0, month=max(today.replace(day=1), c.live.start.replace(day=1)))
        out.append(with_money(replace(c, new_order_cost=new, old_order_cost=old), today, 12))
    return out


def sample_plan(now: datetime = NOW) -> Plan:
    """One of every action: replace, create, adopt, cancel, unmanaged, with warnings."""
    wanted = [
        desired("aarhus-bay", spec(frequency=2)),
        desired("skagen", spec(SKAGEN)),
        desired("west-jutland", spec(PAGE_WKT)),
    ]
    account = [
        live("g-aarhus", status="UpToDate"),
        live("g-old", spec(SKAGEN, frequency=7)),
        live("g-west", spec(PAGE_WKT)),
        live("g-stray", spec(SKAGEN, frequency=5), status="Processing"),
    ]
    state = {"aarhus-bay": StateEntry("g-aarhus"), "retired": StateEntry("g-old")}
    changes = annotate(priced(decide(wanted, account, state, TODAY)), wanted, account, now)
    return plan_of(changes, state, account, now)


def plan_of(
    changes: list[Change],
    state: dict[str, StateEntry] | None = None,
    account: list[LiveOrder] | None = None,
    now: datetime = NOW,
) -> Plan:
    """A plan of these changes made on TODAY, with its timeline over 12 months."""
    specs = {o.key: o.spec for o in account or [] if o.spec is not None}
    line = timeline(changes, state or {}, specs, TODAY, 12)
    return Plan(tuple(changes), TODAY, INPUTS, now, "the sandbox", timeline=line)


def flat(text: str) -> str:
    """Output with its line breaks and runs of spaces as single spaces: a phrase a renderer may
    wrap to fit the terminal is found whole."""
    return " ".join(text.split())


def golden(name: str, text: str) -> None:
    """`text` must equal tests/golden/NAME; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; UPDATE_GOLDEN=1 rewrites"


def page_request(**changes: Any) -> OrderRequest:
    """A create/estimate request for the endpoint page's example area; `changes` override
    fields by their wire names (From defaults to next month)."""
    body = {
        "Wkt": PAGE_WKT,
        "SatelliteConstellations": ["Sentinel1", "Sentinel2", "Landsat89"],
        "Model": "Stratus2",
        "ImageFrequency": 3,
        "ReferenceDate": "2025-01-01",
        "From": next_month().isoformat(),
        "To": None,
        **changes,
    }
    return OrderRequest.model_validate(body)


# -- services ------------------------------------------------------------------------------


Answer = Callable[[httpx.Request], httpx.Response | None]


class Scripted(InProcessTransport):
    """The in-process sandbox, except where a test's `answer` returns a response of its own:
    for shapes or refusals the sandbox does not produce."""

    def __init__(self, sandbox: Sandbox, answer: Answer) -> None:
        super().__init__(app=sandbox.app())
        self.answer = answer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self.answer(request) or await super().handle_async_request(request)


def in_process_client(
    sandbox: Sandbox | None = None, key: str = "k", answer: Answer | None = None
) -> ClearskyClient:
    """A client for a sandbox running inside the test (a fresh one, with account `key`)."""
    if sandbox is None:
        sandbox = Sandbox()
        sandbox.add_account(key)
    transport = Scripted(sandbox, answer) if answer else InProcessTransport(app=sandbox.app())
    return ClearskyClient(api_key=key, base_url="http://localhost", transport=transport)


def next_month() -> date:
    """The first day of next month (real time): an order start that is always valid."""
    return next_month_start(datetime.now(UTC).date())


@dataclass
class Service:
    sandbox: Sandbox
    url: str


@pytest.fixture(autouse=True)
def _machine_record(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test has its own record of the state serials this machine has seen."""
    monkeypatch.setenv("CLEARSKY_STATE_HOME", str(tmp_path_factory.mktemp("state-home")))


@pytest.fixture
def service() -> Iterator[Service]:
    """The sandbox served over real HTTP on a free loopback port, with two accounts."""
    sandbox = Sandbox()
    sandbox.add_account(KEY_A, "a")
    sandbox.add_account(KEY_B, "b")
    with serve_in_thread(sandbox.app()) as url:
        yield Service(sandbox, url)


def running(
    service: Service,
    wkt: str | None,
    frequency: int = 3,
    *,
    tiles: Sequence[str] = (),
    mini_tiles: Sequence[str] = (),
    key: str = KEY_A,
) -> str:
    """An accepted recurring order that started two months ago (what an earlier apply left):
    a polygon order, or with `wkt` None a tile order."""
    account = service.sandbox.store.account(key)
    assert account is not None
    now = datetime.now(UTC)
    start = month_start(month_start(now.date()) - timedelta(days=40))
    order = StoredOrder(
        guid=new_guid(),
        account=account[0],
        created_at=now - timedelta(days=70),
        accepted_at=now - timedelta(days=69),
        canceled_at=None,
        model="Stratus2",
        constellations=["Sentinel1", "Sentinel2", "Landsat89"],
        image_frequency=frequency,
        reference_date=start,
        from_date=start,
        to_date=None,
        storage_months=1,
        api_requests=1,
        wkt=service_wkt(parse_wkt(wkt)) if wkt else None,
        tiles=list(tiles),
        mini_tiles=list(mini_tiles),
        area_km2=100.0,
    )
    service.sandbox.store.insert(order)
    return order.guid


def aarhus_tiles(service: Service) -> tuple[str, list[str]]:
    """A tile over AARHUS on the served sandbox, and its minitiles (GUIDs)."""

    async def ask() -> tuple[str, list[str]]:
        async with ClearskyClient(api_key=KEY_A, base_url=service.url) as api:
            tiles = (await api.search_tiles(wkt=AARHUS)).tiles
            minis = await api.search_tiles(tile_guid_for_mini_tiles=tiles[0].tile_guid)
            return tiles[0].tile_guid, list(minis.mini_tiles)

    return asyncio.run(ask())


@pytest.fixture
def api_env(service: Service, monkeypatch: pytest.MonkeyPatch) -> Service:
    monkeypatch.setenv("CLEARSKY_API_URL", service.url)
    monkeypatch.setenv("CLEARSKY_API_KEY", KEY_A)
    return service


def manifest(
    name: str,
    wkt: str = AARHUS,
    *,
    frequency: int = 3,
    start: date | None = None,
    end: date | None = None,
    model: str = "Stratus2",
    constellations: str = "[Sentinel1, Sentinel2, Landsat89]",
    extra: str = "",
) -> str:
    start = start or next_month()
    return (
        textwrap.dedent(f"""\
        apiVersion: clearsky-orders/v1
        kind: TaskingOrder
        metadata:
          name: {name}
        spec:
          aoi:
            wkt: "{wkt}"
          constellations: {constellations}
          model: {model}
          imageFrequency: {frequency}
          referenceDate: 2025-01-01
          from: {start.isoformat()}
          to: {end.isoformat() if end else "null"}
        """)
        + extra
    )


CONFIG = """\
apiVersion: clearsky-orders/v1
kind: Config
defaults:
  storageMonths: 1
"""


@dataclass
class Repo:
    root: Path

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def remove(self, relative: str) -> None:
        (self.root / relative).unlink()

    @property
    def state(self) -> Path:
        return self.root / ".clearsky" / "state.json"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """An orders repository with clearsky.yaml and two manifests; the working folder."""
    root = tmp_path / "orders"
    root.mkdir()
    monkeypatch.chdir(root)
    r = Repo(root)
    r.write("clearsky.yaml", CONFIG)
    r.write("aarhus-bay.yaml", manifest("aarhus-bay"))
    r.write(
        "coast/skagen.yaml",
        manifest(
            "skagen",
            SKAGEN,
            frequency=2,
            model="Stratus2Fast",
            constellations="[Sentinel1, Sentinel2]",
        ),
    )
    return r


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> object:
    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@dataclass(frozen=True)
class Bucket:
    """A bucket on the loopback S3 server, with the environment that reaches it."""

    endpoint: str
    name: str

    def url(self, key: str = "team/state.json") -> str:
        return f"s3://{self.name}/{key}"

    def config(self, key: str = "team/state.json", workspace: str | None = None) -> str:
        """clearsky.yaml with the state in this bucket."""
        named = f"  workspace: {workspace}\n" if workspace else ""
        return (
            CONFIG
            + f"state:\n  url: {self.url(key)}\n  endpoint: {self.endpoint}\n"
            + f"  region: us-east-1\n{named}"
        )

    def objects(self) -> list[str]:
        import boto3

        listed = boto3.client("s3", endpoint_url=self.endpoint).list_objects_v2(Bucket=self.name)
        return sorted(o["Key"] for o in listed.get("Contents", []))


S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3-protocol server (moto's server mode) on a free loopback port, for the session."""
    import logging

    from moto.server import ThreadedMotoServer

    from reconciler.sandbox.server import free_port

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    port = free_port("127.0.0.1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    """A new bucket for this test, and AWS credentials for it in the environment."""
    import uuid

    import boto3

    for name, value in S3_ENV.items():
        monkeypatch.setenv(name, value)
    name = f"state-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return Bucket(s3_endpoint, name)
