"""The sandbox's imagery endpoints: composite, tile and minitile downloads (returned, or PUT to
an UploadUrl), the composite credit estimate, input products and acquisition plans."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.domain.geometry import area_km2, service_wkt
from reconciler.sandbox import downloads, imagery, satellites
from reconciler.sandbox.app import _day, _geometry, _json, camel, pascal
from reconciler.sandbox.imagery import ImageryRefused
from reconciler.sandbox.tiles import MINI_M, TILE_M, TileRef, parse_guid
from reconciler.sandbox.validation import Invalid, lowered

if TYPE_CHECKING:
    from reconciler.sandbox.app import Handler, Sandbox

MAX_COMPOSITE_KM2 = 10_000
MAX_TOTAL_BANDS = 20
MAX_PIXELS = 64_000_000
ACQUISITION_DAYS_MAX = 60


class ImageryApi:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def routes(self, api: Any) -> list[Route]:
        base = "/api/satelliteimages/process"
        pairs: list[tuple[str, Handler]] = [
            (f"{base}/composite/estimate", self.estimate),
            (f"{base}/composite", self.composite),
            (f"{base}/tile", self.tile),
            (f"{base}/minitile", self.minitile),
            ("/api/satelliteproducts/satellitezones/composite", self.products),
            ("/api/satelliteproducts/acquisitionplans", self.acquisition_plans),
        ]
        return [Route(path, api(handler), methods=["POST"]) for path, handler in pairs]

    # -- downloads ---------------------------------------------------------------------------

    async def estimate(self, request: Request, account: str) -> Response:
        b = lowered(await _json(request))
        with _refusals():
            ref = _tile_ref(b)
            bands = len(imagery.band_names(str(b.get("bandnames") or "all")))
            resolution = _resolution(b)
            if ref is not None:
                area = ref.lonlat()
            else:
                area = _geometry(b)
                self._check_size(area, bands)
            km2 = area_km2(downloads.multi(area))
            pixels = km2 * 1e6 / resolution**2
            size_mb = round(pixels * bands * 2 / 1e6 / 4, 2)
            return pascal(
                {
                    "SlowTimeEstimateSeconds": round(5 + pixels / 2e5, 1),
                    "FastTimeEstimateSeconds": round(2 + pixels / 1e6, 1),
                    "AreaEstimateKm2": round(km2, 4),
                    "FileSizeEstimateMB": size_mb,
                    "CreditEstimate": downloads.credits(area, bands, resolution),
                }
            )

    async def composite(self, request: Request, account: str) -> Response:
        b = lowered(await _json(request))
        with _refusals():
            if b.get("automaticordercreation"):
                raise ImageryRefused(
                    "AutomaticOrderCreation", "The sandbox does not create orders on download."
                )
            area = _geometry(b)
            day = _day(b.get("date"), "Date")
            _level(b)
            bands = imagery.band_names(str(b.get("bandnames") or "all"))
            resolution = _resolution(b)
            epsg = int(b.get("epsgprojection") or 4326)
            data_type = _data_type(b)
            self._check_size(area, len(bands))
            contained = str(b.get("pixelselectionmode") or "").lower() == "contained"
            grid = imagery.composite_grid(area, epsg, resolution, contained=contained)
            if grid.width * grid.height > MAX_PIXELS:
                raise ImageryRefused("Resolution", "Area limit exceeded at this resolution.", 1004)
            shown = self._imaged(account, area, day, b)
            data = await asyncio.to_thread(  # a large image is drawn off the event loop
                imagery.geotiff, grid, bands, data_type, day, imagery.in_crs(shown, epsg)
            )
            self._charge(account, downloads.credits(area, len(bands), resolution))
            return await self._deliver(b, data, f"composite-{day.isoformat()}.tif")

    async def tile(self, request: Request, account: str) -> Response:
        return await self._square(request, account, mini=False)

    async def minitile(self, request: Request, account: str) -> Response:
        return await self._square(request, account, mini=True)

    async def _square(self, request: Request, account: str, *, mini: bool) -> Response:
        b = lowered(await _json(request))
        field = "MiniTileGuid" if mini else "TileGuid"
        with _refusals():
            ref = parse_guid(str(b.get(field.lower()) or ""))
            if ref is None or ref.is_mini != mini:
                raise ImageryRefused(field, f"{field} does not name a {field[:-4].lower()}.")
            day = _day(b.get("date"), "Date")
            _level(b)
            area = ref.lonlat()
            # the tile's own UTM zone (EpsgProjection 47000, automatic UTM, or that zone):
            # another projection is not drawn by the sandbox, and it says so
            epsg = int(b.get("epsgprojection") or 47000)
            if epsg not in (47000, ref.epsg):
                raise ImageryRefused(
                    "EpsgProjection",
                    f"The sandbox delivers tiles in their own UTM zone (EPSG {ref.epsg}, or "
                    "47000 for automatic UTM).",
                )
            bands = imagery.band_names(str(b.get("bandnames") or "all"))
            resolution = _resolution(b)
            data_type = _data_type(b)
            x0, y0, _, _ = ref.utm_box().bounds
            side = MINI_M if mini else TILE_M
            grid = imagery.square_grid(x0, y0, side, ref.epsg, float(resolution))
            shown = self._imaged(account, area, day, b)
            data = await asyncio.to_thread(
                imagery.geotiff, grid, bands, data_type, day, imagery.in_crs(shown, ref.epsg)
            )
            self._charge(account, downloads.credits(area, len(bands), resolution))
            return await self._deliver(b, data, f"{ref.guid}-{day.isoformat()}.tif")

    def _imaged(self, account: str, area: Any, day: date, b: dict[str, Any]) -> Any:
        if self.sandbox.faults.fail_date == day.isoformat():
            raise ImageryRefused("Date", f"No imagery for {day.isoformat()}.", code=1002)
        model = str(b.get("model") or "")
        constellations = {str(c).lower() for c in b.get("satelliteconstellations") or []}
        sandbox = self.sandbox
        found = downloads.coverage(
            sandbox._accepted_orders(account),
            area,
            day,
            model,
            constellations,
            sandbox.clock.now().date(),
            sandbox.faults.missed,
        )
        return downloads.imaged_area(found, area, day, bool(b.get("allowpartialimage")))

    def _check_size(self, area: Any, bands: int) -> None:
        if area_km2(downloads.multi(area)) > MAX_COMPOSITE_KM2:
            raise ImageryRefused(
                "Wkt", f"Area limit exceeded: at most {MAX_COMPOSITE_KM2} km2.", code=1004
            )
        if bands > MAX_TOTAL_BANDS:
            raise ImageryRefused(
                "Bandnames", f"Too many bands: at most {MAX_TOTAL_BANDS}.", code=1005
            )

    def _charge(self, account: str, amount: float) -> None:
        used = self.sandbox.credits_used
        used[account] = round(used.get(account, 0.0) + amount, 4)

    async def _deliver(self, b: dict[str, Any], data: bytes, filename: str) -> Response:
        url = b.get("uploadurl")
        if url:
            await downloads.upload(str(url), data)
            return pascal(None, status=201)
        return Response(
            data,
            media_type="image/tiff",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )

    # -- input products and acquisition plans ------------------------------------------------

    async def products(self, request: Request, account: str) -> Response:
        b = lowered(await _json(request))
        with _refusals():
            area = _geometry(b)
            day = _day(b.get("date"), "Date")
            self._imaged(account, area, day, {**b, "allowpartialimage": True})
            wanted = {str(c).lower() for c in b.get("satelliteconstellations") or []}
        found = satellites.products(area, day, wanted)
        return camel(
            {
                "satelliteProductsForComposite": [
                    {
                        "satelliteConstellation": sat.constellation,
                        "productGeogWkt": service_wkt(downloads.multi(footprint)),
                        "imageDate": f"{passed.isoformat()}T10:30:00Z",
                    }
                    for sat, passed, footprint in found
                ]
            }
        )

    async def acquisition_plans(self, request: Request, account: str) -> Response:
        b = lowered(await _json(request))
        today = self.sandbox.clock.now().date()
        area = _geometry(b)
        start = _day(b["from"], "From") if b.get("from") else today
        until = _day(b["until"], "Until") if b.get("until") else start + timedelta(days=10)
        if until < start or (until - start).days > ACQUISITION_DAYS_MAX:
            raise Invalid({"Until": [f"Give at most {ACQUISITION_DAYS_MAX} days after From."]})
        by_day: dict[date, list[dict[str, Any]]] = {}
        for day, sat, acquired, published, footprint in satellites.acquisitions(
            area, start, until, today
        ):
            by_day.setdefault(day, []).append(
                {
                    "satellite": sat.name,
                    "acquisitionStatus": acquired,
                    "publicationStatus": published,
                    "wkt": service_wkt(downloads.multi(footprint)),
                }
            )
        return camel(
            {
                "plans": [
                    {"date": f"{day.isoformat()}T00:00:00Z", "acquisitionPlans": plans}
                    for day, plans in sorted(by_day.items())
                ]
            }
        )


def _tile_ref(b: dict[str, Any]) -> TileRef | None:
    for field, mini in (("tileguid", False), ("minitileguid", True)):
        if b.get(field):
            ref = parse_guid(str(b[field]))
            if ref is None or ref.is_mini != mini:
                raise ImageryRefused(field, f"{field} does not name a known tile.")
            return ref
    return None


def _resolution(b: dict[str, Any]) -> int:
    """Metres per pixel, 10 to 1000 (0.0001 divided by zero, and a tiny one is no image)."""
    given = b.get("resolution") or 10
    if isinstance(given, bool) or not isinstance(given, int | float) or not 10 <= given <= 1000:
        raise ImageryRefused("Resolution", "Resolution must be from 10 to 1000 metres.")
    return int(given)


def _level(b: dict[str, Any]) -> str | None:
    """Nimbus's processing level (ProcessingLevel in the docs, Level in the official client):
    L1C or L2A, and only for Nimbus."""
    given = [str(b[k]).upper() for k in ("processinglevel", "level") if b.get(k) is not None]
    if not given:
        return None
    if len(set(given)) > 1 or given[0] not in ("L1C", "L2A"):
        raise ImageryRefused("ProcessingLevel", "ProcessingLevel must be L1C or L2A.")
    if str(b.get("model") or "").lower() != "nimbus":
        raise ImageryRefused("ProcessingLevel", "ProcessingLevel applies to Nimbus only.")
    return given[0]


def _data_type(b: dict[str, Any]) -> str:
    value = str(b.get("datatype") or "INT16").upper()
    if value not in imagery.NODATA:
        raise ImageryRefused("DataType", "DataType must be INT16 or UINT8.")
    return value


class _refusals:
    """Turns ImageryRefused into the sandbox's refusal (Invalid)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        if isinstance(error, ImageryRefused):
            fields = {error.field: [str(error)]} if error.code in (992, 993) else {}
            raise Invalid(fields, code=error.code, message=str(error))
