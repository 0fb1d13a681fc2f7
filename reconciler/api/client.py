"""The async ClearSKY client: the only code in clearsky-orders that speaks HTTP.

Reads, estimates and cancels are retried with exponential backoff and jitter on 429, 5xx and
transport errors, honouring Retry-After. Create is never retried: a create whose answer was
lost may have been committed, and only the caller can find out (by listing the orders).

Paths are the service's current ones. Where the older endpoint page used other paths (create,
estimate, account info), those are tried only when the current path answers 404 or 405, and
the client keeps using whichever answered for the rest of its life.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from reconciler.api.listing import Listing
from reconciler.api.models import (
    AccountInfo,
    Availability,
    AvailableDates,
    Estimate,
    ModelInfo,
    OrderRequest,
    TaskOrder,
    TileCover,
    TileSearch,
)
from reconciler.domain.price import MAX_EUR, is_price
from reconciler.errors import (
    SERVICE_ERRORS,
    ApiError,
    AuthError,
    ConfigurationError,
    NoPriceError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ServiceError,
    TransportError,
    ValidationFailedError,
)
from reconciler.loopback import is_loopback
from reconciler.oneline import shown_url
from reconciler.progress import report

DEFAULT_URL = "https://api.clearsky.vision"
ORDERS_PATH = "/api/tasking/orders"
CREATE_PATHS = (ORDERS_PATH, "/api/satelliteimages/process/tasking/orders")
ESTIMATE_PATHS = (
    "/api/tasking/orders/estimate",
    "/api/satelliteimages/process/tasking/orders/estimate",
)
ACCOUNT_PATHS = ("/api/account/info", "/api/apikey/info")
DETAILS_PATH = "/api/tasking/orders/details"
CANCEL_PATH = "/api/tasking/orders/cancel"
GONE = (404, 405)
"""Answers that mean "not here": the only ones that send a request to an older path."""
MODELS_PATH = "/api/tasking/models"
TILES_PATH = "/api/tasking/search/tiles"
AVAILABLE_DATES_PATH = "/api/satelliteimages/search/available"
OPTIMIZE_PATH = "/api/tasking/tile/optimize"
AVAILABILITY_PATH = "/api/satelliteimages/process/composite/available"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0

log = logging.getLogger("clearsky_orders.api")
T = TypeVar("T")


def check_base_url(url: str) -> str:
    """The URL without a trailing slash; plain http only to loopback (no key on the wire), and
    no credentials in it (they would be printed and saved)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        raise ConfigurationError("the API URL is not a valid URL") from None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ConfigurationError(
            "the API URL carries credentials (user:password@); give the key in "
            "CLEARSKY_API_KEY and the URL without them"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"the API URL {shown_url(url)!r} is not an http(s) URL")
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"the API URL {shown_url(url)!r} may not carry a query or fragment"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"refusing plain http to {parts.hostname}: the API key would travel unencrypted; "
            "use https (plain http is allowed only to loopback, e.g. a local sandbox)"
        )
    return url.rstrip("/")


def _certificates_for(base_url: str) -> ssl.SSLContext | bool:
    """What verifies the service's certificate: the standard CA bundle for https (True). Plain
    http goes only to loopback and never meets a certificate: it gets a context that trusts
    none, which fails any TLS connection it is asked to make, instead of one that loads the
    whole bundle (40 ms, in every run against a local sandbox)."""
    if base_url.startswith("https:"):
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class Sink(Protocol):
    """Where a downloaded file goes (an open binary file)."""

    def seek(self, offset: int, /) -> int: ...
    def truncate(self, size: int | None = None, /) -> int: ...
    def write(self, data: bytes, /) -> int: ...


