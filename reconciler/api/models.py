"""Typed requests and responses of the ClearSKY API.

Requests use the service's field names exactly (PascalCase for orders and estimates, camelCase
for tiles). Responses are read with case-insensitive keys, because some endpoints answer in
PascalCase and others in camelCase, and unknown fields are ignored. Where the current docs and
the older endpoint page differ in shape, both are read (see each model).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def _flat(name: str) -> str:
    return name.replace("_", "").lower()


class ServiceModel(BaseModel):
    """A response object: keys matched without regard to case."""

    model_config = ConfigDict(
        alias_generator=_flat, populate_by_name=True, extra="ignore", frozen=True
    )

    @model_validator(mode="before")
    @classmethod
    def _lower_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {str(k).lower(): v for k, v in data.items()}
        return data


def _guids(value: Any) -> list[str]:
    """Tiles come back as GUID strings or as objects with a tileGuid/miniTileGuid."""
    out: list[str] = []
    for item in value or []:
        if isinstance(item, dict):
            lowered = {str(k).lower(): v for k, v in item.items()}
            item = lowered.get("tileguid") or lowered.get("minitileguid") or lowered.get("guid")
        if item:
            out.append(str(item))
    return out


class TaskOrder(ServiceModel):
    """A live order, as GET /api/tasking/orders and create return it."""

    task_order_guid: str
    billing_cycle: str | None = None
    ordering_process_status: str = "Unknown"
    storage_months: int = 1
    api_requests: int = 1
    task_order_area_km2: float | None = None
    satellite_constellations: list[str] = Field(default_factory=list)
    model: str = ""
    image_frequency: int = 1
    reference_date: date | None = None
    from_: date = Field(alias="from")
    to: date | None = None
    tiles: list[str] = Field(default_factory=list)
    mini_tiles: list[str] = Field(default_factory=list)
    wkt: str | None = None
    created_date: datetime | None = None
    is_automatic_order: bool = False

    @field_validator("tiles", "mini_tiles", mode="before")
    @classmethod
    def _tile_guids(cls, value: Any) -> list[str]:
        return _guids(value)

    @field_validator("satellite_constellations", mode="before")
    @classmethod
    def _no_null_list(cls, value: Any) -> Any:
        return value or []


class EstimateCosts(ServiceModel):
    currency_code: str = "EUR"
    current_month_order_cost_estimate: float | None = None
    current_month_storage_costs: float | None = None
    next_month_order_cost_estimate: float | None = None
    next_month_storage_costs: float | None = None


class CostTotal(ServiceModel):
    """The current estimate shape's cost objects (CurrentMonthCosts, RecurringCostsEstimate);
    the total is TotalCost or, in other versions, TotalCostEuro."""

    total_cost: float | None = None
    total_cost_euro: float | None = None
    currency_code: str | None = None

    @property
    def total(self) -> float | None:
        return self.total_cost if self.total_cost is not None else self.total_cost_euro


class Estimate(ServiceModel):
    """What an order would cost; tolerates the older and the newer shape."""

    storage_months: int | None = None
    api_requests: int | None = None
    satellite_constellations: list[str] = Field(default_factory=list)
    model: str | None = None
    cancellation_date: date | None = None
    area_km2: float | None = None
    area_km2_before_minimum1_km2_per_aoi: float | None = None
    current_month_cost: float | None = None
    next_month_cost: float | None = None
    costs: EstimateCosts | None = None
    current_month_costs: CostTotal | None = None
    recurring_costs_estimate: CostTotal | None = None
    tiles: list[str] = Field(default_factory=list)
    mini_tiles: list[str] = Field(default_factory=list)
    areas_of_interest_wkt: str | None = None
    image_dates: list[date] = Field(default_factory=list)

    @field_validator("tiles", "mini_tiles", mode="before")
    @classmethod
    def _tile_guids(cls, value: Any) -> list[str]:
        return _guids(value)

    @property
    def this_month(self) -> float | None:
        """This month's cost, whichever shape the service answered in; None when absent."""
        if self.current_month_cost is not None:
            return self.current_month_cost
        return self.current_month_costs.total if self.current_month_costs else None

    @property
    def next_month(self) -> float | None:
        """The cost of each following month (the recurring cost); None when absent."""
        if self.next_month_cost is not None:
            return self.next_month_cost
        return self.recurring_costs_estimate.total if self.recurring_costs_estimate else None

    @property
    def currency(self) -> str:
        for holder in (self.costs, self.current_month_costs, self.recurring_costs_estimate):
            code = getattr(holder, "currency_code", None)
            if code:
                return str(code)
        return "EUR"  # the page's shape and TotalCostEuro are in euro


class Tile(ServiceModel):
    """A tile or minitile. Current: {Guid, MiniTile, Epsg: "32632", DataGeogWkt}; the page:
    {tileGuid, epsg: 32632, dataGeogWkt}."""

    tile_guid: str
    epsg: int | None = None
    data_geog_wkt: str | None = None
    mini_tile: bool = False

    @model_validator(mode="before")
    @classmethod
    def _either_shape(cls, data: Any) -> Any:
        if isinstance(data, dict):
            lowered = {str(k).lower(): v for k, v in data.items()}
            lowered.setdefault("tileguid", lowered.get("guid") or lowered.get("minitileguid"))
            epsg = lowered.get("epsg")
            if isinstance(epsg, str):
                lowered["epsg"] = int(epsg) if epsg.strip().isdigit() else None
            return lowered
        return data


