"""The sandbox service: the service's paths, envelopes, auth, errors and quirks, in two dialects.

- current (the default): the service as its docs and official client show it today. Create and
  estimate at /api/tasking/orders[/estimate]; estimates with CurrentMonthCosts and
  RecurringCostsEstimate (TotalCostEuro); GET /api/account/info; models with Optional flags;
  order details; tiles as {Guid, MiniTile, Epsg: "326xx", DataGeogWkt}; geometries it refuses
  answered as the framework's problem details (title, errors, traceId).
- page: the older endpoint page. Create and estimate under /api/satelliteimages/process/;
  estimates with CurrentMonthCost, NextMonthCost and Costs; /api/apikey/info; statuses in the
  older words (Initialize, Working, Ongoing, Done); tiles as {tileGuid, epsg} + miniTiles;
  every refusal as a 992/993 envelope with per-field messages.

Orders and estimates answer in PascalCase envelopes; available dates in camelCase, as the real
service does. Geometry is stored and returned rewritten: a GEOMETRYCOLLECTION with coordinates
rounded to 6 decimals.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reconciler.domain.geometry import GeometryProblem, parse_geojson, parse_wkt, service_wkt
from reconciler.sandbox import catalog, ledger, lifecycle
from reconciler.sandbox.clock import Clock
from reconciler.sandbox.faults import DroppedResponse, Faults
from reconciler.sandbox.imagery import NotProduced
from reconciler.sandbox.pricing import (
    CURRENCY,
    Quote,
    image_dates,
    month_start,
    next_cycle,
    quote,
)
from reconciler.sandbox.store import Store, StoredOrder, new_guid
from reconciler.sandbox.tiles import TileRef, cheapest_cover, parse_guid, tiles_for
from reconciler.sandbox.validation import Invalid, OrderInput, lowered, parse_order, product_of

Handler = Callable[[Request, str], Awaitable[Response]]
GEOMETRY_FIELDS = frozenset({"wkt", "geojson"})


class Dialect(StrEnum):
    CURRENT = "current"
    PAGE = "page"


def pascal(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse({"Data": data, "Succeeded": True, "Error": None}, status_code=status)


def camel(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse({"succeeded": True, "error": None, "data": data}, status_code=status)


def problem(title: str, errors: dict[str, list[str]]) -> JSONResponse:
    """The framework's problem details, as ASP.NET answers a 400 before the service's code."""
    return JSONResponse(
        {
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": title,
            "status": 400,
            "errors": errors,
            "traceId": "00-" + hashlib.sha256(json.dumps(errors).encode()).hexdigest()[:32] + "-00",
        },
        status_code=400,
        media_type="application/problem+json",
    )


def failure(
    status: int, message: str, code: int, data: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"Data": data, "Succeeded": False, "Error": {"Message": message, "Code": code}},
        status_code=status,
        headers=headers,
    )


@dataclass
class Sandbox:
    """The simulated service: its data, its clock and its faults."""

    store: Store = field(default_factory=Store)
    clock: Clock = field(default_factory=Clock)
    faults: Faults = field(default_factory=Faults)
    review: timedelta = lifecycle.REVIEW
    dialect: Dialect = Dialect.CURRENT
    max_concurrent_connections: int = 8
    admin_key: str | None = field(default=None, repr=False)
    """The key of the /_sandbox/ controls (clock, faults, injected orders); none: disabled."""
    credits_used: dict[str, float] = field(default_factory=dict)
    """Processing credits each account's downloads used (by account id)."""
    _cycles: dict[tuple[str, date, int, int], float] = field(default_factory=dict, repr=False)
    _spending: dict[tuple[str, date, int], float] = field(default_factory=dict, repr=False)

    credits: float | None = None
    """Order credits (EUR) every account added gets; None: no limit."""
    overdraft: float = 0.0
    """EuroOverdraftLimit: how far below zero the credits may go."""

    def add_account(
        self,
        api_key: str,
        name: str = "",
        *,
        skip_review: bool = False,
        credits: float | None = None,
    ) -> str:
        given = self.credits if credits is None else credits
        return self.store.add_account(api_key, name, skip_review=skip_review, credits=given)

    def app(self) -> Starlette:
        from reconciler.sandbox.imagery_api import ImageryApi

        api = self._api
        routes = [
            Route("/api/tasking/orders", api(self.list_orders), methods=["GET"]),
            Route("/api/tasking/orders/cancel", api(self.cancel_order), methods=["DELETE"]),
            Route("/api/tasking/models", api(self.models), methods=["GET"]),
            Route("/api/tasking/search/tiles", api(self.search_tiles), methods=["POST"]),
            Route("/api/tasking/tile/optimize", api(self.optimize_tiles), methods=["POST"]),
            Route(
                "/api/satelliteimages/search/available", api(self.available_dates), methods=["POST"]
            ),
            Route(
                "/api/satelliteimages/process/composite/available",
                api(self.availability),
                methods=["POST"],
            ),
            *self._dialect_routes(),
            *ImageryApi(self).routes(api),
            Route("/_sandbox/health", self.health, methods=["GET"]),
            Route(
                "/_sandbox/clock",
                api(self.clock_control, faults=False, admin=True),
                methods=["GET", "POST"],
            ),
            Route(
                "/_sandbox/faults",
                api(self.fault_control, faults=False, admin=True),
                methods=["GET", "POST"],
            ),
            Route(
                "/_sandbox/orders",
                api(self.inject_order, faults=False, admin=True),
                methods=["POST"],
            ),
        ]
        return Starlette(routes=routes)

    def _dialect_routes(self) -> list[Route]:
        api = self._api
        if self.dialect == Dialect.PAGE:
            old = "/api/satelliteimages/process/tasking/orders"
            return [
                Route(old, api(self.create_order), methods=["POST"]),
                Route(f"{old}/estimate", api(self.estimate), methods=["POST"]),
                Route("/api/apikey/info", api(self.account_info), methods=["GET"]),
            ]
        return [
            Route("/api/tasking/orders", api(self.create_order), methods=["POST"]),
            Route("/api/tasking/orders/estimate", api(self.estimate), methods=["POST"]),
            Route("/api/tasking/orders/details", api(self.details), methods=["GET", "POST"]),
            Route("/api/account/info", api(self.account_info), methods=["GET"]),
        ]

    def _api(
        self, handler: Handler, *, faults: bool = True, admin: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if admin and not self._is_admin(request):
                return failure(403, "The sandbox's controls need its admin key.", 403)
            if not faults:
                return await answer(request)
            came = await self.faults.on_the_way()
            response = await answer(request)
            await self.faults.on_the_way_back(came)
            return response

        async def answer(request: Request) -> Response:
            key = request.headers.get("x-api-key")
            account = self.store.account(key) if key else None
            if account is None:
                return failure(
                    401, "Missing or invalid API key." if key else "Missing API key.", 401
                )
            trouble = self.faults.failure(request.method, request.url.path) if faults else None
            if trouble is not None:
                return self._fault(trouble)
            try:
                return await handler(request, account[0])
            except Invalid as invalid:
                return self._refusal(invalid)
            except NotProduced as fault:  # the service's own failure, never "malformed"
                return failure(500, str(fault), 500)
            except (ValueError, TypeError, KeyError, OverflowError, RecursionError):
                return failure(400, "Malformed request.", 992)

        return endpoint

    def _is_admin(self, request: Request) -> bool:
        given = request.headers.get("x-admin-key", "")
        return bool(self.admin_key) and hmac.compare_digest(given, self.admin_key or "")

    def _refusal(self, invalid: Invalid) -> Response:
        """A refused request: in the current dialect a geometry the service cannot read is
        refused by the framework (problem details); the rest by the service (its codes)."""
        fields = invalid.fields or {}
        if self.dialect == Dialect.CURRENT and {f.lower() for f in fields} & GEOMETRY_FIELDS:
            return problem("One or more validation errors occurred.", fields)
        return failure(400, invalid.message, invalid.code, fields or None)

    def _fault(self, trouble: str) -> Response:
        """The answer for an injected fault: 503 (an outage says when to retry) or 429."""
        retry = {"Retry-After": f"{self.faults.retry_after_s:g}"}
        if trouble == "rate-limit":
            return failure(429, "Too many requests.", 429, headers=retry)
        return failure(
            503,
            "Service temporarily unavailable.",
            503,
            headers=retry if trouble == "outage" else None,
        )

    async def health(self, request: Request) -> Response:
        return JSONResponse({"ok": True, "now": self.clock.now().isoformat()})

    # -- orders ------------------------------------------------------------------------------

    async def list_orders(self, request: Request, account: str) -> Response:
        now = self.clock.now()
        recurring_only = _flag(request.query_params.get("recurringOnly"))
        expired = _flag(request.query_params.get("getExpired"))
        out = []
        for order in self.store.orders(account):
            state = lifecycle.status(order, now)
            if state in lifecycle.EXPIRED and not expired:
                continue
            if recurring_only and order.to_date is not None:
                continue
            out.append(self._order_json(order, state))
        return pascal({"TaskOrders": out})

    async def details(self, request: Request, account: str) -> Response:
        if request.method == "POST":
            wanted = lowered(await _json(request)).get("guids") or []
        else:
            wanted = request.query_params.getlist("guids")
        now = self.clock.now()
        found = [self.store.get(account, str(g)) for g in wanted if isinstance(g, str)]
        out = [self._order_json(o, lifecycle.status(o, now)) for o in found if o is not None]
        return pascal({"TaskOrders": out})

    async def account_info(self, request: Request, account: str) -> Response:
        limits = {
            "MaxConcurrentConnections": self.max_concurrent_connections,
            "MaxCompositeAreaKm2": 10_000,
            "MaxTotalBands": 20,
        }
        credits = self.store.credits(account)
        left = None
        if credits is not None:
            left = ledger.balance(credits, self.store.orders(account), self.clock.now(), _product)
        if self.dialect == Dialect.PAGE:  # the older answer: no tenant, a masked key
            amount = {"CreditAmount": left} if left is not None else {}
            return pascal({"Key": "********", **amount, **limits})
        # A tenant id of its own: the account id is a digest of the key, never shown.
        tenant = "tenant-" + hashlib.sha256(f"tenant:{account}".encode()).hexdigest()[:12]
        money = {"EuroOverdraftLimit": self.overdraft, "EuroBalanceCap": 0}
        if left is not None:
            money["EuroCreditAmount"] = left
        return pascal({"TenantId": tenant, **money, **limits})

    async def estimate(self, request: Request, account: str) -> Response:
        order = parse_order(await _json(request), self.clock.now().date())
        q = self._quote(order, account, order.simulated_usage)
        common = {
            "StorageMonths": order.storage_months,
            "ApiRequests": order.api_requests,
            "SatelliteConstellations": order.constellations,
            "Model": order.model,
            "CancellationDate": q.cancellation_date.isoformat(),
            "AreaKm2": q.area_km2,
            "AreaKm2BeforeMinimum1Km2PerAoi": q.raw_area_km2,
            "Tiles": [t.guid for t in order.tiles],
            "MiniTiles": [t.guid for t in order.mini_tiles],
            "AreasOfInterestWkt": service_wkt(order.geometry) if order.geometry else None,
            "ImageDates": [d.isoformat() for d in q.image_dates],
        }
        if self.dialect == Dialect.PAGE:
            return pascal({**common, **_page_costs(q)})
        return pascal({**common, **_current_costs(q)})

    def _quote(
        self, order: OrderInput, account: str, usage: float = 0.0, *, cycle_too: bool = True
    ) -> Quote:
        """What `order` costs if made now: its charge at creation from this month's spend
        (plus `usage`, SimulatedEuroUsage), and (`cycle_too`) its next cycle from that
        month's."""
        now = self.clock.now()
        cycle = next_cycle(order.start, order.end, now.date()) if cycle_too else None
        this_month = self._spent(account, month_start(now.date()), now) + usage
        return quote(
            product=order.product,
            raw_km2=order.raw_km2,
            reference=order.reference_date,
            every_days=order.image_frequency,
            start=order.start,
            end=order.end,
            storage_months=order.storage_months,
            today=now.date(),
            spent=(this_month, self._spent(account, cycle, now) if cycle else 0.0),
        )

    async def create_order(self, request: Request, account: str) -> Response:
        now = self.clock.now()
        order = parse_order(await _json(request), now.date())
        q = self._quote(order, account, cycle_too=False)  # what creating it charges
        credits = self.store.credits(account)
        if credits is not None:
            left = ledger.balance(credits, self.store.orders(account), now, _product)
            if q.current_month_cost > left + self.overdraft:
                return failure(
                    400,
                    f"Not enough credits: the order costs {q.current_month_cost:.2f} EUR and "
                    f"the account has {left:.2f} EUR.",
                    994,
                )
        skip_review = bool(self.store.account_skips_review(account))
        stored = self._stored(order, account, now, skip_review)
        stored = replace(stored, charged=q.current_month_cost, covered_to=q.covered[-1])
        self.store.insert(stored)
        if self.faults.drop_this_create():
            return DroppedResponse()
        return pascal(self._order_json(stored, lifecycle.status(stored, now)))

    def _spent(self, account: str, month: date, now: datetime) -> float:
        """What the account was charged in `month` (its cycles, then its creations up to
        `now`); for a month to come, the cycles it will be charged on its 1st."""
        known = self._spending.get((account, month, self.store.revision))
        if known is not None:  # estimates ask again and again while nothing is written
            return known
        orders = self.store.orders(account)
        start = ledger.first_moment(month)
        # a month's cycles change only with the orders made before it, or a cancel
        made_before = sum(1 for o in orders if o.created_at < start)
        key = (account, month, made_before, self.store.updates)
        cycles = self._cycles.get(key)
        if cycles is None:
            cycles = ledger.cycles_in(orders, month, _product)
            if len(self._cycles) > 1024:
                self._cycles.clear()
            self._cycles[key] = cycles
        spent = cycles + ledger.made_in(orders, month, now)
        if len(self._spending) > 1024:
            self._spending.clear()
        self._spending[(account, month, self.store.revision)] = spent
        return spent

    def _stored(
        self,
        order: OrderInput,
        account: str,
        now: datetime,
        skip_review: bool,
        automatic: bool = False,
    ) -> StoredOrder:
        return StoredOrder(
            guid=new_guid(),
            account=account,
            created_at=now,
            accepted_at=now if skip_review else now + self.review,
            canceled_at=None,
            model=order.model,
            constellations=order.constellations,
            image_frequency=order.image_frequency,
            reference_date=order.reference_date,
            from_date=order.start,
            to_date=order.end,
            storage_months=order.storage_months,
            api_requests=order.api_requests,
            wkt=service_wkt(order.geometry) if order.geometry is not None else None,
            tiles=[t.guid for t in order.tiles],
            mini_tiles=[t.guid for t in order.mini_tiles],
            area_km2=round(order.billed_km2, 2),
            is_automatic=automatic,
        )

    async def cancel_order(self, request: Request, account: str) -> Response:
        guid = request.query_params.get("taskOrderGuid") or ""
        order = self.store.get(account, guid) if guid else None
        if order is None:  # another account's order is as unknown as a missing one
            return failure(404, f"Task order '{guid}' was not found.", 404)
        try:
            changes = lifecycle.cancel(order, self.clock.now())
        except lifecycle.CancelRefused as refused:
            raise Invalid({"taskOrderGuid": [str(refused)]}, message=str(refused)) from None
        self.store.update(order, **changes)
        return pascal(None)

    def _order_json(self, order: StoredOrder, state: str) -> dict[str, Any]:
        if self.dialect == Dialect.PAGE:
            state = lifecycle.PAGE_WORDS.get(state, state)
        return {
            "TaskOrderGuid": order.guid,
            "BillingCycle": "Monthly",
            "OrderingProcessStatus": state,
            "StorageMonths": order.storage_months,
            "ApiRequests": order.api_requests,
            "TaskOrderAreaKm2": order.area_km2,
            "SatelliteConstellations": order.constellations,
            "Model": order.model,
            "ImageFrequency": order.image_frequency,
            "ReferenceDate": order.reference_date.isoformat(),
            "From": order.from_date.isoformat(),
            "To": order.to_date.isoformat() if order.to_date else None,
            "Tiles": order.tiles,
            "MiniTiles": order.mini_tiles,
            "Wkt": order.wkt,
            "CreatedDate": order.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "IsAutomaticOrder": order.is_automatic,
        }

    async def models(self, request: Request, account: str) -> Response:
        if self.dialect == Dialect.PAGE:
            return pascal(
                [
                    {
                        "Model": m.name,
                        "SatelliteConstellations": sorted(m.allowed),
                        "RequiredSatelliteConstellations": sorted(m.required),
                    }
                    for m in catalog.MODELS
                ]
            )
        return pascal(
            {
                "TaskingModels": [
                    {
                        "Model": m.name,
                        "SupportedSatelliteConstellations": [
                            {"SatelliteConstellation": c, "Optional": c in m.optional}
                            for c in sorted(m.allowed)
                        ],
                    }
                    for m in catalog.MODELS
                ]
            }
        )

    # -- tiles and imagery -------------------------------------------------------------------

    async def search_tiles(self, request: Request, account: str) -> Response:
        b = lowered(await _json(request))
        if b.get("tileguidforminitiles"):
            ref = parse_guid(str(b["tileguidforminitiles"]))
            if ref is None or ref.is_mini:
                raise Invalid({"tileGuidForMiniTiles": ["Unknown tile GUID."]})
            return self._tiles([], ref.minitiles())
        guids = b.get("tileguids") or b.get("minitileguids")
        if guids:
            refs = [parse_guid(str(g)) for g in guids]
            if any(r is None for r in refs):
                raise Invalid({"tileGuids": ["Unknown tile GUID."]})
            return self._tiles([r for r in refs if r], [])
        geometry = _geometry(b)
        try:
            found = list(tiles_for(geometry))
        except ValueError:
            raise Invalid({}, code=1004, message="Area limit exceeded: too many tiles.") from None
        return self._tiles(found, [])

    async def optimize_tiles(self, request: Request, account: str) -> Response:
        """A cost-focused tile and minitile cover of the area (the vendor: best effort)."""
        geometry = _geometry(lowered(await _json(request)))
        try:
            tiles, minis = cheapest_cover(geometry)
        except ValueError:
            raise Invalid({}, code=1004, message="Area limit exceeded: too many tiles.") from None
        return pascal({"Tiles": [t.guid for t in tiles], "MiniTiles": [m.guid for m in minis]})

    def _tiles(self, tiles: list[TileRef], minis: list[TileRef]) -> Response:
        if self.dialect == Dialect.PAGE:
            return camel(
                {"tiles": [_tile_json(r) for r in tiles], "miniTiles": [m.guid for m in minis]}
            )
        return pascal({"Tiles": [_current_tile_json(r) for r in (*tiles, *minis)]})

    async def available_dates(self, request: Request, account: str) -> Response:
        b = lowered(await _json(request))
        geometry = _geometry(b)
        start = _day(b.get("from"), "From")
        until = _day(b.get("until"), "Until")
        today = self.clock.now().date()
        groups: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
        for order, order_geometry in self._accepted_orders(account):
            if order_geometry is None or not order_geometry.intersects(geometry):
                continue
            last = min(until, today, order.to_date or until)
            dates = image_dates(
                order.reference_date, order.image_frequency, max(start, order.from_date), last
            )
            dates = [d for d in dates if not self.faults.missed(order.guid, d)]
            if dates:
                key = (order.model, tuple(order.constellations))
                groups.setdefault(key, []).append(
                    {"wkt": service_wkt(order_geometry), "dates": [d.isoformat() for d in dates]}
                )
        return camel(
            {
                "modelImageDates": [
                    {"model": model, "satelliteConstellations": list(consts), "datesByGeog": geogs}
                    for (model, consts), geogs in groups.items()
                ]
            }
        )

    async def availability(self, request: Request, account: str) -> Response:
        b = lowered(await _json(request))
        geometry = _geometry(b)
        day = _day(b.get("date"), "Date")
        model = str(b.get("model") or "")
        constellations = {str(c).lower() for c in b.get("satelliteconstellations") or []}
        today = self.clock.now().date()
        touching, on_cadence, covering = [], [], []
        for order, order_geometry in self._accepted_orders(account):
            if order_geometry is None or not order_geometry.intersects(geometry):
                continue
            if order.model != model or {c.lower() for c in order.constellations} != constellations:
                continue
            if not order.from_date <= day <= (order.to_date or day):
                continue
            touching.append(order_geometry)
            delivered = not self.faults.missed(order.guid, day)
            if (
                (day - order.reference_date).days % order.image_frequency == 0
                and day <= today
                and delivered
            ):
                on_cadence.append(order_geometry)
                if order_geometry.covers(geometry):
                    covering.append(order_geometry)
        full = bool(covering)
        return camel(
            {
                "intersectedActiveZones": bool(touching),
                "intersectedActiveZonesUtmEpsg": bool(touching),
                "fullyAvailable": full,
                "uncertaintyAvailable": full,
                "partiallyAvailable": bool(on_cadence) and not full,
                "partiallyUncertaintyAvailable": bool(on_cadence) and not full,
                "polygonInDataArea": bool(touching),
                "dataAvailableForUser": bool(touching),
                "dataOnZoneDataFrequencyDate": bool(on_cadence),
                "allImagesPredicted": full,
                "anyImageWithinStorageMonths": bool(on_cadence),
                "ordersCoverPolygon": full,
            }
        )

    def _accepted_orders(self, account: str) -> list[tuple[StoredOrder, Any]]:
        now = self.clock.now()
        out = []
        for order in self.store.orders(account):
            if lifecycle.status(order, now) in ("Review", "Canceled"):
                continue
            out.append((order, _order_geometry(order)))
        return out

    # -- sandbox controls --------------------------------------------------------------------

    async def clock_control(self, request: Request, account: str) -> Response:
        if request.method == "POST":
            b = lowered(await _json(request))
            if b.get("now"):
                self.clock.set(datetime.fromisoformat(str(b["now"]).replace("Z", "+00:00")))
            if b.get("advanceseconds"):
                self.clock.advance(timedelta(seconds=float(b["advanceseconds"])))
            if b.get("release"):
                self.clock.release()
        return JSONResponse({"now": self.clock.now().isoformat()})

    async def fault_control(self, request: Request, account: str) -> Response:
        if request.method == "POST":
            try:
                self.faults.update(**(await _json(request)))
            except (ValueError, TypeError) as exc:
                raise Invalid({"faults": [str(exc)]}) from None
        return JSONResponse(self.faults.as_dict())

    async def inject_order(self, request: Request, account: str) -> Response:
        """Add an order as the service itself would (IsAutomaticOrder), or as another tool."""
        body = await _json(request)
        now = self.clock.now()
        order = parse_order(body, now.date())
        automatic = bool(lowered(body).get("isautomaticorder"))
        stored = self.store.insert(self._stored(order, account, now, True, automatic))
        return pascal(self._order_json(stored, lifecycle.status(stored, now)))


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes")


MAX_BODY = 16 * 1024 * 1024
"""Bytes a request body may have: above the largest AOI a manifest may give (250,000
vertices, about 6 MB of WKT)."""


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise Invalid({"": ["The request body is too large."]}, code=992, message="Too large.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise Invalid({"": ["The request body is too large."]}, code=992, message="Too large.")
        chunks.append(chunk)
    return b"".join(chunks)


async def _json(request: Request) -> Any:
    try:
        body = json.loads(await _body(request) or b"null")
    except (ValueError, RecursionError):
        raise Invalid(
            {"": ["The request body is not valid JSON."]}, code=992, message="Malformed request."
        ) from None
    if not isinstance(body, dict):
        raise Invalid(
            {"": ["The request body must be a JSON object."]},
            code=992,
            message="Malformed request.",
        )
    return body


def _geometry(b: dict[str, Any]) -> Any:
    try:
        if b.get("wkt"):
            return parse_wkt(str(b["wkt"]))
        if b.get("geojson"):
            return parse_geojson(b["geojson"])
    except GeometryProblem as problem:
        raise Invalid(
            {"wkt" if b.get("wkt") else "geoJson": [f"Invalid geometry: {problem}"]}
        ) from None
    raise Invalid({"wkt": ["Supply a WKT or a GeoJSON geometry."]})


def _day(value: Any, field_name: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Invalid({field_name: [f"{field_name} is not a valid date."]}) from None


def _tile_json(ref: TileRef) -> dict[str, Any]:
    polygon = ref.lonlat()
    return {
        "tileGuid": ref.guid,
        "epsg": ref.epsg,
        "dataGeogWkt": str(polygon.wkt) if polygon is not None else None,
    }


def _current_tile_json(ref: TileRef) -> dict[str, Any]:
    polygon = ref.lonlat()
    return {
        "Guid": ref.guid,
        "MiniTile": ref.is_mini,
        "Epsg": str(ref.epsg),
        "DataGeogWkt": str(polygon.wkt) if polygon is not None else None,
    }


def _page_costs(q: Quote) -> dict[str, Any]:
    """The endpoint page's cost fields (a bounded order's next month costs nothing)."""
    return {
        "CurrentMonthCost": q.current_month_cost,
        "NextMonthCost": q.next_month_cost or 0.0,
        "Costs": {
            "CurrencyCode": CURRENCY,
            "CurrentMonthOrderCostEstimate": q.current_month_order,
            "CurrentMonthStorageCosts": q.current_month_storage,
            "NextMonthOrderCostEstimate": q.next_month_order or 0.0,
            "NextMonthStorageCosts": q.next_month_storage or 0.0,
        },
        "UsageUnits": {
            "CurrentMonthOrderUsageUnitsEstimate": round(q.current_month_order * 10, 2),
            "NextMonthOrderUsageUnitsEstimate": round((q.next_month_order or 0.0) * 10, 2),
        },
    }


def _current_costs(q: Quote) -> dict[str, Any]:
    """The current docs' cost objects, totals as TotalCostEuro; a bounded order has no
    RecurringCostsEstimate (the official client reads it only when present)."""
    costs: dict[str, Any] = {
        "CurrentMonthCosts": {
            "CurrencyCode": CURRENCY,
            "OrderCost": round(q.current_month_order, 2),
            "StorageCost": round(q.current_month_storage, 2),
            "TotalCostEuro": q.current_month_cost,
        }
    }
    if q.next_month_order is not None:
        costs["RecurringCostsEstimate"] = {
            "CurrencyCode": CURRENCY,
            "OrderCost": round(q.next_month_order, 2),
            "StorageCost": round(q.next_month_storage or 0.0, 2),
            "TotalCostEuro": q.next_month_cost,
        }
    return costs


def _product(order: StoredOrder) -> Any:
    refs = [parse_guid(g) for g in order.tiles], [parse_guid(g) for g in order.mini_tiles]
    return product_of(
        order.model,
        order.constellations,
        order.area_km2,
        order.wkt is not None,
        [r for r in refs[0] if r is not None],
        [r for r in refs[1] if r is not None],
    )


def _order_geometry(order: StoredOrder) -> Any:
    if order.wkt:
        return parse_wkt(order.wkt)
    refs = [parse_guid(g) for g in order.tiles + order.mini_tiles]
    from shapely.geometry import MultiPolygon

    polygons = [r.lonlat() for r in refs if r is not None]
    return MultiPolygon(polygons) if polygons else None