class ClearskyClient:
    """Typed access to the ClearSKY endpoints that tasking orders need."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str = DEFAULT_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 20.0,
        parallelism: int = 8,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not api_key:
            raise AuthError("no API key: set CLEARSKY_API_KEY (or use --sandbox)")
        if not api_key.isascii() or not api_key.isprintable() or len(api_key) > 512:
            raise AuthError("the API key is not a usable key (printable ASCII, at most 512)")
        self.base_url = check_base_url(base_url)
        self._key = api_key
        self._retries = retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._sleep = sleep
        self._limit = asyncio.Semaphore(parallelism)
        self.parallelism = parallelism
        self.requests_sent = 0
        self._older: dict[tuple[str, ...], int] = {}
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            verify=_certificates_for(self.base_url),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={
                "x-api-key": api_key,
                "accept": "application/json",
                "user-agent": "clearsky-orders",
            },
        )

    def __repr__(self) -> str:
        return f"ClearskyClient(base_url={self.base_url!r}, api_key=***)"

    async def __aenter__(self) -> ClearskyClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    # -- endpoints ---------------------------------------------------------------------------

    async def list_orders(
        self, *, recurring_only: bool = False, get_expired: bool = False
    ) -> list[TaskOrder]:
        """GET /api/tasking/orders."""
        return await self.read_orders(
            _itself, recurring_only=recurring_only, get_expired=get_expired
        )

    async def read_orders(
        self,
        convert: Callable[[TaskOrder], T],
        *,
        recurring_only: bool = False,
        get_expired: bool = False,
    ) -> list[T]:
        """GET /api/tasking/orders, each order handed to `convert` as soon as it is read (see
        api/listing.py): an account's orders never stand in memory as dicts or models all at
        once, and the event loop is handed back every few hundred of them."""
        params = {"recurringOnly": _bool(recurring_only), "getExpired": _bool(get_expired)}
        answer = await self._fetch("GET", ORDERS_PATH, params=params, limit=MAX_LIST_BYTES)
        return await self._orders_in(answer, "GET", ORDERS_PATH, convert)

    async def estimate_order(self, order: OrderRequest) -> Estimate:
        """POST the estimate: what the order would cost (assuming no overlap).

        Raises NoPriceError when the answer holds no cost this client can read, or a figure
        that is not a price."""
        path, data = await self._call_any("POST", ESTIMATE_PATHS, json=order.body())
        estimate = _read(Estimate, data or {}, "POST", path)
        # A bounded order may come without a recurring figure: it has no cycles to come (the
        # official client reads each figure only "when present"). Without a current figure,
        # or a recurring order without a recurring one, there is no price: never 0.00.
        bounded = order.to is not None
        if estimate.this_month is None or (estimate.next_month is None and not bounded):
            raise NoPriceError(
                "the service returned no price for this order", method="POST", path=path
            )
        figures = (("now", estimate.this_month), ("a month", estimate.next_month))
        for label, value in figures:
            if value is not None and not is_price(value):
                raise NoPriceError(
                    f"the service's estimate for {label} is {value!r}, which is not a price (a "
                    f"finite amount from 0 to {MAX_EUR:,.0f} EUR)",
                    method="POST",
                    path=path,
                )
        return estimate

    async def create_order(self, order: OrderRequest) -> TaskOrder:
        """POST create. Never retried: after a TransportError the order may exist. (A 404 or
        405 made nothing, so the older path is tried then.)"""
        path, data = await self._call_any("POST", CREATE_PATHS, json=order.body(), retry=False)
        # An answer that cannot be read says nothing of the order: as good as lost.
        return _read(TaskOrder, data, "POST", path)

    async def cancel_order(self, guid: str) -> None:
        """DELETE cancel. Cancelling an order that is already canceled succeeds."""
        try:
            await self._call("DELETE", CANCEL_PATH, params={"taskOrderGuid": guid})
        except ServiceError:
            if await self._is_canceled(guid):
                return
            raise

    async def order_details(self, guids: Iterable[str]) -> list[TaskOrder]:
        """POST /api/tasking/orders/details {"Guids": [...]}: just these orders."""
        body = {"Guids": list(guids)}
        answer = await self._fetch("POST", DETAILS_PATH, json=body, limit=MAX_LIST_BYTES)
        return await self._orders_in(answer, "POST", DETAILS_PATH, _itself)

    async def _orders_in(
        self,
        answer: tuple[httpx.Response, bytearray],
        method: str,
        path: str,
        convert: Callable[[TaskOrder], T],
    ) -> list[T]:
        """The orders of a list answer, each converted as it is read. An answer that names no
        list of orders (not JSON, no Data) is an error, never an empty account."""
        response, body = answer
        if not response.is_success:
            self._unwrapped(_whole(response, body), method, path)  # the error it describes
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = ""  # not JSON: said below
        else:
            body.clear()  # only the text is walked: its bytes go now (43 MB at 50,000 orders)
        listing = Listing(text)
        orders = listing.orders()
        out = []
        while True:
            try:
                item = next(orders)
            except StopIteration:
                break
            except (ValueError, RecursionError):  # not JSON: an error answer says which
                self._unwrapped(_whole(response, body or text.encode()), method, path)
                raise TransportError(
                    "the service's answer is not JSON", method=method, path=path
                ) from None
            out.append(convert(_read(TaskOrder, item, method, path)))
            if len(out) % READ_STEP == 0:
                await asyncio.sleep(0)  # requests in flight are answered meanwhile
        if listing.succeeded is not None and not listing.succeeded:
            self._unwrapped(_whole(response, text.encode()), method, path)  # its error
            raise TransportError("the service's answer says it failed", method=method, path=path)
        if not listing.found:
            raise TransportError(
                "the service's answer holds no list of orders", method=method, path=path
            )
        return out

    async def account_info(self) -> AccountInfo:
        """The account the key belongs to and its limits."""
        _, data = await self._call_any("GET", ACCOUNT_PATHS)
        return _read(AccountInfo, data or {}, "GET", ACCOUNT_PATHS[0])

    async def _is_canceled(self, guid: str) -> bool:
        try:
            found = await self.order_details([guid])
        except ApiError as error:
            if error.status not in GONE:
                raise
            found = await self.list_orders(get_expired=True)
        for order in found:
            if order.task_order_guid.lower() == guid.lower():
                return order.ordering_process_status.lower() in ("canceled", "cancelled")
        return False

    async def search_tiles(
        self,
        *,
        wkt: str | None = None,
        geo_json: Mapping[str, Any] | None = None,
        tile_guids: Iterable[str] | None = None,
        mini_tile_guids: Iterable[str] | None = None,
        tile_guid_for_mini_tiles: str | None = None,
    ) -> TileSearch:
        """POST /api/tasking/search/tiles, in any of its three flows."""
        body = {
            "wkt": wkt,
            "geoJson": dict(geo_json) if geo_json is not None else None,
            "tileGuids": list(tile_guids) if tile_guids is not None else None,
            "miniTileGuids": list(mini_tile_guids) if mini_tile_guids is not None else None,
            "tileGuidForMiniTiles": tile_guid_for_mini_tiles,
        }
        data = await self._call("POST", TILES_PATH, json=body)
        return _read(TileSearch, data or {}, "POST", TILES_PATH)

    async def optimize_tiles(self, wkt: str) -> TileCover:
        """POST /api/tasking/tile/optimize: the service's cost-focused tile/minitile cover."""
        data = await self._call("POST", OPTIMIZE_PATH, json={"Wkt": wkt})
        return _read(TileCover, data or {}, "POST", OPTIMIZE_PATH)

    async def available_dates(
        self,
        *,
        wkt: str | None = None,
        geo_json: Mapping[str, Any] | None = None,
        start: str,
        until: str,
    ) -> AvailableDates:
        """POST /api/satelliteimages/search/available (dates with imagery in an area)."""
        body = {
            "Wkt": wkt,
            "GeoJson": dict(geo_json) if geo_json else None,
            "From": start,
            "Until": until,
        }
        data = await self._call("POST", AVAILABLE_DATES_PATH, json=body)
        return _read(AvailableDates, data or {}, "POST", AVAILABLE_DATES_PATH)

    async def check_availability(
        self,
        *,
        wkt: str,
        day: date | str,
        constellations: Iterable[str],
        model: str,
        epsg: int = 4326,
        utm_mode: str = "single_utm_fully_covered",
    ) -> Availability:
        """POST /api/satelliteimages/process/composite/available."""
        body = {
            "Wkt": wkt,
            "GeoJson": None,
            "Date": str(day),
            "UtmDataSelectionMode": utm_mode,
            "SatelliteConstellations": list(constellations),
            "Model": model,
            "EpsgProjection": epsg,
            "Bandnames": "all",
        }
        data = await self._call("POST", AVAILABILITY_PATH, json=body)
        return _read(Availability, data or {}, "POST", AVAILABILITY_PATH)

    async def list_models(self) -> list[ModelInfo]:
        """GET /api/tasking/models: the models and the constellations each supports."""
        data = await self._call("GET", MODELS_PATH)
        if isinstance(data, dict):
            data = _ci(data, "taskingmodels") or _ci(data, "models") or []
        return _read_list(ModelInfo, data, "GET", MODELS_PATH)

    async def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST `body` to `path`, retried like every read; the envelope's Data."""
        return await self._call("POST", path, json=dict(body))

    async def post_for_file(
        self, path: str, body: Mapping[str, Any], sink: Sink, *, limit: int
    ) -> int:
        """POST `body` to `path` and stream a binary answer into `sink` (rewound and emptied
        before each attempt). Returns the HTTP status: 200 with the file written, or 201 when
        the service delivered it elsewhere (an UploadUrl). Retried like every read on 429,
        5xx and transport errors, including a stream cut short."""
        attempts = self._retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            sink.seek(0)
            sink.truncate()
            try:
                self.requests_sent += 1
                async with self._http.stream("POST", path, json=dict(body)) as response:
                    if response.status_code in RETRY_STATUSES and not last:
                        await response.aread()
                        retry_after = response.headers.get("retry-after")
                        why = f"HTTP {response.status_code}"
                    elif response.status_code == 200 and not _is_json(response):
                        await _copy(response, sink, limit, path)
                        return 200
                    else:
                        whole = await _read_capped(response, path)
                        try:
                            _unwrap(whole, "POST", path)
                        except ApiError as error:
                            raise _scrubbed(error, self._key) from None
                        if response.status_code in (200, 201):
                            return response.status_code
                        raise ServiceError(
                            f"unexpected answer HTTP {response.status_code}",
                            method="POST",
                            path=path,
                            status=response.status_code,
                        )
            except httpx.TransportError as exc:
                if last:
                    raise TransportError(
                        _transport_message(exc, self.base_url), method="POST", path=path
                    ) from None
                retry_after, why = None, type(exc).__name__
            await self._pause(attempt, retry_after, why)
        raise AssertionError("unreachable")  # pragma: no cover

    async def limited(self, job: Callable[[], Awaitable[T]]) -> T:
        """Run one job within the `parallelism` bound."""
        async with self._limit:
            return await job()

    async def bounded(self, jobs: Iterable[Callable[[], Awaitable[T]]]) -> list[T | BaseException]:
        """Run jobs with at most `parallelism` in flight; results (or errors) in order."""

        return list(await asyncio.gather(*(self.limited(j) for j in jobs), return_exceptions=True))

    def cap_parallelism(self, limit: int) -> None:
        """At most `limit` requests in flight (the account's MaxConcurrentConnections); call it
        before any work starts."""
        if 0 < limit < self.parallelism:
            self.parallelism = limit
            self._limit = asyncio.Semaphore(limit)

    # -- transport ---------------------------------------------------------------------------

    async def _call_any(
        self, method: str, paths: tuple[str, ...], **kwargs: Any
    ) -> tuple[str, Any]:
        """Call the first of `paths` that exists (the current one, then older ones on 404 or
        405); remembers which one answered. Returns (path, data)."""
        first = self._older.get(paths, 0)
        for index in range(first, len(paths)):
            try:
                data = await self._call(method, paths[index], **kwargs)
            except ApiError as error:
                if error.status not in GONE or index == len(paths) - 1:
                    raise
                log.info(
                    "%s %s answered %s; trying %s",
                    method,
                    paths[index],
                    error.status,
                    paths[index + 1],
                )
                continue
            self._older[paths] = index
            return paths[index], data
        raise AssertionError("unreachable")  # pragma: no cover

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        retry: bool = True,
    ) -> Any:
        """The answer's Data; the right ApiError when it is an error."""
        response = await self._respond(method, path, params=params, json=json, retry=retry)
        return self._unwrapped(response, method, path)

    def _unwrapped(self, response: httpx.Response, method: str, path: str) -> Any:
        try:
            return _unwrap(response, method, path)
        except ApiError as error:
            raise _scrubbed(error, self._key) from None

    async def _respond(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        retry: bool = True,
    ) -> httpx.Response:
        """The last answer, read whole (at most MAX_ANSWER_BYTES), after retrying what may be
        retried."""
        response, body = await self._fetch(
            method, path, params=params, json=json, retry=retry, limit=MAX_ANSWER_BYTES
        )
        return _whole(response, body)

    async def _fetch(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        retry: bool = True,
        limit: int,
    ) -> tuple[httpx.Response, bytearray]:
        """The last answer and its body, read as it arrives (at most `limit` bytes: an answer
        is untrusted input), after retrying what may be retried."""
        attempts = self._retries + 1 if retry else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                self.requests_sent += 1
                started = time.monotonic()
                async with self._http.stream(method, path, params=params, json=json) as response:
                    body = bytearray()
                    async for piece in response.aiter_bytes():
                        body += piece
                        if len(body) > limit:
                            raise TransportError(
                                f"the answer is larger than {limit >> 20} MB; stopped",
                                method=method,
                                path=path,
                            )
                log.debug(
                    "%s %s -> %s in %.0f ms",
                    method,
                    path,
                    response.status_code,
                    (time.monotonic() - started) * 1000,
                )
            except httpx.TransportError as exc:
                log.debug("%s %s -> %s", method, path, type(exc).__name__)
                if last:
                    raise TransportError(
                        _transport_message(exc, self.base_url), method=method, path=path
                    ) from None
                await self._pause(attempt, None, f"{type(exc).__name__}")
                continue
            if response.status_code in RETRY_STATUSES and not last:
                await self._pause(
                    attempt, response.headers.get("retry-after"), f"HTTP {response.status_code}"
                )
                continue
            return response, body
        raise AssertionError("unreachable")  # pragma: no cover

    async def _pause(self, attempt: int, retry_after: str | None, why: str) -> None:
        delay = _retry_after_seconds(retry_after)
        if delay is None:
            ceiling = min(self._max_backoff, self._backoff * (2**attempt))
            delay = random.uniform(ceiling / 2, ceiling)
        log.info("retrying after %s in %.2fs", why, delay)
        report(f"{self.base_url}: {why}; retrying in {delay:.1f} s")
        await self._sleep(delay)