class TileSearch(ServiceModel):
    """Tiles and minitiles: the current answer lists both in Tiles (MiniTile: true for a
    minitile); the page's answer lists minitile GUIDs apart, in miniTiles."""

    tiles: list[Tile] = Field(default_factory=list)
    mini_tiles: list[str] = Field(default_factory=list)
    footprints: dict[str, str] = Field(default_factory=dict)
    """GUID (lower case) -> DataGeogWkt, for every tile and minitile the answer drew."""

    @model_validator(mode="before")
    @classmethod
    def _split_minitiles(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        lowered = {str(k).lower(): v for k, v in data.items()}
        tiles, minis = [], list(_guids(lowered.get("minitiles")))
        drawn: dict[str, str] = {}
        for item in lowered.get("tiles") or []:
            low = {str(k).lower(): v for k, v in item.items()} if isinstance(item, dict) else {}
            guid = str(low.get("guid") or low.get("tileguid") or "")
            if isinstance(low.get("datageogwkt"), str) and guid:
                drawn[guid.lower()] = low["datageogwkt"]
            if low.get("minitile") is True:
                minis.append(guid)
            else:
                tiles.append(item)
        return {"tiles": tiles, "minitiles": minis, "footprints": drawn}


class TileCover(ServiceModel):
    """The tile optimiser's answer: a cost-focused cover of an area (best effort)."""

    tiles: list[str] = Field(default_factory=list)
    mini_tiles: list[str] = Field(default_factory=list)


class DatesByGeography(ServiceModel):
    wkt: str
    dates: list[date] = Field(default_factory=list)


class ModelImageDates(ServiceModel):
    model: str
    satellite_constellations: list[str] = Field(default_factory=list)
    dates_by_geog: list[DatesByGeography] = Field(default_factory=list)


class AvailableDates(ServiceModel):
    model_image_dates: list[ModelImageDates] = Field(default_factory=list)


class Availability(ServiceModel):
    intersected_active_zones: bool = False
    intersected_active_zones_utm_epsg: bool = False
    fully_available: bool = False
    uncertainty_available: bool = False
    partially_available: bool = False
    partially_uncertainty_available: bool = False
    polygon_in_data_area: bool = False
    data_available_for_user: bool = False
    data_on_zone_data_frequency_date: bool = False
    all_images_predicted: bool = False
    any_image_within_storage_months: bool = False
    orders_cover_polygon: bool = False


class ModelInfo(ServiceModel):
    """One model and its constellations. Current: {Model, SupportedSatelliteConstellations:
    [{SatelliteConstellation, Optional}]}; older: {Model, SatelliteConstellations,
    RequiredSatelliteConstellations} (without the latter, every one listed is required)."""

    model: str
    required: list[str] = Field(default_factory=list)
    optional: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _either_shape(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"model": data}
        if not isinstance(data, dict):
            return data
        low = {str(k).lower(): v for k, v in data.items()}
        name = low.get("model") or low.get("name") or low.get("modelname")
        supported = low.get("supportedsatelliteconstellations")
        if isinstance(supported, list):
            pairs = [
                ({str(k).lower(): v for k, v in c.items()} if isinstance(c, dict) else {})
                for c in supported
            ]
            named = [
                (str(p.get("satelliteconstellation") or ""), bool(p.get("optional"))) for p in pairs
            ]
            return {
                "model": name,
                "required": [n for n, optional in named if n and not optional],
                "optional": [n for n, optional in named if n and optional],
            }
        listed = [str(c) for c in low.get("satelliteconstellations") or []]
        required = [str(c) for c in low.get("requiredsatelliteconstellations") or listed]
        return {
            "model": name,
            "required": required,
            "optional": [c for c in listed if c not in required],
        }


class AccountInfo(ServiceModel):
    """GET /api/account/info (older: /api/apikey/info). The key itself, which the older answer
    echoes, is never read."""

    tenant_id: str | None = None
    max_concurrent_connections: int | None = None
    max_composite_area_km2: float | None = None
    max_total_bands: int | None = None
    euro_credit_amount: Any = None
    credit_amount: Any = None
    euro_overdraft_limit: Any = None
    """Order credits and overdraft, where the service names them (today's and older names);
    read as given and checked by the caller (a figure that is not a price is not used)."""

    @field_validator("tenant_id", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return None if value is None else str(value)


class OrderRequest(BaseModel):
    """The body of create and estimate, with the endpoint page's field names."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    wkt: str | None = Field(None, alias="Wkt")
    geo_json: dict[str, Any] | None = Field(None, alias="GeoJson")
    tile_guids: list[str] | None = Field(None, alias="TileGuids")
    mini_tile_guids: list[str] | None = Field(None, alias="MiniTileGuids")
    satellite_constellations: list[str] = Field(alias="SatelliteConstellations")
    model: str = Field(alias="Model")
    storage_months: int = Field(1, alias="StorageMonths")
    api_requests: int = Field(1, alias="ApiRequests")
    image_frequency: int = Field(alias="ImageFrequency")
    reference_date: date = Field(alias="ReferenceDate")
    from_: date = Field(alias="From")
    to: date | None = Field(None, alias="To")
    simulated_euro_usage: float | None = Field(None, alias="SimulatedEuroUsage")
    """Price as if the account had already spent this much more (estimate only)."""

    def body(self) -> dict[str, Any]:
        body = self.model_dump(mode="json", by_alias=True)
        if body.get("SimulatedEuroUsage") is None:
            body.pop("SimulatedEuroUsage", None)
        return body
