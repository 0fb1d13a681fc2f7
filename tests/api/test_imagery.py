"""The imagery endpoints through the client, against both dialects over loopback HTTP, and
against answers the sandbox does not give (scripted): cut streams, non-files, no credit
figure."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from reconciler.api import ClearskyClient
from reconciler.api.imagery import (
    COMPOSITE_PATH,
    ESTIMATE_PATH,
    CompositeOptions,
    Source,
    acquisition_plans,
    download,
    download_body,
    estimate_credits,
    input_products,
)
from reconciler.errors import (
    ClearskyOrdersError,
    NoImageryError,
    NotCoveredError,
    ServerError,
    TooManyBandsError,
    TransportError,
    ValidationFailedError,
)
from reconciler.sandbox import Sandbox
from tests.api.test_client import Sleeps
from tests.conftest import KEY_A, SKAGEN, Service, in_process_client, running

SMALL = "POLYGON((10.00 56.30, 10.06 56.30, 10.03 56.34, 10.00 56.30))"
KINDS = ["Sentinel1", "Sentinel2", "Landsat89"]
OPTIONS = CompositeOptions(resolution=160, epsg=32632, bands="rgb", data_type="UINT8")


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def last_image(service: Service) -> date:
    """An order over SMALL delivering every day; yesterday is one of its dates."""
    running(service, SMALL, frequency=1)
    return datetime.now(UTC).date() - timedelta(days=1)


def body(day: date, wkt: str = SMALL, **options: Any) -> dict[str, Any]:
    chosen = CompositeOptions(**{**OPTIONS.__dict__, **options})
    return download_body(Source(wkt=wkt), day, "Stratus2", KINDS, chosen)


def test_a_composite_streams_a_tiff_and_an_estimate_gives_credits(service: Service) -> None:
    day = last_image(service)

    async def go() -> tuple[int, bytes, float]:
        async with ClearskyClient(api_key=KEY_A, base_url=service.url) as api:
            sink = io.BytesIO()
            status = await download(api, Source(wkt=SMALL), body(day), sink)
            estimate = await estimate_credits(api, Source(wkt=SMALL), OPTIONS)
            return status, sink.getvalue(), estimate.credit_estimate

    status, file, credits = run(go())
    assert status == 200 and file[:4] == b"II*\x00"
    assert credits > 0


@pytest.mark.parametrize(
    ("change", "error", "code"),
    [
        ({"day_offset": -2}, NoImageryError, 1002),  # tomorrow: not delivered yet
        ({"wkt": SKAGEN}, NotCoveredError, 1006),
        ({"bands": ",".join(["B2"] * 21)}, ValidationFailedError, 992),
        (
            {"bands": ",".join(f"[B{a}_B{b}]" for a in range(2, 9) for b in range(2, 6))},
            TooManyBandsError,
            1005,
        ),
    ],
)
def test_refusals_are_the_service_codes(
    service: Service, change: dict[str, Any], error: type[Exception], code: int
) -> None:
    change = dict(change)  # the parameters are shared by both dialects' runs
    day = last_image(service) - timedelta(days=change.pop("day_offset", 0))
    wkt = change.pop("wkt", SMALL)
    with pytest.raises(error) as caught:
        run(
            download(
                ClearskyClient(api_key=KEY_A, base_url=service.url),
                Source(wkt=wkt),
                body(day, wkt, **change),
                io.BytesIO(),
            )
        )
    assert caught.value.code == code  # type: ignore[attr-defined]


def test_input_products_and_acquisition_plans_are_read(service: Service) -> None:
    day = last_image(service)

    async def go() -> tuple[Any, Any]:
        async with ClearskyClient(api_key=KEY_A, base_url=service.url) as api:
            products = await input_products(
                api, wkt=SMALL, day=day, model="Stratus2", constellations=KINDS
            )
            plans = await acquisition_plans(api, wkt=SMALL, start=day, until=day + timedelta(7))
            return products, plans

    products, plans = run(go())
    assert products and all(p.image_date.date() <= day for p in products)
    assert plans and all(p.acquisition_plans for p in plans)


# -- answers the sandbox does not give ---------------------------------------------------------


def scripted(answer: Any, **options: Any) -> ClearskyClient:
    sandbox = Sandbox()
    sandbox.add_account("k")
    client = in_process_client(sandbox, "k", answer)
    client._retries = options.get("retries", 2)
    client._sleep = Sleeps()
    return client


class Cut(httpx.AsyncByteStream):
    """A body that breaks off after its first chunk."""

    async def __aiter__(self) -> Any:
        yield b"II*\x00partial"
        raise httpx.ReadError("connection reset")


def test_a_stream_cut_short_is_retried_and_the_sink_starts_afresh() -> None:
    calls: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != COMPOSITE_PATH:
            return None
        calls.append(1)
        headers = {"content-type": "image/tiff"}
        if len(calls) == 1:
            return httpx.Response(200, headers=headers, stream=Cut())
        return httpx.Response(200, headers=headers, content=b"II*\x00whole file")

    sink = io.BytesIO()
    status = run(download(scripted(answer), Source(wkt=SMALL), body(date.today()), sink))
    assert status == 200 and sink.getvalue() == b"II*\x00whole file" and len(calls) == 2


def test_a_503_on_download_is_retried_then_reported() -> None:
    def answer(request: httpx.Request) -> httpx.Response | None:
        return httpx.Response(503, json={"Succeeded": False, "Error": {"Code": 503}})

    client = scripted(answer, retries=2)
    with pytest.raises(ServerError):
        run(download(client, Source(wkt=SMALL), body(date.today()), io.BytesIO()))
    assert client.requests_sent == 3


def test_a_huge_error_answer_is_not_read_whole() -> None:
    def answer(request: httpx.Request) -> httpx.Response | None:
        return httpx.Response(
            400, headers={"content-type": "application/json"}, content=b"[" * (2 * 1024 * 1024)
        )

    with pytest.raises(TransportError, match="not a file"):
        run(download(scripted(answer), Source(wkt=SMALL), body(date.today()), io.BytesIO()))


def test_a_file_over_the_limit_is_stopped() -> None:
    def answer(request: httpx.Request) -> httpx.Response | None:
        return httpx.Response(200, headers={"content-type": "image/tiff"}, content=b"x" * 5000)

    client = scripted(answer)
    with pytest.raises(TransportError, match="larger than"):
        run(client.post_for_file(COMPOSITE_PATH, {}, io.BytesIO(), limit=4096))


@pytest.mark.parametrize(
    "data",
    [{}, {"CreditEstimate": None}, {"CreditEstimate": "NaN"}, {"CreditEstimate": -1}],
    ids=["missing", "null", "nan", "negative"],
)
def test_an_estimate_without_a_readable_credit_figure_is_an_error_never_zero(
    data: dict[str, Any],
) -> None:
    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == ESTIMATE_PATH:
            return httpx.Response(200, json={"Data": data, "Succeeded": True})
        return None

    with pytest.raises(TransportError):
        run(estimate_credits(scripted(answer), Source(wkt=SMALL), OPTIONS))


def test_an_endless_file_is_cut_at_what_the_request_can_produce() -> None:
    from reconciler.api.imagery import file_bound

    source = Source(mini_tile="m-1")
    body = {"Bandnames": "B4", "Resolution": 10}
    bound = file_bound(source, body)
    assert 16 * 1024**2 < bound < 20 * 1024**2  # 320 x 320 pixels of one band, and headers

    async def endless() -> Any:
        yield b"II*\x00"
        while True:
            yield b"\x00" * 65536

    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, content=endless(), headers={"content-type": "image/tiff"}
        )
    )
    sink = io.BytesIO()

    async def go() -> None:
        async with ClearskyClient(
            api_key="k", base_url="https://api.clearsky.vision", transport=transport, retries=0
        ) as api:
            await download(api, source, body, sink)

    with pytest.raises(ClearskyOrdersError):
        asyncio.run(go())
    assert len(sink.getvalue()) <= bound


def test_a_drip_is_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.api import imagery as module

    monkeypatch.setattr(module, "GRACE_SECONDS", 0.3)
    monkeypatch.setattr(module, "SLOWEST_BYTES_PER_SECOND", 10**12)

    async def drip() -> Any:
        yield b"II*\x00"
        while True:
            await asyncio.sleep(0.05)
            yield b"\x00"

    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, content=drip(), headers={"content-type": "image/tiff"})
    )

    async def go() -> None:
        async with ClearskyClient(
            api_key="k", base_url="https://api.clearsky.vision", transport=transport, retries=0
        ) as api:
            await download(api, Source(mini_tile="m-1"), {}, io.BytesIO())

    with pytest.raises(ClearskyOrdersError, match="did not arrive within"):
        asyncio.run(go())