M = TypeVar("M", bound=BaseModel)


def _read(model: type[M], data: Any, method: str, path: str) -> M:
    """The answer as `model`; TransportError when it cannot be read (no usable answer)."""
    try:
        return model.model_validate(data)
    except (ValidationError, ValueError, TypeError, RecursionError) as exc:
        where = ""
        if isinstance(exc, ValidationError) and exc.errors():
            first = exc.errors()[0]
            where = " at " + ".".join(str(p) for p in first["loc"])[:80]
        raise TransportError(
            f"the service's answer cannot be read{where}", method=method, path=path
        ) from None


def _itself(order: TaskOrder) -> TaskOrder:
    return order


READ_STEP = 500
"""Orders read between two hand-backs to the event loop."""


def _read_list(model: type[M], data: Any, method: str, path: str) -> list[M]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise TransportError("the service's answer is not a list", method=method, path=path)
    out = []
    for index, item in enumerate(data):
        out.append(_read(model, item, method, path))
        data[index] = None  # each answer's dicts go as soon as its model is made
    return out


def _scrubbed(error: ApiError, key: str) -> ApiError:
    """The error without the key, should the service echo it, and of a sane length."""
    message = error.message.replace(key, "***") if len(key) >= 8 else error.message
    if len(message) > 500:
        message = message[:497] + "..."
    if message != error.message:
        error.message = message
        error.args = (error._describe(),)
    return error


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _ci(mapping: Mapping[str, Any], key: str) -> Any:
    for k, v in mapping.items():
        if str(k).lower() == key:
            return v
    return None


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if parsed is None:
            return None
        seconds = parsed.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def _transport_message(exc: httpx.TransportError, url: str) -> str:
    cause = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer from {url} in time (timeout)"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{url} closed the connection before a complete response"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to {url} ({cause})"
    return f"network error talking to {url}: {type(exc).__name__}"


MAX_ERROR_BYTES = 1024 * 1024
"""The most of an error answer read (a JSON envelope is a few hundred bytes)."""
MAX_ANSWER_BYTES = 32 * 1024 * 1024
"""The most of any other answer read (an estimate or a tile search is kilobytes)."""
MAX_LIST_BYTES = 1024 * 1024 * 1024
"""The most of a list of orders read: about 1.2 million orders."""


def _whole(response: httpx.Response, body: bytes | bytearray) -> httpx.Response:
    """A streamed answer with its body, as if read whole. The body is already decoded: the
    answer's Content-Encoding no longer applies to it."""
    headers = httpx.Headers(response.headers)
    for name in ("content-encoding", "content-length"):
        headers.pop(name, None)
    return httpx.Response(
        response.status_code, headers=headers, content=bytes(body), request=response.request
    )


def _is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "").lower()


async def _read_capped(response: httpx.Response, path: str) -> httpx.Response:
    """A non-file answer read whole, when it is at most MAX_ERROR_BYTES."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_ERROR_BYTES:
            raise TransportError(
                f"the answer is over {MAX_ERROR_BYTES // 1024} KB and not a file",
                method="POST",
                path=path,
            )
    return _whole(response, body)


async def _copy(response: httpx.Response, sink: Sink, limit: int, path: str) -> None:
    """Stream the file into `sink`, at most `limit` bytes."""
    written = 0
    async for chunk in response.aiter_bytes(1 << 20):
        written += len(chunk)
        if written > limit:
            raise TransportError(
                f"the file is larger than {limit // (1 << 20)} MB; stopped",
                method="POST",
                path=path,
            )
        sink.write(chunk)


def _unwrap(response: httpx.Response, method: str, path: str) -> Any:
    """The envelope's Data, or the right ApiError for the answer."""
    try:
        envelope = response.json()
    except ValueError:
        envelope = None
    data = error = None
    succeeded = response.is_success
    if isinstance(envelope, dict) and _is_problem(envelope) and not response.is_success:
        raise _problem(envelope, response, method, path)
    if isinstance(envelope, dict):
        data = _ci(envelope, "data")
        error = _ci(envelope, "error")
        flag = _ci(envelope, "succeeded")
        if flag is not None:
            succeeded = bool(flag) and response.is_success
    elif response.is_success:
        data = envelope
    if succeeded:
        return data
    message, code = _error_fields(error, response)
    kwargs: dict[str, Any] = {
        "method": method,
        "path": path,
        "status": response.status_code,
        "code": code,
    }
    status = response.status_code
    if status in (401, 403):
        raise AuthError(message or "the API key was rejected", **kwargs)
    if status == 404:
        raise NotFoundError(message or "not found", **kwargs)
    if status == 429:
        raise RateLimitedError(message or "too many requests; try again later", **kwargs)
    if status >= 500:
        raise ServerError(message or "the service failed", **kwargs)
    error_class = SERVICE_ERRORS.get(code or 0, ServiceError)
    if error_class is ValidationFailedError or (isinstance(data, dict) and _is_field_map(data)):
        fields = data if isinstance(data, dict) and _is_field_map(data) else {}
        raise ValidationFailedError(message or "the request is invalid", fields=fields, **kwargs)
    raise error_class(message or f"the service refused the request (HTTP {status})", **kwargs)


def _error_fields(error: Any, response: httpx.Response) -> tuple[str, int | None]:
    if isinstance(error, dict):
        message = _ci(error, "message")
        code = _ci(error, "code")
        return (
            str(message) if message else "",
            _code(code),
        )
    if isinstance(error, str):
        return error, None
    return (response.reason_phrase or "", None)


def _code(code: Any) -> int | None:
    """The service's error code, when it is a sane integer."""
    if isinstance(code, bool):
        return None
    text = str(code) if isinstance(code, int | str) else ""
    if not text.lstrip("-").isdigit() or len(text) > 9:
        return None
    return int(text)


def _is_problem(envelope: Mapping[str, Any]) -> bool:
    """The framework's problem details (RFC 7807): title, status, errors, traceId."""
    return _ci(envelope, "succeeded") is None and (
        _ci(envelope, "title") is not None or _ci(envelope, "errors") is not None
    )


def _problem(
    envelope: Mapping[str, Any], response: httpx.Response, method: str, path: str
) -> ApiError:
    title = str(_ci(envelope, "title") or _ci(envelope, "detail") or "the request is invalid")
    errors = _ci(envelope, "errors")
    fields = (
        {
            str(k): [str(m) for m in v] if isinstance(v, list) else [str(v)]
            for k, v in errors.items()
        }
        if isinstance(errors, dict)
        else {}
    )
    status = response.status_code
    if status in (401, 403):
        return AuthError(title, method=method, path=path, status=status)
    if status == 404:
        return NotFoundError(title, method=method, path=path, status=status)
    if status >= 500:
        return ServerError(title, method=method, path=path, status=status)
    if status == 429:
        return RateLimitedError(title, method=method, path=path, status=status)
    return ValidationFailedError(
        title.rstrip("."), fields=fields, method=method, path=path, status=status
    )


def _is_field_map(data: Mapping[str, Any]) -> bool:
    return bool(data) and all(
        isinstance(v, list) and all(isinstance(m, str) for m in v) for v in data.values()
    )


__all__ = ["DEFAULT_URL", "ClearskyClient", "check_base_url"]
